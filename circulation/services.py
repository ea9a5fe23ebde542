"""Circulation writes: check out, check in, lost and claims returned. Renewals are in
``circulation.renewals``, fees in ``circulation.fees``, refusals in ``circulation.refusals``.

Locking convention (rows are always locked in this order, so two desks never deadlock):
  check_out:  patron → item
  check_in, mark_lost, mark_claims_returned:  item → its open loan
  renew:      the loan (it touches no item or patron row)
  renew_all:  the patron's open loans, in one statement, by loan id
  pay_fee, waive_fee:  the fee
The database keeps the last word: at most one open loan per item (a partial unique index).

Every function runs a fixed number of SQL statements whatever the patron's number of loans or the
number of lending rules: the patron's loans, debt and holds are counted with one aggregate query
(``circulation.selectors.patron_facts``) and the lending rules, calendars and settings come from
this process's copy (``circulation.config_cache``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from django.contrib.postgres.expressions import ArraySubquery
from django.db import IntegrityError, transaction
from django.db.models import OuterRef
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from catalog.models import Item
from circulation import config_cache, duedates, rows, rules, selectors
from circulation.destinations import Action, Destination, destination_after_checkin
from circulation.holds import selectors as hold_selectors
from circulation.holds import services as hold_services
from circulation.models import Fee, Loan, OverrideLog
from circulation.privacy import returned_link_days
from circulation.refusals import (
    ALREADY_ON_LOAN,
    IN_TRANSIT,
    ITEM_LOST,
    ITEM_MISSING,
    ITEM_WITHDRAWN,
    LOAN_CHANGED,
    MAX_LOANS_OF_TYPE,
    MAX_LOANS_TOTAL,
    NOT_FOR_LOAN,
    ON_HOLD_SHELF,
    ON_LOAN_TO_THIS_PATRON,
    CheckinRefused,
    CheckoutRefused,
    Refusal,
    check_override,
    log_overrides,
    patron_refusals,
    refuse,
)
from libraries.models import ConsortiumSettings, Library
from patrons import rules as patron_rules
from patrons.models import Patron, PatronBlock
from patrons.selectors import build_facts
from transport import selectors as transport_selectors
from transport import services as transport_services
from transport.models import Transfer

STOCKHOLM = ZoneInfo("Europe/Stockholm")


# --- Small helpers -----------------------------------------------------------------------


def tz_of(library: Library) -> ZoneInfo:
    return ZoneInfo(library.timezone or "Europe/Stockholm")


def with_block_reasons(queryset, patron_ref: str = "pk"):
    reasons = PatronBlock.objects.open().filter(patron=OuterRef(patron_ref)).values("reason")
    return queryset.annotate(open_block_reasons=ArraySubquery(reasons))


# --- Hooks other issues fill in ----------------------------------------------------------


def item_claim_refusal(*, item: Item, patron: Patron) -> Refusal | None:
    """Is the item kept for someone else? A copy on the hold shelf may go to its holder only
    (staff may override); one in transit may be overridden."""
    if item.status == Item.Status.ON_HOLD_SHELF:
        if hold_selectors.shelf_holder_id(item) == patron.pk:
            return None
        return Refusal(
            ON_HOLD_SHELF,
            _("The item is on the hold shelf for another patron."),
            overridable=True,
        )
    if item.status == Item.Status.IN_TRANSIT:
        return Refusal(
            IN_TRANSIT, _("The item is in transit. Check it in first."), overridable=True
        )
    return None


# --- Check out ---------------------------------------------------------------------------


def _on_loan_refusal(item: Item, patron: Patron) -> Refusal:
    """The item is on loan: to this patron (renew it instead) or to someone else (say to whom,
    masked, and until when: taking the loan over needs the desk to confirm). One query."""
    loan = selectors.open_loan_facts(item.pk)
    if loan is None:  # the status is stale: the unique index decides when the loan is written
        return Refusal(
            ALREADY_ON_LOAN,
            _("The item is already on loan. Check it in first, then lend it again."),
        )
    tz = tz_of(item.home_library)
    due = loan["due_at"].astimezone(tz).date()
    details = {"loan": loan["id"], "due": due.isoformat(), "holder": loan["holder"]}
    if loan["patron_id"] == patron.pk:
        return Refusal(
            ON_LOAN_TO_THIS_PATRON,
            _("The patron already has this item on loan, due %(date)s. Renew it instead?")
            % {"date": date_format(due)},
            details=details,
        )
    return Refusal(
        ALREADY_ON_LOAN,
        _("The item is on loan to %(holder)s, due %(date)s.")
        % {"holder": loan["holder"] or _("another patron"), "date": date_format(due)},
        details=details,
    )


def _item_refusals(item: Item, patron: Patron) -> list[Refusal]:
    status = item.status
    if status == Item.Status.ON_LOAN:
        return [_on_loan_refusal(item, patron)]
    by_status = {
        Item.Status.LOST: (ITEM_LOST, _("The item is marked lost. Check it in first.")),
        Item.Status.MISSING: (ITEM_MISSING, _("The item is marked missing. Check it in first.")),
        Item.Status.WITHDRAWN: (ITEM_WITHDRAWN, _("The item has been withdrawn.")),
    }
    refusals = [Refusal(*by_status[status])] if status in by_status else []
    claim = item_claim_refusal(item=item, patron=patron)
    if claim:
        refusals.append(claim)
    if item.item_type.not_for_loan:
        refusals.append(
            Refusal(NOT_FOR_LOAN, _("This item type is not for loan."), overridable=True)
        )
    return refusals


def _limit_refusals(
    effective: rules.EffectiveRule, facts: selectors.PatronCirculationFacts
) -> list[Refusal]:
    refusals = []
    if facts.open_loans >= effective.max_loans_total:
        refusals.append(
            Refusal(
                MAX_LOANS_TOTAL,
                _("The patron already has %(count)d loans; the limit is %(limit)d.")
                % {"count": facts.open_loans, "limit": effective.max_loans_total},
                overridable=True,
            )
        )
    if facts.open_loans_of_type >= effective.max_loans_of_type:
        refusals.append(
            Refusal(
                MAX_LOANS_OF_TYPE,
                _("The patron has %(count)d loans of this item type; the limit is %(limit)d.")
                % {"count": facts.open_loans_of_type, "limit": effective.max_loans_of_type},
                overridable=True,
            )
        )
    return refusals


def _rules_library(consortium: ConsortiumSettings, *, library: Library, item: Item, patron: Patron):
    chosen = rules.rules_library_id(
        consortium.rules_library,
        loan_library_id=library.pk,
        item_home_library_id=item.home_library_id,
        patron_home_library_id=patron.home_library_id,
    )
    return next(
        lib for lib in (library, item.home_library, patron.home_library) if lib.pk == chosen
    )


def check_out(
    *,
    barcode: str,
    library: Library,
    staff,
    now: datetime,
    card_number: str | None = None,
    patron: Patron | None = None,
    override_reason: str | None = None,
) -> Loan:
    """Lend the item with ``barcode`` to the patron (by card number or patron) at ``library``.

    Raises ``CheckoutRefused`` with every reason found. With ``override_reason`` and a staff
    member allowed to override, overridable refusals are logged and the loan is made.
    """
    try:
        return _check_out(
            barcode=barcode,
            library=library,
            staff=staff,
            now=now,
            card_number=card_number,
            patron=patron,
            override_reason=override_reason,
        )
    except IntegrityError as error:
        # The item's status said "not on loan" but an open loan exists (the partial unique
        # index is the last word): refuse like any other item already on loan.
        if "one_open_loan_per_item" not in str(error):
            raise
        raise refuse(
            CheckoutRefused,
            ALREADY_ON_LOAN,
            _("The item is already on loan. Check it in first, then lend it again."),
        ) from None


@transaction.atomic
def _check_out(
    *,
    barcode: str,
    library: Library,
    staff,
    now: datetime,
    card_number: str | None = None,
    patron: Patron | None = None,
    override_reason: str | None = None,
) -> Loan:
    # Lending rules, calendars and settings: this process's copy, one version check per scan.
    config = config_cache.config()
    locked_patron, card_status = rows.lock_patron(
        card_number=card_number, patron=patron, config=config
    )
    item = rows.lock_item(barcode, CheckoutRefused, config)
    consortium = config.consortium
    rules_library = _rules_library(consortium, library=library, item=item, patron=locked_patron)
    tz = tz_of(rules_library)
    effective = config.effective(
        library_id=rules_library.pk,
        category_id=locked_patron.category_id,
        item_type_id=item.item_type_id,
    )
    facts = selectors.patron_facts(
        locked_patron,
        now=now,
        item_type_id=item.item_type_id,
        type_limit=effective.max_loans_of_type,
        record_id=item.record_id,
    )
    verdict = patron_rules.may_borrow(
        build_facts(
            patron=locked_patron,
            card_status=card_status,
            debt=facts.debt,
            oldest_overdue_days=facts.oldest_overdue_days,
            consortium=consortium,
        ),
        now.astimezone(tz).date(),
    )
    refusals = [
        *_item_refusals(item, locked_patron),
        *patron_refusals(verdict),
        *_limit_refusals(effective, facts),
    ]
    # Sorted so a refusal nobody may override comes first (its reason is the answer).
    refusals.sort(key=lambda r: r.overridable)
    check_override(
        CheckoutRefused, refusals, override_reason=override_reason, staff=staff, library=library
    )
    calendar = config.calendar(rules_library.pk)
    loan = Loan(
        item=item,
        patron=locked_patron,
        checkout_library=library,
        rules_library=rules_library,
        checked_out_at=now,
        due_at=duedates.due_at(
            start=now, loan_period_days=effective.loan_period_days, calendar=calendar, tz=tz
        ),
        staff=staff,
        override_reason=(override_reason or "").strip()[:200] if refusals else "",
    )
    # The loan, the item's new state, the patron's activity and the event: one statement.
    rows.write_checkout(loan, item=item, patron=locked_patron, library=library, now=now)
    if refusals:
        log_overrides(
            refusals,
            action=OverrideLog.Action.CHECKOUT,
            loan=loan,
            staff=staff,
            library=library,
            now=now,
            reason=override_reason or "",
        )
    hold_services.after_checkout(
        item=item,
        patron=locked_patron,
        loan=loan,
        prior_status=item.status,
        now=now,
        holds_on_record=facts.holds_on_record,
    )
    loan.patron = locked_patron
    loan.item = item
    return loan


# --- Check in ----------------------------------------------------------------------------


@dataclass
class CheckinResult:
    """What happened at check-in and what staff should do with the item now."""

    item: Item
    action: str  # Action.RESHELVE or Action.SEND_HOME
    destination: Library | None  # where to send it (SEND_HOME)
    message: str
    loan: Loan | None = None  # the loan that was closed, if it was on loan
    fee: Fee | None = None  # the overdue fine billed, if any
    was_on_loan: bool = True
    extra: dict = field(default_factory=dict)  # for the transport and holds issues to fill

    @property
    def was_overdue(self) -> bool:
        return self.loan is not None and self.loan.due_at < self.loan.returned_at


@transaction.atomic
def check_in(
    *,
    barcode: str,
    library: Library,
    staff,
    now: datetime,
    expected_loan_id: int | None = None,
) -> CheckinResult:
    """Take an item back at ``library``: close its loan, bill any overdue fine, say where it goes.

    An item that is not on loan is harmless: it is put back in circulation (a lost or missing
    item found again becomes available) and the answer says it was not on loan.

    ``expected_loan_id``: the desk takes over a loan it showed and the staff confirmed; if that
    loan is not the item's open loan any more, nothing is done (``loan_changed``).
    """
    config = config_cache.config()
    item = rows.lock_item(barcode, CheckinRefused, config, for_checkin=True)
    loan = rows.lock_loan_of_item(item, config)
    if expected_loan_id is not None and (loan is None or loan.pk != expected_loan_id):
        raise refuse(
            CheckinRefused,
            LOAN_CHANGED,
            _("The item's loan changed meanwhile. Scan the item again."),
        )
    fee = None
    # Every check-in asks whether the copy can fill a waiting hold (oldest first), unless the
    # lock statement found no hold that could take it.
    may_capture = item.holds_may_wait and item.status != Item.Status.WITHDRAWN
    closing = None  # the loan closed in memory, written with the item's new state below
    if loan is not None:
        borrower_id = loan.patron_id
        fee = _close_loan(loan, library=library, staff=staff, now=now, config=config)
        closing = (loan, borrower_id)
        if item.status == Item.Status.IN_TRANSIT or may_capture:
            # Transport and holds write after the return (and log their own events): the
            # loan and its event go first, as one statement.
            rows.write_checkin(closing, item=item, library=library, now=now, status=None)
            closing = None
    transfer = None
    if item.status == Item.Status.IN_TRANSIT:
        # Arrival scanning: transport says whether it is home, at a hub, or somewhere unexpected.
        receipt = transport_services.receive_item(item=item, library=library, staff=staff, now=now)
        if receipt is not None and receipt.outcome != "arrived":
            transfer = receipt.transfer
    capture = None
    if transfer is None and may_capture:
        capture = hold_services.capture_at_checkin(item=item, library=library, staff=staff, now=now)
    if capture is not None:
        destination = Destination(capture.action, capture.library, capture.message)
        transfer = capture.transfer
    elif transfer is not None:
        destination = Destination(Action.SEND_HOME, transfer.to_library, receipt.message)
    else:
        destination = destination_after_checkin(item=item, library=library, now=now)
    new_status = {
        Action.RESHELVE: Item.Status.AVAILABLE,
        Action.HOLD_SHELF: Item.Status.ON_HOLD_SHELF,
    }.get(destination.action, Item.Status.IN_TRANSIT)
    if item.status == Item.Status.WITHDRAWN:
        new_status = Item.Status.WITHDRAWN
    starts_transfer = destination.action == Action.SEND_HOME and transfer is None
    # (A transfer started here or by the hold capture already set the item in transit.)
    sets_item = not starts_transfer and not (capture is not None and capture.transfer is not None)
    if closing is not None or sets_item:
        rows.write_checkin(
            closing, item=item, library=library, now=now, status=new_status if sets_item else None
        )
    item.status, item.current_library = new_status, library
    message = destination.message
    if starts_transfer:
        transfer = transport_services.start_transfer(
            item=item,
            from_library=library,
            to_library=destination.library,
            reason=Transfer.Reason.RETURN_HOME,
            staff=staff,
            now=now,
        )
        message = transport_selectors.next_hop_description(transfer)
    if loan is None:
        # Not inside the f-string: xgettext does not see msgids there.
        not_on_loan = _("The item was not on loan.")
        message = f"{not_on_loan} {message}"
    return CheckinResult(
        item=item,
        action=destination.action,
        destination=destination.library,
        message=message,
        loan=loan,
        fee=fee,
        was_on_loan=loan is not None,
        extra={
            **({"transfer": transfer} if transfer is not None else {}),
            **({"hold": capture.hold} if capture is not None else {}),
        },
    )


def _close_loan(
    loan: Loan, *, library: Library, staff, now: datetime, config: config_cache.Config
) -> Fee | None:
    """Mark the loan returned, bill the overdue fine, cut the patron link if so decided."""
    patron = loan.patron
    fee = None
    if patron is not None and loan.due_at < now:
        rules_library = loan.rules_library
        tz = tz_of(rules_library)
        effective = config.effective(
            library_id=rules_library.pk,
            category_id=patron.category_id,
            item_type_id=loan.item.item_type_id,
        )
        calendar = config.calendar(rules_library.pk)
        days = duedates.overdue_open_days(
            due=loan.due_at, returned=now, calendar=calendar, tz=tz, grace_days=effective.grace_days
        )
        amount = duedates.overdue_fine(
            open_days_late=days, fine_per_day=effective.fine_per_day, fine_cap=effective.fine_cap
        )
        if amount > 0:
            fee = Fee.objects.create(
                patron=patron,
                loan=loan,
                library=library,
                kind=Fee.Kind.OVERDUE,
                amount=amount,
                description=str(
                    _("%(days)d open days late: %(title)s")
                    % {"days": days, "title": loan.item.record.title[:120]}
                ),
                created_at=now,
                created_by=staff,
            )
    loan.returned_at = now
    loan.returned_library = library
    loan.end_reason = Loan.EndReason.RETURNED
    if patron is not None and not patron.keeps_loan_history and returned_link_days() == 0:
        loan.patron = None
    return fee  # written by rows.write_checkin
