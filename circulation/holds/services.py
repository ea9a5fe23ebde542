"""Hold writes: place, cancel, suspend, reorder; catch copies at check-in; pick lists; expiry.

Locking convention (the same order as check-in, so a desk and a job never deadlock):
  patron → item → hold rows (in queue order).
``place_hold`` locks the patron; ``capture_at_checkin`` runs inside check-in after the item and
its loan are locked; ``mark_found``, ``cancel_hold`` and ``expire_holds`` lock the item first.
The database keeps the last word: an item fills at most one active hold, a pick-list line per
copy, one active hold per patron and title (partial unique indexes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from catalog.models import Item, Record
from circulation import config_cache
from circulation.destinations import Action, destination_after_checkin
from circulation.holds import rules, targeting
from circulation.holds.models import Hold
from circulation.models import Loan
from events import services as events
from events.models import Kind
from libraries.enqueue import enqueue_on_commit
from libraries.models import Library
from patrons import rules as patron_rules
from patrons.models import Patron
from patrons.selectors import build_facts
from transport import selectors as transport_selectors
from transport import services as transport_services
from transport.models import Transfer

HOLD_SHELF = Action.HOLD_SHELF  # check-in action: put the copy on the hold shelf here
HOLD_TRANSIT = Action.HOLD_TRANSIT  # check-in action: send the copy to the pickup library

# How many queued holds check-in looks at for one copy (the first fillable one wins).
CAPTURE_WINDOW = 25


class HoldRefused(Exception):
    """A hold action was refused: ``reason`` is a stable code, ``message`` a translated text."""

    def __init__(self, reason: str, message):
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class HoldCapture:
    """A copy was caught for a hold: put it on the shelf here, or it travels to the pickup."""

    hold: Hold
    action: str  # HOLD_SHELF or HOLD_TRANSIT
    library: Library  # the pickup library
    message: str
    transfer: Transfer | None = None


def _tz(library: Library) -> ZoneInfo:
    return ZoneInfo(library.timezone or "Europe/Stockholm")


def _micros(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


# --- Place, cancel, suspend, reorder -----------------------------------------------------


@transaction.atomic
def place_hold(
    *,
    patron: Patron,
    record: Record,
    pickup_library: Library,
    now: datetime,
    staff=None,
    item: Item | None = None,
) -> Hold:
    """Place a hold on ``record`` (or on one copy, ``item``) to pick up at ``pickup_library``.

    Free of charge. Refused when the patron is blocked, is at the limit (the lending rules'
    "max loans in total" also caps active holds), already holds or borrows the title, or no copy
    of an item type that may be held exists.
    """
    from circulation import selectors

    locked = Patron.objects.select_for_update().select_related("category").get(pk=patron.pk)
    if item is not None and item.record_id != record.pk:
        raise HoldRefused("wrong_item", _("That copy belongs to another title."))
    today = now.astimezone(_tz(pickup_library)).date()
    facts = selectors.patron_facts(locked, now=now)
    config = config_cache.config()
    verdict = patron_rules.may_place_holds(
        build_facts(
            patron=locked,
            debt=facts.debt,
            oldest_overdue_days=facts.oldest_overdue_days,
            consortium=config.consortium,
        ),
        today,
    )
    if not verdict.allowed:
        block = verdict.blocks[0]
        raise HoldRefused(block.reason, block.message)
    copies = Item.objects.filter(record=record, item_type__not_for_loan=False).exclude(
        status__in=[Item.Status.LOST, Item.Status.WITHDRAWN]
    )
    if item is not None:
        copies = copies.filter(pk=item.pk)
    type_ids = set(copies.values_list("item_type_id", flat=True).distinct())
    holdable = [
        t
        for t in type_ids
        if config.effective(
            library_id=pickup_library.pk, category_id=locked.category_id, item_type_id=t
        ).holdable
    ]
    if not holdable:
        raise HoldRefused("not_holdable", _("This title cannot be placed on hold."))
    limit = config.effective(
        library_id=pickup_library.pk, category_id=locked.category_id, item_type_id=None
    ).max_loans_total
    counts = Hold.objects.filter(patron=locked).aggregate(
        active=Count("id", filter=Q(state__in=Hold.ACTIVE_STATES)),
        this=Count("id", filter=Q(state__in=Hold.ACTIVE_STATES, record=record)),
    )
    if counts["this"]:
        raise HoldRefused("already_held", _("You already have a hold on this title."))
    if counts["active"] >= limit:
        raise HoldRefused(
            "max_holds",
            _("There are already %(count)d holds; the limit is %(limit)d.")
            % {"count": counts["active"], "limit": limit},
        )
    if Loan.objects.open().filter(patron=locked, item__record=record).exists():
        raise HoldRefused("already_on_loan", _("You already have this title on loan."))
    try:
        with transaction.atomic():
            hold = Hold.objects.create(
                patron=locked,
                record=record,
                requested_item=item,
                pickup_library=pickup_library,
                placed_at=now,
                placed_by=staff if staff is not None and staff.is_authenticated else None,
                queue_key=_micros(now),
            )
    except IntegrityError:
        raise HoldRefused("already_held", _("You already have a hold on this title.")) from None
    events.record(
        Kind.HOLD_PLACED,
        at=now,
        library_id=pickup_library.pk,
        item_ids=[item.pk] if item is not None else (),
        record_id=record.pk,
        patron_id=locked.pk,
    )
    _enqueue_targeting(hold.id)
    return hold


def _enqueue_targeting(hold_id: int) -> None:
    enqueue_on_commit("circulation.tasks.target_holds", hold_id=hold_id)


def _lock_hold_with_item(hold: Hold) -> tuple[Hold, Item | None]:
    """Lock the hold's copy (if any), then the hold: the fixed order item → hold."""
    item_id = Hold.objects.filter(pk=hold.pk).values_list("item_id", flat=True).first()
    item = Item.objects.select_for_update().filter(pk=item_id).first() if item_id else None
    locked = (
        Hold.objects.select_for_update(of=("self",))
        .select_related("pickup_library", "patron")
        .filter(pk=hold.pk)
        .first()
    )
    if locked is None:
        raise HoldRefused("no_such_hold", _("No such hold."))
    return locked, item


