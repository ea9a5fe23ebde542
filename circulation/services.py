"""Circulation writes: check out, check in, renew, fees, lost and claims returned.

Locking convention (rows are always locked in this order, so two desks never deadlock):
  check_out:  patron → item
  check_in, mark_lost, mark_claims_returned:  item → its open loan
  renew:      the loan (it touches no item or patron row)
  renew_all:  the patron's open loans, in one statement, by loan id
  pay_fee, waive_fee:  the fee
The database keeps the last word: at most one open loan per item (a partial unique index).

Every function runs a fixed number of SQL statements whatever the patron's number of loans or the
number of lending rules: loans are counted with one aggregate query and all the rules that can
apply are fetched with one query (``circulation.selectors``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.postgres.expressions import ArraySubquery
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, transaction
from django.db.models import F, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from catalog.models import Item, Record
from circulation import config_cache, duedates, hold_selectors, hold_services, rules, selectors
from circulation.models import Fee, Loan, OverrideLog
from circulation.privacy import returned_link_days
from libraries.models import ConsortiumSettings, Library, StaffRole
from patrons import rules as patron_rules
from patrons.models import Card, Patron, PatronBlock
from patrons.selectors import build_facts
from transport import selectors as transport_selectors
from transport import services as transport_services
from transport.models import Transfer

# --- Refusals ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    reason: str
    message: str  # lazy translation
    overridable: bool = False

    def __str__(self) -> str:
        return str(self.message)


class CirculationRefused(Exception):
    """An action was refused; ``reason`` is a stable code, ``message`` a translated sentence.

    ``refusals`` lists every reason found (the first is ``reason``); ``overridable`` is true
    when all of them may be overridden by staff with the override role, giving a reason.
    """

    def __init__(self, refusals: list[Refusal]):
        self.refusals = tuple(refusals)
        self.reason = refusals[0].reason
        self.message = refusals[0].message
        self.overridable = all(r.overridable for r in refusals)
        super().__init__("; ".join(f"{r.reason}: {r.message}" for r in refusals))


class CheckoutRefused(CirculationRefused):
    pass


class CheckinRefused(CirculationRefused):
    pass


class RenewalRefused(CirculationRefused):
    pass


class FeeRefused(CirculationRefused):
    pass


def _refuse(exc: type[CirculationRefused], reason: str, message) -> CirculationRefused:
    return exc([Refusal(reason, message)])


UNKNOWN_CARD = "unknown_card"
UNKNOWN_ITEM = "unknown_item"
ALREADY_ON_LOAN = "already_on_loan"
NOT_FOR_LOAN = "not_for_loan"
ITEM_LOST = "item_lost"
ITEM_MISSING = "item_missing"
ITEM_WITHDRAWN = "item_withdrawn"
ON_HOLD_SHELF = "on_hold_shelf"
IN_TRANSIT = "in_transit"
MAX_LOANS_TOTAL = "max_loans_total"
MAX_LOANS_OF_TYPE = "max_loans_of_type"
MAX_RENEWALS = "max_renewals"
OTHERS_WAITING = "others_waiting"
NOT_ON_LOAN = "not_on_loan"
OVERRIDE_NOT_ALLOWED = "override_not_allowed"
FEE_SETTLED = "fee_settled"
REASON_REQUIRED = "reason_required"

# Patron blocks staff may override at the desk (a lost card, a manual block or an anonymized
# record are not: remove the block or replace the card instead).
OVERRIDABLE_PATRON_BLOCKS = frozenset(
    {patron_rules.CARD_EXPIRED, patron_rules.DEBT, patron_rules.OVERDUE}
)
# Who may override: a library admin of the working library, or a consortium admin.
OVERRIDE_ROLE = StaffRole.Role.LIBRARY_ADMIN

STOCKHOLM = ZoneInfo("Europe/Stockholm")


# --- Small helpers -----------------------------------------------------------------------


def _tz(library: Library) -> ZoneInfo:
    return ZoneInfo(library.timezone or "Europe/Stockholm")


def _with_block_reasons(queryset, patron_ref: str = "pk"):
    reasons = PatronBlock.objects.open().filter(patron=OuterRef(patron_ref)).values("reason")
    return queryset.annotate(open_block_reasons=ArraySubquery(reasons))


def _may_override(staff, library: Library) -> bool:
    """A library admin of ``library`` or a consortium admin. One query, only when overriding."""
    if staff is None:
        return False
    if staff.is_superuser:
        return True
    return StaffRole.objects.filter(
        Q(role=StaffRole.Role.CONSORTIUM_ADMIN) | Q(role=OVERRIDE_ROLE, library=library),
        user=staff,
    ).exists()


def _check_override(
    exc: type[CirculationRefused],
    refusals: list[Refusal],
    *,
    override_reason: str | None,
    staff,
    library: Library,
) -> None:
    """Raise unless there is nothing to refuse or every refusal is overridden with a reason."""
    if not refusals:
        return
    error = exc(refusals)
    if not override_reason or not override_reason.strip() or not error.overridable:
        raise error
    if not _may_override(staff, library):
        raise exc(
            [
                Refusal(
                    OVERRIDE_NOT_ALLOWED,
                    _("Only a library admin may override: %(message)s")
                    % {"message": refusals[0].message},
                ),
                *refusals,
            ]
        )


def _log_overrides(
    refusals: list[Refusal], *, action: str, loan: Loan, staff, library: Library, now, reason: str
) -> None:
    OverrideLog.objects.bulk_create(
        OverrideLog(
            at=now,
            staff=staff,
            library=library,
            action=action,
            refusal=r.reason,
            reason=reason.strip()[:200],
            loan=loan,
        )
        for r in refusals
    )


def _patron_refusals(verdict: patron_rules.Verdict) -> list[Refusal]:
    return [
        Refusal(b.reason, b.message, overridable=b.reason in OVERRIDABLE_PATRON_BLOCKS)
        for b in verdict.blocks
    ]


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


def others_waiting(*, loan: Loan, now: datetime) -> bool:
    """Does another patron wait for this loan's title with no other copy on a shelf for them?"""
    return hold_selectors.others_waiting(
        item_id=loan.item_id,
        patron_id=loan.patron_id,
        today=now.astimezone(_tz(loan.rules_library)).date(),
    )


