"""Planning transfers in batches: route, crate and event for many transfers in a few statements.

The periodic sweep plans thousands of waiting transfers (10,000 after a busy day must take at
most 10 s). Planning them one by one cost ~15 statements each, so a batch is planned as a set:

1. lock the batch's transfer rows with one ``SELECT … FOR UPDATE OF transfer SKIP LOCKED``,
   then their items (SKIP LOCKED too) reading where each item is now, in a second statement;
2. plan each distinct (where the item is, destination, ready time) once with the pure planner;
3. get-or-create every crate the batch needs (one INSERT … ON CONFLICT DO NOTHING) and lock them
   in id order (one SELECT … FOR NO KEY UPDATE); a transfer whose crate staff closed early is
   planned again for the next departure (at most ``ATTEMPTS`` rounds);
4. insert the crate entries, update the transfers (one UPDATE … FROM unnest(…)) and write the
   "packed" TransferEvents, one statement each.

So a batch costs the same handful of statements whatever its size (asserted in the tests).
Locking order is the services' one (Item, Transfer, PackingList), except that the sweep locks
items after their transfers, with SKIP LOCKED so it never waits. Everything happens in
the caller's transaction: a batch killed midway rolls back whole and the next sweep takes it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import F, OuterRef, Q, QuerySet, Subquery

from catalog.models import Item
from libraries.models import Library
from transport import network_cache, routing
from transport.models import PackingList, Transfer

State = Transfer.State
PLANNABLE = (State.WAITING, State.RECEIVED_AT_HUB)
ATTEMPTS = 5  # crates closed early in a row before we give up until the next sweep
# After a closed crate's departure, the next one may leave a minute later at the earliest.
AFTER_CLOSED = timedelta(minutes=1)
DEFAULT_BATCH = 500


def _with_places(transfers: QuerySet[Transfer], *, skip_locked: bool = False) -> QuerySet[Transfer]:
    """Lock the transfer rows only, and bring where the item is and where it goes.

    The item's place is only current if this statement started after the item's row was locked
    (``plan_transfer``) or is read again afterwards (``_lock_items_and_places``): when the
    statement waits for a transfer row, PostgreSQL re-reads that row after the wait but keeps
    the item row it joined before, so a check-in committed meanwhile would go unseen.
    """
    return transfers.select_for_update(of=("self",), skip_locked=skip_locked).annotate(
        here_id=F("item__current_library_id"),
        here_code=F("item__current_library__code"),
        destination_code=F("to_library__code"),
    )


def _lock_items_and_places(batch: list[Transfer]) -> list[Transfer]:
    """Lock the batch's items (SKIP LOCKED) and read where they are now, in one statement.

    The place comes from the item row as locked, in a statement that starts after the transfer
    rows were locked, so it is where the item is at commit (nobody else can move a locked item).
    A transfer whose item a desk holds right now is left for the next sweep. Transfers first,
    then items, is the reverse of the services' order; SKIP LOCKED never waits, so it cannot
    deadlock.
    """
    if not batch:
        return []
    code = Library.objects.filter(id=OuterRef("current_library_id")).values("code")[:1]
    places = {
        item_id: (here_id, here_code)
        for item_id, here_id, here_code in Item.objects.select_for_update(
            of=("self",), skip_locked=True
        )
        .filter(id__in=[t.item_id for t in batch])
        .annotate(here_code=Subquery(code))
        .values_list("id", "current_library_id", "here_code")
    }
    locked = []
    for t in batch:
        if t.item_id in places:
            t.here_id, t.here_code = places[t.item_id]
            locked.append(t)
    return locked


@dataclass
class _Pending:
    transfer: Transfer
    ready: datetime
    crate_key: tuple[int, date] | None = None
    first_hop: routing.Hop | None = None


class _Planner:
    """The pure planner, asked once per (start, destination, ready) however many items share it.

    Answers (route, its hops as stored in ``Transfer.route``) or the NoRoute refusal.
    """

    def __init__(self, network: routing.Network):
        self.network = network
        self.answers: dict[
            tuple[str, str, datetime], tuple[routing.Route, list[dict]] | routing.NoRoute
        ] = {}

    def route(self, start: str, destination: str, ready: datetime):
        key = (start, destination, ready)
        if key not in self.answers:
            try:
                route = routing.plan_route(
                    self.network, start=start, destination=destination, now=ready
                )
                self.answers[key] = (route, [hop.as_json() for hop in route.hops])
            except routing.NoRoute as refused:
                self.answers[key] = refused
        return self.answers[key]


def _lock_crates(keys: set[tuple[int, date]]) -> dict[tuple[int, date], PackingList]:
    """Get or create the crates for these (link, date) pairs and lock them: two statements."""
    ordered = sorted(keys)  # the same order in every transaction: no deadlock between sweeps
    PackingList.objects.bulk_create(
        [PackingList(link_id=link, departure_date=day) for link, day in ordered],
        ignore_conflicts=True,
    )
    wanted = Q()
    for link, day in ordered:
        wanted |= Q(link_id=link, departure_date=day)
    crates = PackingList.objects.select_for_update(no_key=True).filter(wanted).order_by("id")
    return {(crate.link_id, crate.departure_date): crate for crate in crates}


def _update_transfers(transfers: list[Transfer]) -> None:
    """Write the planned fields of every transfer in one UPDATE … FROM jsonb_to_recordset(…).

    One JSON document carries all rows (json.dumps is fast; an array parameter per column
    would be quoted element by element). ``id = ANY(…)`` lets PostgreSQL fetch the rows by
    primary key instead of scanning the table for the join.
    """
    if not transfers:
        return
    rows = [
        {
            "id": t.id,
            "route": t.route,
            "route_problem": t.route_problem,
            "expected_arrival": t.expected_arrival and t.expected_arrival.isoformat(),
            "state": t.state,
            "planned_at": t.planned_at and t.planned_at.isoformat(),
        }
        for t in transfers
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE transport_transfer AS t
               SET route = v.route, route_problem = v.route_problem,
                   expected_arrival = v.expected_arrival, state = v.state,
                   planned_at = v.planned_at
              FROM jsonb_to_recordset(%s::jsonb) AS v(id bigint, route jsonb,
                   route_problem text, expected_arrival timestamptz, state text,
                   planned_at timestamptz)
             WHERE t.id = v.id AND t.id = ANY(%s::bigint[])
            """,
            [json.dumps(rows), [t.id for t in transfers]],
        )