@transaction.atomic
def cancel_hold(*, hold: Hold, now: datetime, staff=None, reason: str = "") -> Hold:
    """Cancel an active hold. A copy on the hold shelf goes on to the next hold or home; one
    on its way arrives and is handled by check-in like any other copy."""
    locked, item = _lock_hold_with_item(hold)
    if not locked.is_active:
        raise HoldRefused("not_active", _("The hold is no longer active."))
    was_on_shelf = locked.state == Hold.State.ON_HOLD_SHELF
    _close(locked, Hold.State.CANCELLED, now=now, reason=reason)
    if was_on_shelf and item is not None and item.status == Item.Status.ON_HOLD_SHELF:
        release_item(item=item, library=locked.pickup_library, staff=staff, now=now)
    return locked


def _close(hold: Hold, state: str, *, now: datetime, reason: str = "") -> None:
    hold.state = state
    hold.closed_at = now
    hold.cancel_reason = (reason or "").strip()[:200]
    hold.target_item = None
    hold.target_library = None
    hold.save(
        update_fields=["state", "closed_at", "cancel_reason", "target_item", "target_library"]
    )


@transaction.atomic
def suspend_hold(*, hold: Hold, until: date | None, now: datetime) -> Hold:
    """Pause a waiting hold until ``until`` (inclusive); ``None`` resumes it now."""
    locked = Hold.objects.select_for_update().filter(pk=hold.pk).first()
    if locked is None or locked.state != Hold.State.WAITING:
        raise HoldRefused(
            "not_waiting", _("Only a hold that is still waiting can be paused or resumed.")
        )
    if until is not None and until < now.astimezone(ZoneInfo("Europe/Stockholm")).date():
        raise HoldRefused("date_in_past", _("Choose a date from today on."))
    locked.suspended_until = until
    locked.target_item = None
    locked.target_library = None
    locked.save(update_fields=["suspended_until", "target_item", "target_library"])
    if until is None:
        _enqueue_targeting(locked.id)
    return locked