# --- Check out ---------------------------------------------------------------------------


def _partial(model, **values):
    """An instance of ``model`` with only these fields loaded (the others deferred: touching
    one loads it). ``from_db`` wants the values in the model's field order."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(DEFAULT_DB_ALIAS, names, [values[name] for name in names])


# The desk's row locks are written as SQL: building these queries with the ORM (a
# subquery, a join, an annotation) cost three times what PostgreSQL needs to answer them
# (docs/performance.md). The rows still come back as model instances (``QuerySet.raw``); the
# open block reasons and the card status arrive as extra attributes.
_LOCK_PATRON_BY_CARD_SQL = """
SELECT p.*, c.status AS card_status,
       ARRAY(SELECT b.reason FROM patrons_patronblock b
              WHERE b.patron_id = p.id AND b.removed_at IS NULL
              ORDER BY b.created_at DESC) AS open_block_reasons
  FROM patrons_patron p JOIN patrons_card c ON c.patron_id = p.id
 WHERE c.number = %s
   FOR UPDATE OF p
"""
_LOCK_PATRON_SQL = """
SELECT p.*,
       ARRAY(SELECT b.reason FROM patrons_patronblock b
              WHERE b.patron_id = p.id AND b.removed_at IS NULL
              ORDER BY b.created_at DESC) AS open_block_reasons
  FROM patrons_patron p
 WHERE p.id = %s
   FOR UPDATE OF p
"""
_LOCK_ITEM_SQL = """
SELECT i.*, r.title AS record_title
  FROM catalog_item i JOIN catalog_record r ON r.id = i.record_id
 WHERE i.barcode = %s
   FOR UPDATE OF i
