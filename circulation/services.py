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
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, transaction
from django.db.models import OuterRef
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from catalog.models import Item, Record
from circulation import config_cache, duedates, hold_selectors, hold_services, rules, selectors
from circulation.hold_models import Hold
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
    NOT_ON_LOAN,
    ON_HOLD_SHELF,
    ON_LOAN_TO_THIS_PATRON,
    UNKNOWN_CARD,
    UNKNOWN_ITEM,
    CheckinRefused,
    CheckoutRefused,
    CirculationRefused,
    Refusal,
    check_override,
    log_overrides,
    patron_refusals,
    refuse,
)
from events import services as events
from events.models import Kind
from libraries.models import ConsortiumSettings, Library
from patrons import rules as patron_rules
from patrons.models import Card, Patron, PatronBlock
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


def partial_instance(model, **values):
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
            raise refuse(CheckoutRefused, UNKNOWN_CARD, _("No such patron."))
        return _with_reference_data(locked, config), Card.Status.ACTIVE
    number = "".join((card_number or "").split())
    locked = (
        next(iter(Patron.objects.raw(_LOCK_PATRON_BY_CARD_SQL, [number])), None) if number else None
    )
    if locked is None:
        raise refuse(CheckoutRefused, UNKNOWN_CARD, _("No patron has this library card."))
    return _with_reference_data(locked, config), locked.card_status


def _with_reference_data(patron: Patron, config: config_cache.Config) -> Patron:
    patron.category = config.category(patron.category_id)
    patron.home_library = config.library(patron.home_library_id)
    return patron


# At check-in, whether any hold could take the copy (a superset of what
# ``hold_services.capture_at_checkin`` looks for: a hold that has this copy, or anyone waiting
# for the title). Most copies come back to titles nobody waits for: the capture query is then
# not sent at all.
_LOCK_ITEM_FOR_CHECKIN_SQL = """
SELECT i.*, r.title AS record_title,
       (EXISTS (SELECT 1 FROM circulation_hold h
                 WHERE h.item_id = i.id AND h.state = ANY(%(has_item)s))
        OR EXISTS (SELECT 1 FROM circulation_hold h
                    WHERE h.record_id = i.record_id AND h.state = %(waiting)s)) AS holds_may_wait
  FROM catalog_item i JOIN catalog_record r ON r.id = i.record_id
 WHERE i.barcode = %(barcode)s
   FOR UPDATE OF i
"""


def _lock_item(
    barcode: str,
    exc: type[CirculationRefused],
    config: config_cache.Config,
    *,
    for_checkin: bool = False,
) -> Item:
    """Lock the item by barcode, with its record's title (not the MARC or the search vector);
    item type and home library from this process's copy of the reference data. ``for_checkin``:
    with ``holds_may_wait`` (may a hold take it?)."""
    barcode = "".join((barcode or "").split())
    if for_checkin:
        sql, params = _LOCK_ITEM_FOR_CHECKIN_SQL, {
            "barcode": barcode, "has_item": list(Hold.HAS_ITEM_STATES),
            "waiting": Hold.State.WAITING,
        }  # fmt: skip
    else:
        sql, params = _LOCK_ITEM_SQL, [barcode]
    item = next(iter(Item.objects.raw(sql, params)), None) if barcode else None
    if item is None:
        raise refuse(exc, UNKNOWN_ITEM, _("No item has this barcode."))
    # The record as a deferred instance: its id and title only (touching another field loads it).
    item.record = partial_instance(Record, id=item.record_id, title=item.record_title)
    item.item_type = config.item_type(item.item_type_id)
    item.home_library = config.library(item.home_library_id)
    return item


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
    locked_patron, card_status = _lock_patron(card_number=card_number, patron=patron, config=config)
    item = _lock_item(barcode, CheckoutRefused, config)
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
    _write_checkout(loan, item=item, patron=locked_patron, library=library, now=now)
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