def plan_locked(
    transfers: list[Transfer], *, now: datetime, network: routing.Network, planner=None
) -> list[Transfer]:
    """Plan transfers whose rows the caller has locked (fetched with ``_with_places``).

    Each gets the earliest route from where its item is; hops already travelled stay. With a
    route it goes into the crate of its next departure and becomes packed (entry + event); with
    none it stays as it is and says why in ``route_problem``. Returns the transfers packed.
    """
    planner = planner or _Planner(network)
    links = {link.id: link for link in network.links}
    pending = [_Pending(t, now) for t in transfers if t.state in PLANNABLE]
    changed: list[Transfer] = []
    packed: list[tuple[Transfer, PackingList]] = []
    for _attempt in range(ATTEMPTS):
        if not pending:
            break
        needing_crate: list[_Pending] = []
        for p in pending:
            t = p.transfer
            answer = planner.route(t.here_code, t.destination_code, p.ready)
            if isinstance(answer, routing.NoRoute):
                t.route = t.route[: t.current_hop]
                t.route_problem = answer.message[:300]
                t.expected_arrival = None
                changed.append(t)
                continue
            route, hops = answer
            t.route = t.route[: t.current_hop] + hops
            t.route_problem = ""
            t.expected_arrival = route.arrives
            p.first_hop = route.hops[0]
            p.crate_key = (p.first_hop.link_id, p.first_hop.departs.date())
            needing_crate.append(p)
        crates = _lock_crates({p.crate_key for p in needing_crate}) if needing_crate else {}
        pending = []
        for p in needing_crate:
            crate = crates[p.crate_key]
            if crate.closed_at is not None:
                # Staff closed this crate early: take the next departure after it.
                p.ready = p.first_hop.departs + AFTER_CLOSED
                pending.append(p)
                continue
            p.transfer.state = State.PACKED
            p.transfer.planned_at = now
            changed.append(p.transfer)
            packed.append((p.transfer, crate))
    # Whatever is still pending met a closed crate every time: left untouched for the next sweep.
    _update_transfers(changed)
    _insert_entries_and_events(packed, now=now, links=links)
    return [t for t, _crate in packed]