"""


def _lock_patron(
    *, card_number: str | None, patron: Patron | None, config: config_cache.Config
) -> tuple[Patron, str]:
    """Lock the patron row (first in the lock order); returns it with the card status.

    The category and home library come from this process's copy of the reference data
    (``config_cache``), not from joins: fewer columns to read and fewer instances to build.
    """
    if patron is not None:
        locked = next(iter(Patron.objects.raw(_LOCK_PATRON_SQL, [patron.pk])), None)
        if locked is None:
            raise _refuse(CheckoutRefused, UNKNOWN_CARD, _("No such patron."))
        return _with_reference_data(locked, config), Card.Status.ACTIVE
    number = "".join((card_number or "").split())
    locked = (
        next(iter(Patron.objects.raw(_LOCK_PATRON_BY_CARD_SQL, [number])), None) if number else None
    )
    if locked is None:
        raise _refuse(CheckoutRefused, UNKNOWN_CARD, _("No patron has this library card."))
    return _with_reference_data(locked, config), locked.card_status


def _with_reference_data(patron: Patron, config: config_cache.Config) -> Patron:
    patron.category = config.category(patron.category_id)
    patron.home_library = config.library(patron.home_library_id)
    return patron


def _lock_item(barcode: str, exc: type[CirculationRefused], config: config_cache.Config) -> Item:
    """Lock the item by barcode, with its record's title (not the MARC or the search vector);
    item type and home library from this process's copy of the reference data."""
    barcode = "".join((barcode or "").split())
    item = next(iter(Item.objects.raw(_LOCK_ITEM_SQL, [barcode])), None) if barcode else None
    if item is None:
        raise _refuse(exc, UNKNOWN_ITEM, _("No item has this barcode."))
    # The record as a deferred instance: its id and title only (touching another field loads it).
    item.record = _partial(Record, id=item.record_id, title=item.record_title)
    item.item_type = config.item_type(item.item_type_id)
    item.home_library = config.library(item.home_library_id)
    return item


