"""The batch sweep: the same plan as one transfer at a time, in statements constant per batch."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Item
from transport import network_cache, routing, selectors, services
from transport.models import PackingList, PackingListEntry, Transfer, TransferEvent, TransportLink

from .conftest import at
from .factories import ItemFactory

pytestmark = pytest.mark.django_db
State = Transfer.State

# (returned at, home): every library sends and receives; several routes per batch.
RETURNS = [
    ("KHM", "KGA"),
    ("KHM", "DEG"),
    ("KGA", "HFS"),
    ("KGA", "KHM"),
    ("DEG", "STO"),
    ("HFS", "KGA"),
    ("BUS", "KGA"),
    ("STO", "DEG"),
    ("KGA", "BUS"),
]


def waiting(libraries, pairs, *, now) -> list[Transfer]:
    """Transfers written as check-in leaves them (waiting, no crate), without enqueuing a task."""
    items = [
        ItemFactory(
            home_library=libraries[home],
            current_library=libraries[here],
            status=Item.Status.IN_TRANSIT,
        )
        for here, home in pairs
    ]
    return Transfer.objects.bulk_create(
        Transfer(
            item=item,
            from_library=item.current_library,
            to_library=item.home_library,
            reason=Transfer.Reason.RETURN_HOME,
            created_at=now,
        )
        for item in items
    )


def warm_network(now) -> None:
    """A process loads the network once a day; count only the planning's own statements."""
    network_cache.reset()  # the fixture's links are in this (test) transaction: keep a copy
    network_cache.snapshot(now=now)


def sweep_statements(*, now, batch_size: int) -> tuple[int, list[str]]:
    warm_network(now)
    with CaptureQueriesContext(connection) as queries:
        planned = services.sweep_waiting_transfers(now=now, batch_size=batch_size)
    return planned, [q["sql"] for q in queries.captured_queries]


@pytest.mark.parametrize("size", [1, 9, 45])
def test_a_batch_costs_the_same_statements_whatever_its_size(
    network, libraries, monday_morning, size
):
    waiting(libraries, (RETURNS * 5)[:size], now=monday_morning)
    planned, statements = sweep_statements(now=monday_morning, batch_size=size)
    assert planned == size
    # Per batch: lock the transfers, lock their items reading where they are, insert missing
    # crates, lock the crates, update the transfers, insert the entries, insert the events (7);
    # then one more lock finds nothing. Each batch's transaction is a savepoint here (inside the
    # test's transaction): 2 more.
    assert len(statements) == (7 + 2) + (1 + 2), "\n".join(statements)


def test_statements_grow_with_batches_not_with_transfers(network, libraries, monday_morning):
    waiting(libraries, RETURNS * 4, now=monday_morning)
    planned, statements = sweep_statements(now=monday_morning, batch_size=12)
    assert planned == 36
    assert len(statements) == 3 * (7 + 2) + (1 + 2)


def test_the_sweep_plans_each_transfer_as_the_planner_does(network, libraries, monday_morning):
    transfers = waiting(libraries, RETURNS * 2, now=monday_morning)
    assert services.sweep_waiting_transfers(now=monday_morning) == len(transfers)
    network = selectors.load_network(now=monday_morning)
    crates = set()
    for transfer in Transfer.objects.filter(id__in=[t.id for t in transfers]).select_related(
        "item__current_library", "to_library"
    ):
        route = routing.plan_route(
            network,
            start=transfer.item.current_library.code,
            destination=transfer.to_library.code,
            now=monday_morning,
        )
        assert transfer.state == State.PACKED
        assert transfer.planned_at == monday_morning
        assert transfer.route == [hop.as_json() for hop in route.hops]
        assert transfer.expected_arrival == route.arrives
        assert transfer.route_problem == ""
        entry = PackingListEntry.objects.select_related("packing_list__link__from_library").get(
            transfer=transfer
        )
        crate = entry.packing_list
        assert (crate.link_id, crate.departure_date) == (
            route.hops[0].link_id,
            route.hops[0].departs.date(),
        )
        assert (entry.hop_index, entry.added_at) == (0, monday_morning)
        event = TransferEvent.objects.get(transfer=transfer)
        assert (event.state, event.at, event.library_id, event.staff_id) == (
            State.PACKED,
            monday_morning,
            transfer.item.current_library_id,
            None,
        )
        assert event.note == str(crate)
        crates.add(crate.id)
    # One crate per departure, shared by every transfer that leaves on it.
    assert PackingList.objects.count() == len(crates) < len(transfers)


