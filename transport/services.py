"""Transport writes: start, plan, pack, close, receive and reconcile transfers.

Locking order, everywhere: Item row, then Transfer row, then PackingList row (FOR NO KEY UPDATE,
so inserting a crate entry — which takes FOR KEY SHARE on its packing list — never deadlocks).
Every state change writes a TransferEvent. Planning runs in Celery (enqueued on commit) so the
desk never waits for it; the desk gets a provisional route computed by the pure planner.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Subquery, Value
from django.db.models.functions import Greatest
from django.utils.translation import gettext as _

from catalog.models import Item
from events import services as events
from events.models import Kind
from libraries.enqueue import enqueue_on_commit
from libraries.models import Library
from transport import network_cache, routing, selectors
from transport.models import PackingList, PackingListEntry, Transfer, TransferEvent

# Planning (route + crate) lives in transport.planning, batch-efficient; its verbs are ours too.
from transport.planning import plan_transfer as plan_transfer
from transport.planning import sweep_waiting_transfers as sweep_waiting_transfers

logger = logging.getLogger(__name__)
State = Transfer.State


class TransferRefused(Exception):
    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class Receipt:
    """What happened when an item in transfer was scanned at a library."""

    transfer: Transfer
    outcome: str  # "arrived" | "hub" | "unexpected" | "not_yet_sent"
    message: str


def event_time(transfer_id: int, now: datetime):
    """``now``, or the transfer's last event time if that is later: computed in the INSERT.

    A transaction's ``now`` is read before it waits for its locks, so a transaction that
    waited may carry an earlier clock than the one it waited for. Every event of a transfer is
    written holding its row (or its new item's) lock, so this keeps its events in the order
    they happened, in the same statement (no extra query on the desk's path).
    """
    last = TransferEvent.objects.filter(transfer_id=transfer_id).order_by("-at").values("at")[:1]
    return Greatest(Value(now), Subquery(last))


def _record(
    transfer: Transfer,
    *,
    now: datetime,
    library: Library | None,
    staff: AbstractBaseUser | None,
    note: str = "",
) -> None:
    TransferEvent.objects.create(
        transfer=transfer,
        state=transfer.state,
        at=event_time(transfer.id, now),
        library=library,
        staff=staff if staff is not None and staff.is_authenticated else None,
        note=note[:300],
    )


def _provisional_route(
    transfer: Transfer, *, start: str, now: datetime, network: routing.Network | None = None
) -> routing.Route | None:
    """Plan from ``start`` and store the hops ahead (hops already travelled stay)."""
    network = network or network_cache.snapshot(now=now).network
    try:
        route = routing.plan_route(
            network, start=start, destination=transfer.to_library.code, now=now
        )
    except routing.NoRoute as refused:
        transfer.route = transfer.route[: transfer.current_hop]
        transfer.route_problem = refused.message[:300]
        transfer.expected_arrival = None
        return None
    transfer.route = transfer.route[: transfer.current_hop] + [h.as_json() for h in route.hops]
    transfer.route_problem = ""
    transfer.expected_arrival = route.arrives
    return route


@transaction.atomic(savepoint=False)
def start_transfer(
    *,
    item: Item,
    from_library: Library,
    to_library: Library,
    reason: str,
    staff: AbstractBaseUser | None,
    now: datetime,
) -> Transfer:
    """Send ``item`` from ``from_library`` to ``to_library``; called inside check-in's transaction.

    The item becomes "in transit" at ``from_library``. The route shown at the desk is planned
    right away (pure, fast); the crate is assigned by a Celery task after commit.
    """
    if from_library.id == to_library.id:
        raise TransferRefused("same_library", _("The item is already at that library."))
    transfer = Transfer(
        item=item,
        from_library=from_library,
        to_library=to_library,
        reason=reason,
        state=State.WAITING,
        created_at=now,
    )
    _provisional_route(transfer, start=from_library.code, now=now)
    try:
        # No savepoint: callers lock the item first, so this is a last line of defence, and a
        # refusal ends the caller's transaction anyway.
        transfer.save(force_insert=True)
    except IntegrityError:
        raise TransferRefused(
            "already_in_transfer", _("The item is already being sent somewhere.")
        ) from None
    item.current_library = from_library
    item.status = Item.Status.IN_TRANSIT
    item.save(update_fields=["current_library", "status", "updated_at"])
    _record(transfer, now=now, library=from_library, staff=staff, note=transfer.route_problem)
    _enqueue_planning(transfer.id)
    return transfer


def _enqueue_planning(transfer_id: int) -> None:
    enqueue_on_commit("transport.tasks.plan_transfer_task", transfer_id=transfer_id)


@transaction.atomic
def close_packing_list(
    *, packing_list_id: int, staff: AbstractBaseUser | None, now: datetime
) -> int:
    """Close a crate: the van has left; its items are in transit. Returns how many."""
    crate = (
        PackingList.objects.select_for_update(no_key=True)
        .select_related("link__from_library")
        .get(id=packing_list_id)
    )
    if crate.closed_at is not None:
        return 0
    crate.closed_at = now
    crate.closed_by = staff if staff is not None and staff.is_authenticated else None
    crate.save(update_fields=["closed_at", "closed_by"])
    entries = {e.transfer_id: e.hop_index for e in crate.entries.all()}
    moving = [
        t
        for t in Transfer.objects.select_for_update()
        .filter(id__in=entries, state=State.PACKED)
        .order_by("id")
        if t.current_hop == entries[t.id]
    ]
    for transfer in moving:
        transfer.state = State.IN_TRANSIT
        transfer.save(update_fields=["state"])
    TransferEvent.objects.bulk_create(
        TransferEvent(
            transfer=t,
            state=State.IN_TRANSIT,
            at=event_time(t.id, now),
            library=crate.link.from_library,
            staff=crate.closed_by,
            note=str(crate.link),
        )
        for t in moving
    )
    events.record(
        Kind.TRANSFER_SENT,
        at=now,
        library_id=crate.link.from_library_id,
        item_ids=[t.item_id for t in moving],
        other_library_id=crate.link.to_library_id,
    )
    return len(moving)


def close_due_packing_lists(*, now: datetime) -> int:
    """Close every open crate whose departure time has come (the beat job)."""
    closed = 0
    due = PackingList.objects.filter(
        closed_at__isnull=True, departure_date__lte=now.astimezone(routing.STOCKHOLM).date()
    ).select_related("link__from_library")
    for crate in due:
        if crate.departs_at <= now:
            close_packing_list(packing_list_id=crate.id, staff=None, now=now)
            closed += 1
    return closed


@transaction.atomic
def receive_item(
    *, item: Item, library: Library, staff: AbstractBaseUser | None, now: datetime
) -> Receipt | None:
    """An item in transfer is scanned at ``library``. None when it has no open transfer.

    At its destination it arrives and becomes available there (circulation's check-in may then
    put it on the hold shelf). At a hub, or anywhere unexpected, the rest of the route is
    planned from here and a crate is assigned after commit.
    """
    item = Item.objects.select_for_update().select_related("current_library").get(id=item.id)
    transfer = (
        Transfer.objects.select_for_update()
        .select_related("to_library", "from_library")
        .filter(item=item, state__in=Transfer.OPEN_STATES)
        .first()
    )
    if transfer is None:
        return None
    names = network_cache.snapshot(now=now).names
    if library.id == transfer.to_library_id:
        transfer.state = State.ARRIVED
        transfer.closed_at = now
        transfer.missing_since = None
        transfer.current_hop = len(transfer.route)
        transfer.save(update_fields=["state", "closed_at", "missing_since", "current_hop"])
        item.current_library = library
        item.status = Item.Status.AVAILABLE
        item.save(update_fields=["current_library", "status", "updated_at"])
        _record(transfer, now=now, library=library, staff=staff)
        events.record(
            Kind.TRANSFER_ARRIVED,
            at=now,
            library_id=library.id,
            item_ids=[item.id],
            other_library_id=transfer.from_library_id,
            duration=now - transfer.created_at,
        )
        return Receipt(transfer, "arrived", _("Arrived home: put it on the shelf."))
    if library.id == item.current_library_id and transfer.state in (State.WAITING, State.PACKED):
        return Receipt(transfer, "not_yet_sent", selectors.next_hop_description(transfer, names))
    hop = transfer.hop
    expected = hop["to"] if hop else None
    if transfer.state == State.PACKED:
        # It was put in a crate at its last place, and that crate has not left, yet the item is
        # here: it is not in that crate. Take it off the crate's list, so the sending library's
        # packing list stays true (the "packed" event stays in the history).
        PackingListEntry.objects.filter(
            transfer=transfer, hop_index=transfer.current_hop, packing_list__closed_at__isnull=True
        ).delete()
    if hop is not None:
        transfer.current_hop += 1
    transfer.state = State.RECEIVED_AT_HUB
    transfer.missing_since = None
    _provisional_route(transfer, start=library.code, now=now)
    transfer.save(
        update_fields=[
            "current_hop",
            "state",
            "missing_since",
            "route",
            "route_problem",
            "expected_arrival",
        ]
    )
    item.current_library = library
    item.save(update_fields=["current_library", "updated_at"])
    unexpected = expected != library.code
    note = ""
    if unexpected:
        note = _("Expected at %(expected)s; re-planned from %(here)s.") % {
            "expected": names.get(expected, "-") if expected else "-",
            "here": names.get(library.code, library.code),
        }
    _record(transfer, now=now, library=library, staff=staff, note=note)
    _enqueue_planning(transfer.id)
    message = selectors.next_hop_description(transfer, names)
    if unexpected:
        message = f"{note} {message}"
    return Receipt(transfer, "unexpected" if unexpected else "hub", message)


@transaction.atomic
def cancel_transfer(
    *, transfer: Transfer, staff: AbstractBaseUser | None, now: datetime, note: str = ""
) -> Transfer:
    transfer = Transfer.objects.select_for_update().get(id=transfer.id)
    if not transfer.is_open:
        return transfer
    transfer.state = State.CANCELLED
    transfer.closed_at = now
    transfer.save(update_fields=["state", "closed_at"])
    _record(transfer, now=now, library=None, staff=staff, note=note)
    return transfer


def flag_missing_transits(*, now: datetime, grace_days: int = 3) -> list[int]:
    """Open transfers more than ``grace_days`` past their expected arrival: missing in transport."""
    flagged: list[int] = []
    overdue = Transfer.objects.filter(
        state__in=[State.IN_TRANSIT, State.PACKED],
        missing_since__isnull=True,
        expected_arrival__lt=now - timedelta(days=grace_days),
    ).values_list("id", flat=True)
    for transfer_id in list(overdue):
        with transaction.atomic():
            transfer = (
                Transfer.objects.select_for_update(skip_locked=True)
                .filter(id=transfer_id, missing_since__isnull=True)
                .first()
            )
            if transfer is None:
                continue
            transfer.missing_since = now
            transfer.save(update_fields=["missing_since"])
            _record(transfer, now=now, library=None, staff=None, note="missing in transport")
            flagged.append(transfer.id)
    return flagged


@dataclass
class Reconciliation:
    created: list[Transfer] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def reconcile(*, now: datetime) -> Reconciliation:
    """Every item away from home, not on loan, not floating, without an open transfer → send it.

    Idempotent: an item that got its transfer no longer matches.
    """
    report = Reconciliation()
    floating = selectors.floating_pairs()
    # Staff moved it here on purpose (a manual move that arrived, nothing since): it stays.
    later = Transfer.objects.filter(
        item=OuterRef(OuterRef("pk")), created_at__gt=OuterRef("created_at")
    )
    moved_here = Transfer.objects.filter(
        item=OuterRef("pk"),
        reason=Transfer.Reason.MANUAL,
        state=State.ARRIVED,
        to_library=OuterRef("current_library"),
    ).exclude(Exists(later))
    candidates = (
        Item.objects.filter(status__in=[Item.Status.AVAILABLE, Item.Status.IN_TRANSIT])
        .exclude(current_library_id=F("home_library_id"))
        .exclude(transfers__state__in=Transfer.OPEN_STATES)
        .exclude(Exists(moved_here))
        .select_related("current_library", "home_library")
        .order_by("id")
    )
    for item in candidates.iterator(chunk_size=500):
        if (item.current_library_id, None) in floating or (
            item.current_library_id,
            item.item_type_id,
        ) in floating:
            continue
        try:
            with transaction.atomic():
                # Where the item is, read again under its lock: a desk may have moved or lent
                # it since the candidates were listed (the route must start where it is now).
                item = (
                    Item.objects.select_for_update(of=("self",), skip_locked=True)
                    .select_related("current_library", "home_library")
                    .filter(id=item.id, status__in=[Item.Status.AVAILABLE, Item.Status.IN_TRANSIT])
                    .exclude(current_library_id=F("home_library_id"))
                    .first()
                )
                if item is None:
                    continue
                transfer = start_transfer(
                    item=item,
                    from_library=item.current_library,
                    to_library=item.home_library,
                    reason=Transfer.Reason.RETURN_HOME,
                    staff=None,
                    now=now,
                )
                _record(transfer, now=now, library=None, staff=None, note="reconciliation")
        except TransferRefused:
            report.skipped.append(item.barcode)
            continue
        report.created.append(transfer)
    return report