def _item_refusals(item: Item, patron: Patron) -> list[Refusal]:
    status = item.status
    if status == Item.Status.ON_LOAN:
        return [
            Refusal(
                ALREADY_ON_LOAN,
                _("The item is already on loan. Check it in first, then lend it again."),
            )
        ]
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
        raise _refuse(
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
    locked_patron, card_status = _lock_patron(card_number=card_number, patron=patron, config=config)
    item = _lock_item(barcode, CheckoutRefused, config)
    consortium = config.consortium
    rules_library = _rules_library(consortium, library=library, item=item, patron=locked_patron)
    tz = _tz(rules_library)
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
        *_patron_refusals(verdict),
        *_limit_refusals(effective, facts),
    ]
    # Sorted so a refusal nobody may override comes first (its reason is the answer).
    refusals.sort(key=lambda r: r.overridable)
    _check_override(
        CheckoutRefused, refusals, override_reason=override_reason, staff=staff, library=library
    )
    calendar = config.calendar(rules_library.pk)
    loan = Loan.objects.create(
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
    if refusals:
        _log_overrides(
            refusals,
            action=OverrideLog.Action.CHECKOUT,
            loan=loan,
            staff=staff,
            library=library,
            now=now,
            reason=override_reason or "",
        )
    Item.objects.filter(pk=item.pk).update(
        status=Item.Status.ON_LOAN,
        current_library=library,
        last_borrowed_at=now,
        loan_count=F("loan_count") + 1,
        updated_at=now,
    )
    Patron.objects.filter(pk=locked_patron.pk).update(last_activity_at=now)
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


class Action:
    RESHELVE = "reshelve"
    SEND_HOME = "send_home"
    HOLD_SHELF = hold_services.HOLD_SHELF  # caught for a hold: on the hold shelf here
    HOLD_TRANSIT = hold_services.HOLD_TRANSIT  # caught for a hold: to the pickup library


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


@dataclass(frozen=True)
class Destination:
    action: str
    library: Library | None
    message: str


def destination_after_checkin(*, item: Item, library: Library, now: datetime) -> Destination:
    """Where an item goes after check-in: back on the shelf here, or home to its library.

    The single place the transport issue hooks in (to create a routed transfer); holds add
    "put on the hold shelf" / "send to the pickup library" here too.
    """
    if item.home_library_id == library.pk:
        return Destination(Action.RESHELVE, None, str(_("Put the item back on the shelf.")))
    if transport_selectors.floats_at(item=item, library=library, now=now):
        # A floating collection: the item stays here (its home library does not change).
        return Destination(Action.RESHELVE, None, str(_("Put the item back on the shelf.")))
    return Destination(
        Action.SEND_HOME,
        item.home_library,
        str(_("Send the item to its home library, %(library)s.") % {"library": item.home_library}),
    )


@transaction.atomic
def check_in(*, barcode: str, library: Library, staff, now: datetime) -> CheckinResult:
    """Take an item back at ``library``: close its loan, bill any overdue fine, say where it goes.

    An item that is not on loan is harmless: it is put back in circulation (a lost or missing
    item found again becomes available) and the answer says it was not on loan.
    """
    config = config_cache.config()
    item = _lock_item(barcode, CheckinRefused, config)
    loan = _lock_loan_of_item(item, config)
    fee = None
    if loan is not None:
        fee = _close_loan(loan, library=library, staff=staff, now=now, config=config)
    transfer = None
    if item.status == Item.Status.IN_TRANSIT:
        # Arrival scanning: transport says whether it is home, at a hub, or somewhere unexpected.
        receipt = transport_services.receive_item(item=item, library=library, staff=staff, now=now)
        if receipt is not None and receipt.outcome != "arrived":
            transfer = receipt.transfer
    capture = None
    if transfer is None and item.status != Item.Status.WITHDRAWN:
        # Every check-in asks whether the copy can fill a waiting hold (oldest first).
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
    if not starts_transfer and not (capture is not None and capture.transfer is not None):
        # (A transfer started here or by the hold capture already set the item in transit.)
        Item.objects.filter(pk=item.pk).update(
            status=new_status, current_library=library, updated_at=now
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


_LOCK_OPEN_LOAN_SQL = """
SELECT l.*, p.category_id AS patron_category_id,
       p.keeps_loan_history AS patron_keeps_loan_history
  FROM circulation_loan l LEFT JOIN patrons_patron p ON p.id = l.patron_id
 WHERE l.item_id = %s AND l.returned_at IS NULL
   FOR UPDATE OF l
"""


def _lock_loan_of_item(item: Item, config: config_cache.Config) -> Loan | None:
    """Lock the item's open loan (second in the check-in lock order), if any. SQL, as the two
    locks of a checkout; the patron comes as a deferred instance with what closing the loan
    reads (category, loan history choice), the libraries from this process's copy."""
    loan = next(iter(Loan.objects.raw(_LOCK_OPEN_LOAN_SQL, [item.pk])), None)
    if loan is None:
        return None
    if loan.patron_id is not None:
        loan.patron = _partial(
            Patron,
            id=loan.patron_id,
            category_id=loan.patron_category_id,
            keeps_loan_history=loan.patron_keeps_loan_history,
        )
    loan.rules_library = config.library(loan.rules_library_id)
    loan.checkout_library = config.library(loan.checkout_library_id)
    loan.item = item
    return loan


def _close_loan(
    loan: Loan, *, library: Library, staff, now: datetime, config: config_cache.Config
) -> Fee | None:
    """Mark the loan returned, bill the overdue fine, cut the patron link if so decided."""
    patron = loan.patron
    fee = None
    if patron is not None and loan.due_at < now:
        rules_library = loan.rules_library
        tz = _tz(rules_library)
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
    fields = ["returned_at", "returned_library", "end_reason"]
    if patron is not None and not patron.keeps_loan_history and returned_link_days() == 0:
        loan.patron = None
        fields.append("patron")
    loan.save(update_fields=fields)
    return fee


# --- Renew -------------------------------------------------------------------------------
#
# renew() renews one loan (staff may override a refusal); renew_all() renews all of a patron's
# loans set-based. Both decide with the same three functions below, so they cannot drift:
# _patron_renewal_refusals (the patron may renew at all), _renewal_refusals (this loan may be
# renewed) and _renewed_due_at (the new due date).


def _patron_renewal_refusals(
    patron: Patron,
    *,
    facts: selectors.PatronCirculationFacts,
    consortium: ConsortiumSettings,
    today,
) -> list[Refusal]:
    """Why the patron may not renew anything today (blocks, debt, overdue loans, expiry)."""
    verdict = patron_rules.may_renew(
        build_facts(
            patron=patron,
            debt=facts.debt,
            oldest_overdue_days=facts.oldest_overdue_days,
            consortium=consortium,
        ),
        today,
    )
    return _patron_refusals(verdict)


def _renewal_refusals(
    loan: Loan,
    *,
    effective: rules.EffectiveRule,
    others_wait: bool,
    patron_refusals: list[Refusal],
) -> list[Refusal]:
    """Why this loan may not be renewed, those staff may not override first; empty: it may.

    No queries: whether others wait for the title and the patron's refusals are passed in.
    """
    refusals = []
    if loan.item.status == Item.Status.LOST:
        refusals.append(Refusal(ITEM_LOST, _("The item is marked lost.")))
    if loan.renewals >= effective.max_renewals:
        refusals.append(
            Refusal(
                MAX_RENEWALS,
                _("The loan has been renewed %(count)d times; the limit is %(limit)d.")
                % {"count": loan.renewals, "limit": effective.max_renewals},
                overridable=True,
            )
        )
    if others_wait and not effective.renew_when_others_wait:
        refusals.append(
            Refusal(OTHERS_WAITING, _("Another patron is waiting for this item."), overridable=True)
        )
    refusals.extend(patron_refusals)
    refusals.sort(key=lambda r: r.overridable)
    return refusals


def _renewed_due_at(loan: Loan, *, effective: rules.EffectiveRule, calendar, now: datetime):
    """The loan period counts from today; renewing early never shortens a loan."""
    new_due = duedates.due_at(
        start=now,
        loan_period_days=effective.loan_period_days,
        calendar=calendar,
        tz=_tz(loan.rules_library),
    )
    return max(new_due, loan.due_at)


def _renew_in_memory(loan: Loan, *, due_at: datetime, now: datetime) -> None:
    loan.due_at = due_at
    loan.renewals += 1
    loan.last_renewed_at = now


@transaction.atomic
def renew(
    *,
    loan: Loan,
    library: Library,
    staff,
    now: datetime,
    override_reason: str | None = None,
) -> Loan:
    """Renew a loan from today, under the rules of the loan's rules library."""
    config = config_cache.config()
    locked = _lock_loan_to_renew(loan.pk, config)
    if locked is None or locked.returned_at is not None or locked.patron is None:
        raise _refuse(RenewalRefused, NOT_ON_LOAN, _("The item is not on loan any more."))
    patron = locked.patron
    rules_library = locked.rules_library
    today = now.astimezone(_tz(rules_library)).date()
    consortium = config.consortium
    facts = selectors.patron_facts(patron, now=now)
    effective = config.effective(
        library_id=rules_library.pk,
        category_id=patron.category_id,
        item_type_id=locked.item.item_type_id,
    )
    refusals = _renewal_refusals(
        locked,
        effective=effective,
        others_wait=not effective.renew_when_others_wait and others_waiting(loan=locked, now=now),
        patron_refusals=_patron_renewal_refusals(
            patron, facts=facts, consortium=consortium, today=today
        ),
    )
    _check_override(
        RenewalRefused, refusals, override_reason=override_reason, staff=staff, library=library
    )
    calendar = config.calendar(rules_library.pk)
    due_at = _renewed_due_at(locked, effective=effective, calendar=calendar, now=now)
    _renew_in_memory(locked, due_at=due_at, now=now)
    locked.save(update_fields=["due_at", "renewals", "last_renewed_at"])
    if refusals:
        _log_overrides(
            refusals,
            action=OverrideLog.Action.RENEWAL,
            loan=locked,
            staff=staff,
            library=library,
            now=now,
            reason=override_reason or "",
        )
    Patron.objects.filter(pk=patron.pk).update(last_activity_at=now)
    return locked


_LOCK_LOAN_TO_RENEW_SQL = """
SELECT l.*, i.barcode AS item_barcode, i.item_type_id AS item_type_id,
       i.record_id AS item_record_id, r.title AS record_title,
       p.category_id AS patron_category_id, p.expiry_date AS patron_expiry_date,
       p.anonymized_at AS patron_anonymized_at,
       ARRAY(SELECT b.reason FROM patrons_patronblock b
              WHERE b.patron_id = l.patron_id AND b.removed_at IS NULL
              ORDER BY b.created_at DESC) AS open_block_reasons
  FROM circulation_loan l
  JOIN catalog_item i ON i.id = l.item_id
  JOIN catalog_record r ON r.id = i.record_id
  LEFT JOIN patrons_patron p ON p.id = l.patron_id
 WHERE l.id = %s
   FOR UPDATE OF l
"""


def _lock_loan_to_renew(loan_id: int, config: config_cache.Config) -> Loan | None:
    """Lock the loan (SQL, as the desk's other locks) with what deciding a renewal and
    answering it read: the patron's category, expiry, anonymization and open blocks, the item's
    barcode, type and title (deferred instances), the libraries from this process's copy."""
    loan = next(iter(Loan.objects.raw(_LOCK_LOAN_TO_RENEW_SQL, [loan_id])), None)
    if loan is None:
        return None
    if loan.patron_id is not None:
        patron = _partial(
            Patron,
            id=loan.patron_id,
            category_id=loan.patron_category_id,
            expiry_date=loan.patron_expiry_date,
            anonymized_at=loan.patron_anonymized_at,
        )
        patron.open_block_reasons = loan.open_block_reasons
        loan.patron = patron
    item = _partial(
        Item,
        id=loan.item_id,
        barcode=loan.item_barcode,
        item_type_id=loan.item_type_id,
        record_id=loan.item_record_id,
    )
    item.record = _partial(Record, id=item.record_id, title=loan.record_title)
    item.item_type = config.item_type(item.item_type_id)
    loan.item = item
    loan.rules_library = config.library(loan.rules_library_id)
    loan.checkout_library = config.library(loan.checkout_library_id)
    return loan


@dataclass(frozen=True)
class RenewalOutcome:
    loan: Loan
    renewed: bool
    refusal: CirculationRefused | None = None


@transaction.atomic
def renew_all(*, patron: Patron, library: Library, staff, now: datetime) -> list[RenewalOutcome]:
    """Try to renew each of the patron's open loans; each one succeeds or fails on its own.

    Set-based, deciding each loan exactly as renew() does (no overrides): the patron's open
    loans are locked in one statement (by id, a fixed order), the lending rules, the patron's
    facts, the holds and the calendars are each read with one query, and the renewals are
    written with one UPDATE. The statement count does not grow with the number of loans.
    Outcomes come soonest due first, as the account page lists the loans.
    """
    loans = list(
        _with_block_reasons(
            Loan.objects.select_for_update(of=("self",))
            .select_related(
                "patron",
                "item__record",
                "item__item_type",
                "item__home_library",
                "checkout_library",
                "rules_library",
            )
            # The title is shown with a refusal; the MARC and the search vector are not.
            .defer("item__record__marc", "item__record__search_vector"),
            patron_ref="patron_id",
        )
        .filter(patron=patron, returned_at__isnull=True)
        .order_by("id")
    )
    if not loans:
        return []
    borrower = loans[0].patron
    borrower.open_block_reasons = loans[0].open_block_reasons
    rules_libraries = {loan.rules_library_id: loan.rules_library for loan in loans}
    today = {pk: now.astimezone(_tz(lib)).date() for pk, lib in rules_libraries.items()}
    config = config_cache.config()
    consortium = config.consortium
    facts = selectors.patron_facts(borrower, now=now)
    effective = _effective_rules(loans, category_id=borrower.category_id, config=config)
    waiting = _items_with_others_waiting(loans, effective=effective, today=today)
    patron_refusals = {
        day: _patron_renewal_refusals(borrower, facts=facts, consortium=consortium, today=day)
        for day in set(today.values())
    }
    outcomes, renewed = [], []
    for loan in sorted(loans, key=lambda loan: (loan.due_at, loan.pk)):
        rule = effective[loan.rules_library_id, loan.item.item_type_id]
        refusals = _renewal_refusals(
            loan,
            effective=rule,
            others_wait=loan.item_id in waiting,
            patron_refusals=patron_refusals[today[loan.rules_library_id]],
        )
        if refusals:
            outcomes.append(
                RenewalOutcome(loan=loan, renewed=False, refusal=RenewalRefused(refusals))
            )
            continue
        calendar = config.calendar(loan.rules_library_id)
        due_at = _renewed_due_at(loan, effective=rule, calendar=calendar, now=now)
        _renew_in_memory(loan, due_at=due_at, now=now)
        renewed.append(loan)
        outcomes.append(RenewalOutcome(loan=loan, renewed=True))
    if renewed:
        _write_renewals(renewed, now=now)
        Patron.objects.filter(pk=borrower.pk).update(last_activity_at=now)
    return outcomes


def _write_renewals(loans: list[Loan], *, now: datetime) -> None:
    """One ``UPDATE … FROM (VALUES …)`` for all renewed loans. (Django's bulk_update builds a
    CASE per loan and field: the same one statement, but ~2 ms of Python per loan.)"""
    rows = ", ".join(["(%s::bigint, %s::timestamptz, %s::integer)"] * len(loans))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Loan._meta.db_table} AS loan"  # noqa: S608 - no user input in the SQL text
            " SET due_at = v.due_at, renewals = v.renewals, last_renewed_at = %s"
            f" FROM (VALUES {rows}) AS v(id, due_at, renewals) WHERE loan.id = v.id",
            [now, *(value for loan in loans for value in (loan.pk, loan.due_at, loan.renewals))],
        )


