"""The transfer state machine: start → plan (crate) → close → receive at hub → arrive."""

from __future__ import annotations

import pytest
from django.db import IntegrityError

from catalog.models import Item, ItemType
from libraries.models import CalendarException
from transport import selectors, services
from transport.models import FloatingRule, PackingList, PackingListEntry, Transfer, TransferEvent

from .conftest import at
from .factories import ItemFactory

pytestmark = pytest.mark.django_db
State = Transfer.State


def send_home(item, libraries, *, now, at_code="KHM", staff=None):
    return services.start_transfer(
        item=item,
        from_library=libraries[at_code],
        to_library=item.home_library,
        reason=Transfer.Reason.RETURN_HOME,
        staff=staff,
        now=now,
    )


def events(transfer):
    return list(
        TransferEvent.objects.filter(transfer=transfer).values_list("state", "library__code")
    )


def test_start_transfer_waits_with_a_provisional_route_and_enqueues_planning(
    network, libraries, monday_morning, desk_staff_kristinehamn, django_capture_on_commit_callbacks
):
    item = ItemFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        transfer = send_home(item, libraries, now=monday_morning, staff=desk_staff_kristinehamn)
    assert len(callbacks) == 1
    assert transfer.state == State.WAITING
    assert transfer.remaining_stops == ["STO", "KGA"]
    assert transfer.expected_arrival == at("2025-03-11 10:45")
    assert selectors.next_hop_description(transfer) == "Skicka till Storfors → Karlskoga"
    item.refresh_from_db()
    assert (item.status, item.current_library.code) == (Item.Status.IN_TRANSIT, "KHM")
    assert TransferEvent.objects.get(transfer=transfer).staff == desk_staff_kristinehamn


def test_at_most_one_open_transfer_per_item(network, libraries, monday_morning):
    item = ItemFactory()
    send_home(item, libraries, now=monday_morning)
    with pytest.raises(services.TransferRefused) as refused:
        send_home(item, libraries, now=monday_morning, at_code="STO")
    assert refused.value.reason == "already_in_transfer"


def test_the_database_refuses_a_second_open_transfer(network, libraries, monday_morning):
    item = ItemFactory()
    send_home(item, libraries, now=monday_morning)
    with pytest.raises(IntegrityError):
        Transfer.objects.create(
            item=item,
            from_library=libraries["DEG"],
            to_library=libraries["KGA"],
            reason="manual",
            created_at=monday_morning,
        )


def test_the_whole_journey_home_via_storfors(network, libraries, monday_morning):
    item = ItemFactory()
    transfer = send_home(item, libraries, now=monday_morning)

    services.plan_transfer(transfer_id=transfer.id, now=monday_morning)
    transfer.refresh_from_db()
    assert transfer.state == State.PACKED
    crate = PackingList.objects.get(entries__transfer=transfer)
    assert (crate.link.from_library.code, crate.link.to_library.code) == ("KHM", "STO")
    assert crate.departure_date.isoformat() == "2025-03-10"

    # Planning again changes nothing (the Celery task may run twice).
    services.plan_transfer(transfer_id=transfer.id, now=monday_morning)
    assert transfer.entries.count() == 1

    assert services.close_due_packing_lists(now=at("2025-03-10 13:59")) == 0
    assert services.close_due_packing_lists(now=at("2025-03-10 14:00")) == 1
    transfer.refresh_from_db()
    assert transfer.state == State.IN_TRANSIT

    receipt = services.receive_item(
        item=item, library=libraries["STO"], staff=None, now=at("2025-03-10 14:45")
    )
    assert receipt.outcome == "hub"
    assert receipt.message == "Skicka till Karlskoga"
    transfer.refresh_from_db()
    assert (transfer.state, transfer.current_hop) == (State.RECEIVED_AT_HUB, 1)
    services.plan_transfer(transfer_id=transfer.id, now=at("2025-03-10 14:46"))
    second = PackingList.objects.get(entries__transfer=transfer, entries__hop_index=1)
    assert (second.link.from_library.code, second.departure_date.isoformat()) == (
        "STO",
        "2025-03-11",
    )
    services.close_packing_list(packing_list_id=second.id, staff=None, now=at("2025-03-11 10:00"))

    receipt = services.receive_item(
        item=item, library=libraries["KGA"], staff=None, now=at("2025-03-11 10:50")
    )
    assert receipt.outcome == "arrived"
    item.refresh_from_db()
    assert (item.status, item.current_library.code) == (Item.Status.AVAILABLE, "KGA")
    assert events(transfer) == [
        ("waiting", "KHM"),
        ("packed", "KHM"),
        ("in_transit", "KHM"),
        ("received_at_hub", "STO"),
        ("packed", "STO"),
        ("in_transit", "STO"),
        ("arrived", "KGA"),
    ]


def test_scanned_at_an_unexpected_library_replans_from_there(network, libraries, monday_morning):
    item = ItemFactory()
    transfer = send_home(item, libraries, now=monday_morning)
    services.plan_transfer(transfer_id=transfer.id, now=monday_morning)
    receipt = services.receive_item(
        item=item, library=libraries["DEG"], staff=None, now=at("2025-03-11 09:00")
    )
    assert receipt.outcome == "unexpected"
    assert "Väntades i Storfors" in receipt.message
    assert receipt.message.endswith("Skicka till Karlskoga")
    transfer.refresh_from_db()
    assert transfer.hop["from"] == "DEG"
    notes = TransferEvent.objects.filter(transfer=transfer).values_list("note", flat=True)
    assert any(note.startswith("Väntades i Storfors") for note in notes)
    # It was packed into Kristinehamn's crate, which has not left: that list no longer has it.
    assert not PackingListEntry.objects.filter(transfer=transfer).exists()
    services.plan_transfer(transfer_id=transfer.id, now=at("2025-03-11 09:01"))
    entry = PackingListEntry.objects.select_related("packing_list__link__from_library").get(
        transfer=transfer
    )
    assert entry.packing_list.link.from_library.code == "DEG"
    assert [e for e in events(transfer) if e[0] == "packed"] == [
        ("packed", "KHM"),
        ("packed", "DEG"),
    ]