def test_a_second_sweep_changes_nothing(network, libraries, monday_morning):
    transfers = waiting(libraries, RETURNS, now=monday_morning)
    assert services.sweep_waiting_transfers(now=monday_morning) == len(transfers)
    assert services.sweep_waiting_transfers(now=monday_morning + timedelta(minutes=5)) == 0
    assert PackingListEntry.objects.count() == len(transfers)
    assert TransferEvent.objects.count() == len(transfers)


def test_a_crate_closed_early_sends_the_batch_to_the_next_departure(
    network, libraries, monday_morning
):
    """KHM→STO leaves Mon/Wed/Fri 14:00; staff closed Monday's crate before the sweep."""
    khm_sto = TransportLink.objects.get(from_library__code="KHM", to_library__code="STO")
    closed = PackingList.objects.create(
        link=khm_sto, departure_date=monday_morning.date(), closed_at=monday_morning
    )
    transfers = waiting(libraries, [("KHM", "KGA")] * 3 + [("DEG", "KGA")] * 2, now=monday_morning)
    planned, statements = sweep_statements(now=monday_morning, batch_size=10)
    assert planned == 5
    # A second round for the closed crate: two more statements, still not one per transfer.
    assert len(statements) == (7 + 2) + 2 + (1 + 2)
    khm = [t.id for t in transfers[:3]]
    crates = set(PackingList.objects.filter(entries__transfer__in=khm).values_list("id", flat=True))
    assert len(crates) == 1 and closed.id not in crates
    # The planner's first hop when asked a minute after the closed crate's departure.
    later = routing.plan_route(
        selectors.load_network(now=monday_morning),
        start="KHM",
        destination="KGA",
        now=at("2025-03-10 14:01"),
    ).hops[0]
    crate = PackingList.objects.get(id=crates.pop())
    assert (crate.link_id, crate.departure_date) == (later.link_id, later.departs.date())
    assert not closed.entries.exists()


def test_no_route_leaves_those_waiting_and_plans_the_rest(network, libraries, monday_morning):
    TransportLink.objects.filter(to_library__code="HFS").update(active=False)
    transfers = waiting(
        libraries, [("KGA", "HFS"), ("KHM", "KGA"), ("DEG", "HFS")], now=monday_morning
    )
    assert services.sweep_waiting_transfers(now=monday_morning) == 1
    stuck = Transfer.objects.filter(id__in=[transfers[0].id, transfers[2].id])
    assert set(stuck.values_list("state", flat=True)) == {State.WAITING}
    assert all("HFS" in t.route_problem and t.route == [] for t in stuck)
    assert not TransferEvent.objects.filter(transfer__in=stuck).exists()
    assert not PackingListEntry.objects.filter(transfer__in=stuck).exists()
    assert Transfer.objects.get(id=transfers[1].id).state == State.PACKED


def test_plan_transfer_uses_the_batch_for_one(network, libraries, monday_morning):
    (transfer,) = waiting(libraries, [("KHM", "KGA")], now=monday_morning)
    warm_network(monday_morning)
    with CaptureQueriesContext(connection) as queries:
        planned = services.plan_transfer(transfer_id=transfer.id, now=monday_morning)
    assert planned.state == State.PACKED
    # lock the item, lock the transfer + 2 crate + update + entry + event, in a savepoint (2).
    assert len(queries.captured_queries) == 9
    again = services.plan_transfer(transfer_id=transfer.id, now=monday_morning)
    assert again.state == State.PACKED
    assert PackingListEntry.objects.filter(transfer=transfer).count() == 1