@transaction.atomic
def move_hold(*, hold: Hold, direction: str, staff, now: datetime) -> Hold:
    """Staff reorder a title's waiting queue: ``up``, ``down`` or ``top``."""
    queue = list(
        Hold.objects.select_for_update()
        .filter(record_id=hold.record_id, state=Hold.State.WAITING)
        .in_queue_order()
    )
    index = next((i for i, h in enumerate(queue) if h.pk == hold.pk), None)
    if index is None:
        raise HoldRefused("not_waiting", _("Only waiting holds can be moved in the queue."))
    me = queue[index]
    if direction == "top" and index > 0:
        me.queue_key = queue[0].queue_key - 1
        me.save(update_fields=["queue_key"])
    elif direction in ("up", "down"):
        other_index = index - 1 if direction == "up" else index + 1
        if 0 <= other_index < len(queue):
            other = queue[other_index]
            if me.queue_key == other.queue_key:
                other.queue_key += 1 if direction == "up" else -1
            me.queue_key, other.queue_key = other.queue_key, me.queue_key
            # Two updates through a free key: neither key is unique, so a plain swap works.
            Hold.objects.bulk_update([me, other], ["queue_key"])
    elif direction != "top":
        raise HoldRefused("bad_direction", _("Move a hold up, down or to the top."))
    return me


# --- Catching a copy ---------------------------------------------------------------------


def _fill(
    hold: Hold,
    item: Item,
    *,
    library: Library,
    staff,
    now: datetime,
    pickup_days: int,
    config: config_cache.Config,
) -> HoldCapture:
    """The copy (locked, at ``library``) fills the hold (locked): shelf it here or send it.

    The caller sets the item's status for a shelved copy; a transfer sets its own.
    """
    pickup = hold.pickup_library
    hold.item = item
    hold.target_item = None
    hold.target_library = None
    fields = ["item", "target_item", "target_library", "state"]
    if library.pk == pickup.pk:
        today = now.astimezone(_tz(pickup)).date()
        if hold.state != Hold.State.ON_HOLD_SHELF:
            hold.pickup_deadline = rules.pickup_deadline(
                config.calendar(pickup.pk),
                today=today,
                open_days=pickup_days,
                tz=_tz(pickup),
            )
            hold.shelved_at = now
            fields += ["pickup_deadline", "shelved_at"]
            events.record(
                Kind.HOLD_READY,
                at=now,
                library_id=pickup.pk,
                item_ids=[item.pk],
                patron_id=hold.patron_id,
                duration=now - hold.placed_at,
            )
        hold.state = Hold.State.ON_HOLD_SHELF
        if hold.notice_queued_at is None:
            hold.notice_queued_at = now
            fields.append("notice_queued_at")
            _enqueue_notice(hold.id)
        hold.save(update_fields=fields)
        message = str(
            _("Hold for a patron: put the item on the hold shelf (pick up by %(date)s).")
            % {
                "date": date_format(
                    hold.pickup_deadline.astimezone(_tz(pickup)), "SHORT_DATE_FORMAT"
                )
            }
        )
        return HoldCapture(hold, HOLD_SHELF, pickup, message)
    transfer = transport_services.start_transfer(
        item=item,
        from_library=library,
        to_library=pickup,
        reason=Transfer.Reason.HOLD_PICKUP,
        staff=staff,
        now=now,
    )
    hold.state = Hold.State.IN_TRANSIT
    hold.save(update_fields=fields)
    message = str(
        _("Hold for a patron in %(library)s: send the item there.")
        % {"library": transport_selectors.short_name(pickup)}
    )
    return HoldCapture(hold, HOLD_TRANSIT, pickup, message, transfer=transfer)


def _enqueue_notice(hold_id: int) -> None:
    enqueue_on_commit("circulation.tasks.send_hold_ready_notice", hold_id=hold_id)