def _effective_rules(
    loans: list[Loan], *, category_id: int, config: config_cache.Config
) -> dict[tuple[int, int], rules.EffectiveRule]:
    """(rules library id, item type id) → the effective rule, for every loan. No query."""
    keys = {(loan.rules_library_id, loan.item.item_type_id) for loan in loans}
    return {
        (library_id, item_type_id): config.effective(
            library_id=library_id, category_id=category_id, item_type_id=item_type_id
        )
        for library_id, item_type_id in keys
    }


def _items_with_others_waiting(
    loans: list[Loan], *, effective, today: dict[int, object]
) -> set[int]:
    """The loans' items someone else waits for, asked only where the rule forbids renewing
    then. One query per local date of the rules libraries (one: they all keep Swedish time)."""
    asked: dict[object, list[int]] = {}
    for loan in loans:
        if not effective[loan.rules_library_id, loan.item.item_type_id].renew_when_others_wait:
            asked.setdefault(today[loan.rules_library_id], []).append(loan.item_id)
    waiting: set[int] = set()
    for day, item_ids in asked.items():
        waiting |= hold_selectors.items_with_others_waiting(
            item_ids=item_ids, patron_id=loans[0].patron_id, today=day
        )
    return waiting


# --- Fees --------------------------------------------------------------------------------