def _insert_values(instance, prefix: str) -> tuple[str, str, dict]:
    """Columns, placeholders and parameters to INSERT ``instance`` (all fields but the id,
    prepared as ``save()`` prepares them)."""
    fields = [f for f in instance._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    placeholders = ", ".join(f"%({prefix}{f.column})s" for f in fields)
    params = {
        f"{prefix}{f.column}": f.get_db_prep_save(f.pre_save(instance, True), connection)
        for f in fields
    }
    return columns, placeholders, params


_CHECKOUT_WRITES_SQL = """
WITH new_loan AS (
    INSERT INTO circulation_loan ({columns}) VALUES ({placeholders}) RETURNING id
), lent_item AS (
    UPDATE catalog_item
       SET status = %(on_loan)s, current_library_id = %(library)s, last_borrowed_at = %(now)s,
           loan_count = loan_count + 1, updated_at = %(now)s
     WHERE id = %(item)s
), active_patron AS (
    UPDATE patrons_patron SET last_activity_at = %(now)s WHERE id = %(patron)s
), event AS ({event})
SELECT id FROM new_loan
"""


def _write_checkout(loan: Loan, *, item: Item, patron: Patron, library: Library, now) -> None:
    """Insert the loan (its id is set on it), mark the item on loan here, note the patron's
    activity and log the checkout event, in one statement: four round trips were a third of a
    checkout's time (docs/performance.md). The rows are locked already; a second open loan of
    the item still fails on the partial unique index (IntegrityError, as ``create()`` did)."""
    columns, placeholders, params = _insert_values(loan, "loan_")
    event_sql, event_params = events.insert_statement(
        Kind.CHECKOUT, at=now, library_id=library.pk, item_ids=[item.pk], patron_id=patron.pk,
        prefixed=True,
    )  # fmt: skip
    sql = _CHECKOUT_WRITES_SQL.format(columns=columns, placeholders=placeholders, event=event_sql)
    with connection.cursor() as cursor:
        cursor.execute(sql, {
            **params, **event_params, "on_loan": Item.Status.ON_LOAN, "library": library.pk,
            "now": now, "item": item.pk, "patron": patron.pk,
        })  # fmt: skip
        loan.pk = cursor.fetchone()[0]
    loan._state.adding = False
    loan._state.db = DEFAULT_DB_ALIAS


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
    item = _lock_item(barcode, CheckinRefused, config, for_checkin=True)
    loan = _lock_loan_of_item(item, config)
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
            _write_checkin(closing, item=item, library=library, now=now, status=None)
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
        _write_checkin(
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
        loan.patron = partial_instance(
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
    return fee  # written by _write_checkin


_CLOSE_LOAN_SQL = """
closed AS (
    UPDATE circulation_loan
       SET returned_at = %(now)s, returned_library_id = %(library)s, end_reason = %(end_reason)s,
           patron_id = %(patron)s
     WHERE id = %(loan)s)"""
_SET_ITEM_SQL = """
set_item AS (
    UPDATE catalog_item SET status = %(status)s, current_library_id = %(library)s,
           updated_at = %(now)s
     WHERE id = %(item)s)"""


def _write_checkin(
    closing: tuple[Loan, int | None] | None,
    *,
    item: Item,
    library: Library,
    now: datetime,
    status: str | None,
) -> None:
    """One statement for what a check-in writes: the loan closed by ``_close_loan`` (with
    ``closing``: the loan and its borrower's id, for the return event), the item's new
    ``status`` here (None: the item row is not touched), the return event. The rows are locked."""
    clauses, params = [], {"now": now, "library": library.pk, "item": item.pk, "status": status}
    main = "SELECT 1"
    if closing is not None:
        loan, borrower_id = closing
        clauses.append(_CLOSE_LOAN_SQL)
        params |= {"loan": loan.pk, "end_reason": loan.end_reason, "patron": loan.patron_id}
        main, event_params = events.insert_statement(
            Kind.RETURN, at=now, library_id=library.pk, item_ids=[item.pk],
            patron_id=borrower_id, other_library_id=loan.checkout_library_id, prefixed=True,
        )  # fmt: skip
        params |= event_params
    if status is not None:
        clauses.append(_SET_ITEM_SQL)
    if not clauses:
        return
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {','.join(clauses)}\n{main}", params)


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
        raise refuse(CheckinRefused, NOT_ON_LOAN, _("The item is not on loan any more."))
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