def test_rescanning_at_the_sending_library_changes_nothing(network, libraries, monday_morning):
    item = ItemFactory()
    transfer = send_home(item, libraries, now=monday_morning)
    receipt = services.receive_item(
        item=item, library=libraries["KHM"], staff=None, now=monday_morning
    )
    assert receipt.outcome == "not_yet_sent"
    transfer.refresh_from_db()
    assert transfer.state == State.WAITING


def test_an_item_without_a_transfer_is_not_received(network, libraries, monday_morning):
    item = ItemFactory()
    assert (
        services.receive_item(item=item, library=libraries["KGA"], staff=None, now=monday_morning)
        is None
    )


def test_a_crate_closed_early_sends_planning_to_the_next_departure(
    network, libraries, monday_morning
):
    first = ItemFactory()
    t1 = send_home(first, libraries, now=monday_morning)
    services.plan_transfer(transfer_id=t1.id, now=monday_morning)
    crate = PackingList.objects.get(entries__transfer=t1)
    services.close_packing_list(packing_list_id=crate.id, staff=None, now=at("2025-03-10 12:00"))

    second = ItemFactory()
    t2 = send_home(second, libraries, now=at("2025-03-10 12:05"))
    services.plan_transfer(transfer_id=t2.id, now=at("2025-03-10 12:05"))
    later = PackingList.objects.get(entries__transfer=t2)
    assert later.id != crate.id
    assert later.departure_date.isoformat() in {"2025-03-11", "2025-03-12"}


def test_closed_library_days_move_the_crate(network, libraries, monday_morning):
    CalendarException.objects.create(library=libraries["STO"], date=at("2025-03-10").date())
    item = ItemFactory(home_library=libraries["STO"])
    transfer = send_home(item, libraries, now=monday_morning)
    services.plan_transfer(transfer_id=transfer.id, now=monday_morning)
    crate = PackingList.objects.get(entries__transfer=transfer)
    assert crate.departure_date.isoformat() == "2025-03-12"


def test_no_route_keeps_the_transfer_waiting_and_says_why(network, libraries, monday_morning):
    from transport.models import TransportLink

    TransportLink.objects.filter(to_library__code="HFS").update(active=False)
    item = ItemFactory(home_library=libraries["HFS"], current_library=libraries["HFS"])
    transfer = send_home(item, libraries, now=monday_morning)
    services.plan_transfer(transfer_id=transfer.id, now=monday_morning)
    transfer.refresh_from_db()
    assert transfer.state == State.WAITING
    assert "ingen aktiv linje går till HFS" in transfer.route_problem


def test_floating_rules(network, libraries):
    item = ItemFactory()
    dvd = ItemType.objects.get(code="DVD")
    assert not selectors.floats_at(item=item, library=libraries["KHM"])
    FloatingRule.objects.create(library=libraries["KHM"], item_type=dvd)
    assert not selectors.floats_at(item=item, library=libraries["KHM"])
    FloatingRule.objects.create(library=libraries["KHM"], item_type=None)
    assert selectors.floats_at(item=item, library=libraries["KHM"])


def test_overdue_transits_go_missing_once(network, libraries, monday_morning):
    item = ItemFactory()
    transfer = send_home(item, libraries, now=monday_morning)
    services.plan_transfer(transfer_id=transfer.id, now=monday_morning)
    assert services.flag_missing_transits(now=at("2025-03-13 10:00"), grace_days=3) == []
    assert services.flag_missing_transits(now=at("2025-03-15 11:00"), grace_days=3) == [transfer.id]
    assert services.flag_missing_transits(now=at("2025-03-16 11:00"), grace_days=3) == []
    assert list(selectors.missing_in_transport(library=libraries["KGA"])) == [transfer]
    # Found after all: scanning it clears the flag.
    services.receive_item(
        item=item, library=libraries["KGA"], staff=None, now=at("2025-03-17 09:00")
    )
    assert not selectors.missing_in_transport().exists()


def test_reconciliation_creates_missing_transfers_once(network, libraries, monday_morning):
    lost_track = ItemFactory(current_library=libraries["KHM"])
    ItemFactory(current_library=libraries["KHM"], status=Item.Status.ON_LOAN)
    ItemFactory()  # at home
    floating = ItemFactory(
        current_library=libraries["DEG"], item_type=ItemType.objects.get(code="DVD")
    )
    FloatingRule.objects.create(library=libraries["DEG"], item_type=floating.item_type)
    already = ItemFactory(current_library=libraries["STO"])
    send_home(already, libraries, now=monday_morning, at_code="STO")

    report = services.reconcile(now=monday_morning)
    assert [t.item for t in report.created] == [lost_track]
    assert report.created[0].remaining_stops == ["STO", "KGA"]
    assert services.reconcile(now=monday_morning).created == []


def test_statistics_matrix_counts_transfers_between_pairs(network, libraries, monday_morning):
    for _n in range(2):
        send_home(ItemFactory(), libraries, now=monday_morning)
    send_home(ItemFactory(home_library=libraries["DEG"]), libraries, now=monday_morning)
    matrix = selectors.transfer_matrix(start=monday_morning.date(), end=monday_morning.date())
    assert matrix.counts == {("KHM", "KGA"): 2, ("KHM", "DEG"): 1}
    khm_row = next(row for row in matrix.rows() if row[0] == "Kristinehamn")
    assert khm_row[2] == 3