def _lock_open_fee(fee: Fee) -> Fee:
    locked = Fee.objects.select_for_update().filter(pk=fee.pk).first()
    if locked is None or locked.state != Fee.State.OPEN:
        raise _refuse(FeeRefused, FEE_SETTLED, _("The fee has already been paid or waived."))
    return locked


@transaction.atomic
def pay_fee(*, fee: Fee, library: Library, staff, now: datetime) -> Fee:
    """The patron paid the whole fee at the desk."""
    locked = _lock_open_fee(fee)
    locked.state = Fee.State.PAID
    locked.settled_at, locked.settled_by, locked.settled_library = now, staff, library
    locked.save(update_fields=["state", "settled_at", "settled_by", "settled_library"])
    return locked


@transaction.atomic
def waive_fee(*, fee: Fee, reason: str, library: Library, staff, now: datetime) -> Fee:
    """Staff forgive the fee, saying why."""
    reason = (reason or "").strip()
    if not reason:
        raise _refuse(FeeRefused, REASON_REQUIRED, _("Give a reason for waiving the fee."))
    locked = _lock_open_fee(fee)
    locked.state = Fee.State.WAIVED
    locked.waive_reason = reason[:200]
    locked.settled_at, locked.settled_by, locked.settled_library = now, staff, library
    locked.save(
        update_fields=["state", "waive_reason", "settled_at", "settled_by", "settled_library"]
    )
    return locked