def _insert_entries_and_events(
    packed: list[tuple[Transfer, PackingList]], *, now: datetime, links: dict[int, routing.Link]
) -> None:
    """The crate entry and the "packed" TransferEvent of every packed transfer: two INSERTs.

    The event is stamped no earlier than the transfer's last one (``services.event_time``).

    Raw INSERT … SELECT FROM jsonb_to_recordset: building 2 × 500 model instances for
    ``bulk_create`` cost more than the statements themselves.
    """
    if not packed:
        return
    rows = json.dumps(
        [
            {
                "transfer": t.id,
                "crate": crate.id,
                "hop_index": t.current_hop,
                "library": t.here_id,
                "note": _crate_note(links[crate.link_id], crate.departure_date),
            }
            for t, crate in packed
        ]
    )
    columns = "v(transfer bigint, crate bigint, hop_index int, library bigint, note text)"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO transport_packinglistentry (packing_list_id, transfer_id, hop_index,
                   added_at)
            SELECT v.crate, v.transfer, v.hop_index, %s
              FROM jsonb_to_recordset(%s::jsonb) AS {columns}
            """,  # noqa: S608 (a constant)
            [now, rows],
        )
        cursor.execute(
            f"""
            INSERT INTO transport_transferevent (transfer_id, state, at, library_id, note)
            SELECT v.transfer, %s,
                   GREATEST(%s, (SELECT max(e.at) FROM transport_transferevent e
                                  WHERE e.transfer_id = v.transfer)),
                   v.library, v.note
              FROM jsonb_to_recordset(%s::jsonb) AS {columns}
            """,  # noqa: S608 (a constant)
            [State.PACKED.value, now, rows],
        )


def _crate_note(link: routing.Link, day: date) -> str:
    """As ``str(PackingList)``: "KHM→STO 14:00 2025-03-10", without loading the link's libraries."""
    return f"{link.origin}→{link.destination} {link.departs:%H:%M} {day.isoformat()}"


@transaction.atomic
def plan_transfer(
    *, transfer_id: int, now: datetime, network: routing.Network | None = None
) -> Transfer | None:
    """Plan the route from where the item is and put it in the next departure's crate.

    Idempotent: a transfer already packed, in transit or closed is left as it is. Waits for the
    rows if someone else holds them (the Celery task for one transfer). Locks in the services'
    order, the item first, then the transfer; its place is read only once the item is ours.
    """
    item = Transfer.objects.filter(id=transfer_id).values("item_id")
    list(Item.objects.select_for_update(of=("self",)).filter(id=Subquery(item)).values("id"))
    transfer = _with_places(Transfer.objects.filter(id=transfer_id)).first()
    if transfer is None or transfer.state not in PLANNABLE:
        return transfer
    network = network or network_cache.snapshot(now=now).network
    plan_locked([transfer], now=now, network=network)
    return transfer


def sweep_waiting_transfers(*, now: datetime, batch_size: int = DEFAULT_BATCH) -> int:
    """Plan every waiting transfer, one batch per transaction; returns how many were packed.

    Rows another sweep holds are skipped (SKIP LOCKED), so two sweeps at once share the work
    and never plan a transfer twice; a batch killed midway rolls back and is picked up again.
    """
    planned = 0
    last_id = 0
    network = network_cache.snapshot(now=now).network
    planner = _Planner(network)  # the same `now` for the whole sweep: routes can be shared
    while True:
        with transaction.atomic():
            batch = list(
                _with_places(
                    Transfer.objects.filter(state=State.WAITING, id__gt=last_id).order_by("id"),
                    skip_locked=True,
                )[:batch_size]
            )
            if not batch:
                return planned
            ready = _lock_items_and_places(batch)
            planned += len(plan_locked(ready, now=now, network=network, planner=planner))
            last_id = batch[-1].id