# Every check-in asks this (most find nothing): SQL, because building the query with the ORM
# cost more than PostgreSQL needs to answer it. The holder's category comes as an extra column.
_CAPTURE_CANDIDATES_SQL = """
SELECT h.*, p.category_id AS patron_category_id
  FROM circulation_hold h JOIN patrons_patron p ON p.id = h.patron_id
 WHERE (h.item_id = %(item)s AND h.state = ANY(%(has_item)s))
    OR (h.record_id = %(record)s AND h.state = %(waiting)s
        AND (h.requested_item_id IS NULL OR h.requested_item_id = %(item)s)
        AND (h.suspended_until IS NULL OR h.suspended_until < %(today)s))
 ORDER BY h.item_id ASC NULLS LAST, h.queue_key, h.id
 LIMIT %(window)s
   FOR UPDATE OF h
"""


def capture_at_checkin(*, item: Item, library: Library, staff, now: datetime) -> HoldCapture | None:
    """Called by check-in with the item locked: can this copy fill a hold? (oldest first)

    A copy already caught for a hold (arriving at its pickup library) goes on that hold's shelf.
    Otherwise the first waiting, not suspended hold in queue order that this copy may fill
    (same title, the requested copy for an item-level hold, a holdable item type under the
    pickup library's rules) takes it. Hold rows are locked in queue order; a hold another desk
    caught meanwhile no longer matches and is skipped. Constant statements: 1 when nobody waits.
    """
    if item.item_type.not_for_loan:
        return None
    today = now.astimezone(_tz(library)).date()
    candidates = list(
        Hold.objects.raw(
            _CAPTURE_CANDIDATES_SQL,
            {
                "item": item.pk,
                "record": item.record_id,
                "has_item": list(Hold.HAS_ITEM_STATES),
                "waiting": Hold.State.WAITING,
                "today": today,
                "window": CAPTURE_WINDOW,
            },
        )
    )
    if not candidates:
        return None
    config = config_cache.config()
    for hold in candidates:
        effective = config.effective(
            library_id=hold.pickup_library_id,
            category_id=hold.patron_category_id,
            item_type_id=item.item_type_id,
        )
        if hold.item_id == item.pk or effective.holdable:
            hold.pickup_library = config.library(hold.pickup_library_id)
            return _fill(
                hold,
                item,
                library=library,
                staff=staff,
                now=now,
                pickup_days=effective.hold_pickup_days,
                config=config,
            )
    return None


def release_item(*, item: Item, library: Library, staff, now: datetime) -> HoldCapture | None:
    """A copy leaves the hold shelf without a loan (expired, cancelled): the next hold takes it,
    or it goes back on the shelf (home or floating), or home by transport."""
    capture = capture_at_checkin(item=item, library=library, staff=staff, now=now)
    if capture is not None:
        if capture.action == HOLD_SHELF:
            Item.objects.filter(pk=item.pk).update(status=Item.Status.ON_HOLD_SHELF, updated_at=now)
        return capture
    destination = destination_after_checkin(item=item, library=library, now=now)
    if destination.action == Action.RESHELVE:
        Item.objects.filter(pk=item.pk).update(status=Item.Status.AVAILABLE, updated_at=now)
    else:
        transport_services.start_transfer(
            item=item,
            from_library=library,
            to_library=destination.library,
            reason=Transfer.Reason.RETURN_HOME,
            staff=staff,
            now=now,
        )
    return None


def after_checkout(
    *,
    item: Item,
    patron: Patron,
    loan: Loan,
    prior_status: str,
    now,
    holds_on_record: int | None = None,
) -> int:
    """Called by check-out: the patron's hold on this title is fulfilled; a copy lent to someone
    else (an override) leaves its holder's hold, which waits again in its place.

    ``holds_on_record``: the patron's active holds on the title, when the caller knows (the
    patron row is locked, so none can be placed meanwhile); 0 spares the UPDATE."""
    fulfilled = 0
    if holds_on_record != 0:
        fulfilled = _fulfil(item=item, patron=patron, loan=loan, now=now)
    if prior_status in (Item.Status.ON_HOLD_SHELF, Item.Status.IN_TRANSIT):
        Hold.objects.filter(item=item, state__in=Hold.HAS_ITEM_STATES).update(
            state=Hold.State.WAITING, item=None, pickup_deadline=None, shelved_at=None
        )
    return fulfilled