@transaction.atomic
def add_fee(
    *, patron: Patron, amount: Decimal, description: str, library: Library, staff, now: datetime
) -> Fee:
    """Bill another charge (a replaced card, a damaged item)."""
    if amount <= 0:
        raise _refuse(FeeRefused, "amount", _("The amount must be more than zero."))
    return Fee.objects.create(
        patron=patron,
        library=library,
        kind=Fee.Kind.OTHER,
        amount=amount,
        description=description[:200],
        created_at=now,
        created_by=staff,
    )


# --- Lost and claims returned ------------------------------------------------------------


def _lock_open_loan(loan: Loan) -> tuple[Item, Loan]:
    item = Item.objects.select_for_update().get(pk=loan.item_id)
    locked = (
        Loan.objects.select_for_update(of=("self",))
        .select_related("patron", "item__record")
        .filter(pk=loan.pk, returned_at__isnull=True)
        .first()
    )
    if locked is None:
        raise _refuse(CheckinRefused, NOT_ON_LOAN, _("The item is not on loan any more."))
    return item, locked


@transaction.atomic
def mark_lost(*, loan: Loan, library: Library, staff, now: datetime) -> Fee | None:
    """The patron lost the item: end the loan, mark the item lost, bill its price.

    Returns the bill (none when the item has no price).
    """
    item, locked = _lock_open_loan(loan)
    locked.returned_at, locked.end_reason = now, Loan.EndReason.LOST
    locked.save(update_fields=["returned_at", "end_reason"])
    Item.objects.filter(pk=item.pk).update(status=Item.Status.LOST, updated_at=now)
    if not item.price or locked.patron is None:
        return None
    return Fee.objects.create(
        patron=locked.patron,
        loan=locked,
        library=library,
        kind=Fee.Kind.LOST,
        amount=item.price,
        description=str(_("Lost item: %(title)s") % {"title": locked.item.record.title[:150]}),
        created_at=now,
        created_by=staff,
    )


@transaction.atomic
def mark_claims_returned(*, loan: Loan, library: Library, staff, now: datetime) -> Loan:
    """The patron says the item was returned: end the loan without a fine; the item is missing
    until it turns up (checking it in makes it available again)."""
    item, locked = _lock_open_loan(loan)
    locked.returned_at, locked.end_reason = now, Loan.EndReason.CLAIMS_RETURNED
    locked.returned_library = library
    locked.save(update_fields=["returned_at", "end_reason", "returned_library"])
    Item.objects.filter(pk=item.pk).update(status=Item.Status.MISSING, updated_at=now)
    return locked