def _fulfil(*, item: Item, patron: Patron, loan: Loan, now) -> int:
    return (
        Hold.objects.filter(patron=patron, record_id=item.record_id, state__in=Hold.ACTIVE_STATES)
        .filter(Q(item=item) | Q(item__isnull=True))
        .update(
            state=Hold.State.FULFILLED,
            item=item,
            loan=loan,
            closed_at=now,
            target_item=None,
            target_library=None,
        )
    )


# --- Pick lists --------------------------------------------------------------------------


def _lock_target(hold: Hold, library: Library) -> tuple[Hold, Item]:
    item_id = Hold.objects.filter(pk=hold.pk).values_list("target_item_id", flat=True).first()
    item = (
        Item.objects.select_for_update(of=("self",))
        .select_related("record", "item_type")
        .filter(pk=item_id)
        .first()
        if item_id
        else None
    )
    locked = (
        Hold.objects.select_for_update(of=("self",))
        .select_related("pickup_library", "patron")
        .filter(pk=hold.pk)
        .first()
    )
    if (
        item is None
        or locked is None
        or locked.state != Hold.State.WAITING
        or locked.target_item_id != item.pk
        or locked.target_library_id != library.pk
    ):
        raise HoldRefused("not_on_pick_list", _("This copy is no longer on the pick list."))
    return locked, item


@transaction.atomic
def mark_found(*, hold: Hold, library: Library, staff, now: datetime) -> HoldCapture:
    """Staff took the copy from the shelf: it goes on the hold shelf here or into transport."""
    locked, item = _lock_target(hold, library)
    if item.status != Item.Status.AVAILABLE or item.current_library_id != library.pk:
        raise HoldRefused("not_available", _("The copy is not on the shelf here any more."))
    config = config_cache.config()
    effective = config.effective(
        library_id=locked.pickup_library_id,
        category_id=locked.patron.category_id,
        item_type_id=item.item_type_id,
    )
    capture = _fill(
        locked,
        item,
        library=library,
        staff=staff,
        now=now,
        pickup_days=effective.hold_pickup_days,
        config=config,
    )
    if capture.action == HOLD_SHELF:
        Item.objects.filter(pk=item.pk).update(status=Item.Status.ON_HOLD_SHELF, updated_at=now)
    return capture


@transaction.atomic
def mark_not_on_shelf(*, hold: Hold, library: Library, staff, now: datetime) -> Hold:
    """The copy was not where it should be: it becomes missing and the hold is targeted anew."""
    locked, item = _lock_target(hold, library)
    if item.status == Item.Status.AVAILABLE:
        Item.objects.filter(pk=item.pk).update(status=Item.Status.MISSING, updated_at=now)
    locked.target_item = None
    locked.target_library = None
    locked.save(update_fields=["target_item", "target_library"])
    targeting.run_targeting(now=now, hold_ids=[locked.pk])
    locked.refresh_from_db(fields=["target_item", "target_library"])
    return locked


# --- Expiry and notices ------------------------------------------------------------------


def expire_holds(*, now: datetime) -> list[int]:
    """Holds not picked up by their deadline expire; each copy goes to the next hold or home.

    One transaction per hold, item locked first; a hold picked up meanwhile is left alone.
    """
    expired: list[int] = []
    due = Hold.objects.filter(state=Hold.State.ON_HOLD_SHELF, pickup_deadline__lt=now).values_list(
        "id", flat=True
    )
    for hold_id in list(due):
        with transaction.atomic():
            locked, item = _lock_hold_with_item(Hold(pk=hold_id))
            if locked.state != Hold.State.ON_HOLD_SHELF or locked.pickup_deadline >= now:
                continue
            _close(locked, Hold.State.EXPIRED, now=now)
            if item is not None and item.status == Item.Status.ON_HOLD_SHELF:
                item = Item.objects.select_related("item_type", "record").get(pk=item.pk)
                release_item(item=item, library=locked.pickup_library, staff=None, now=now)
            expired.append(hold_id)
    return expired
