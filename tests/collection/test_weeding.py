"""A weeding round end to end: build the list (the Celery job's service, and a real worker),
decide, execute → copies withdrawn, sent to storage with transfers planned, last copies
protected; a hold on a stored copy routes from storage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.indexing import refresh_library_ids
from catalog.models import Item
from circulation.holds import services as hold_services
from circulation.holds import targeting as hold_targeting
from circulation.holds.models import Hold
from collection import services
from collection.models import StorageRule, WeedingCandidate, WeedingCriteria, WeedingList
from collection.rules import STORAGE_SHELF
from libraries.models import Library
from tests.circulation.factories import ItemFactory, PatronFactory, RecordFactory
from tests.conftest import make_staff
from transport import network_cache
from transport import services as transport_services
from transport.demo import create_demo_network
from transport.models import Transfer

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 2, 10, tzinfo=UTC)  # a Wednesday
OLD = NOW - timedelta(days=5 * 365)


def lib(code):
    return Library.objects.get(code=code)


def copy(record, code, barcode, *, last=OLD, **kw):
    item = ItemFactory(
        record=record,
        barcode=barcode,
        home_library=lib(code),
        current_library=lib(code),
        last_borrowed_at=last,
        acquired_on=OLD.date(),
        **kw,
    )
    refresh_library_ids([record.id])
    return item


@pytest.fixture
def shelf():
    """KGA's shelf: three weeding candidates and one copy in recent use; the demo network."""
    create_demo_network()
    network_cache.reset()
    StorageRule.objects.all().delete()
    StorageRule.objects.create(library=lib("STO"))
    WeedingCriteria.objects.update_or_create(library=None, defaults={"not_borrowed_years": 3})
    lonely = RecordFactory(title="Sista exemplaret")
    shared = RecordFactory(title="Finns i Degerfors")
    stored = RecordFactory(title="Finns i magasinet")
    popular = RecordFactory(title="Populär")
    return {
        "lonely": copy(lonely, "KGA", "W1"),
        "shared": copy(shared, "KGA", "W2"),
        "shared_deg": copy(shared, "DEG", "W3", last=NOW - timedelta(days=10)),
        "stored": copy(stored, "KGA", "W4"),
        "stored_sto": copy(stored, "STO", "W5", shelf_location=STORAGE_SHELF),
        "popular": copy(popular, "KGA", "W6", last=NOW - timedelta(days=30)),
    }


def build(staff, **kw) -> WeedingList:
    wl = services.start_list(library=lib("KGA"), staff=staff, now=NOW, **kw)
    return services.build_list(wl.pk)


def test_list_flags_last_copies_and_counts_copies_elsewhere(shelf):
    staff = make_staff("weeder", ("KGA", "cataloguer"))
    wl = build(staff)
    assert wl.state == WeedingList.State.READY and wl.percent == 100
    by_barcode = {c.item.barcode: c for c in wl.candidates.select_related("item")}
    assert set(by_barcode) == {"W1", "W2", "W4"}  # W6 was borrowed a month ago
    assert by_barcode["W1"].last_copy and by_barcode["W1"].copies == {}
    assert not by_barcode["W2"].protected and by_barcode["W2"].copies == {"DEG": 1}
    assert by_barcode["W4"].last_outside_storage and not by_barcode["W4"].last_copy
    assert by_barcode["W4"].copies_in_storage == 1
    assert by_barcode["W1"].reasons == ["not_borrowed"]
    assert wl.parameters["sources"]["not_borrowed_years"] == "common"


def test_local_criteria_override_and_section_filters(shelf):
    WeedingCriteria.objects.create(library=lib("KGA"), not_borrowed_years=10)
    staff = make_staff("weeder", ("KGA", "cataloguer"))
    assert build(staff).candidates.count() == 0  # five years is not ten
    Item.objects.filter(barcode="W6").update(condition=Item.Condition.DAMAGED)
    wl = build(staff, conditions=("damaged",))
    assert [c.item.barcode for c in wl.candidates.all()] == ["W6"]
    Item.objects.filter(barcode="W1").update(shelf_location="Barn")
    WeedingCriteria.objects.filter(library=lib("KGA")).delete()
    wl = build(staff, shelf_prefix="barn")
    assert [c.item.barcode for c in wl.candidates.all()] == ["W1"]


def test_weeding_a_last_copy_needs_storage_or_a_reason(shelf):
    staff = make_staff("weeder", ("KGA", "cataloguer"))
    wl = build(staff)
    lonely = wl.candidates.get(item__barcode="W1")
    with pytest.raises(services.CollectionRefused) as refused:
        services.decide(candidate=lonely, decision="weed", staff=staff, now=NOW)
    assert refused.value.reason == "last_copy"
    services.decide(
        candidate=lonely, decision="weed", staff=staff, now=NOW, override_reason="Mögelskadad"
    )
    with pytest.raises(services.CollectionRefused):
        services.decide(candidate=lonely, decision="transfer", staff=staff, now=NOW)


def test_execution_withdraws_stores_and_protects(shelf):
    staff = make_staff("weeder", ("KGA", "cataloguer"))
    round_ = services.book_round(
        library=lib("KGA"), section="Skönlitteratur H", planned_on=NOW.date(), responsible=staff
    )
    wl = build(staff, weeding_round=round_)
    c = {x.item.barcode: x for x in wl.candidates.select_related("item")}
    services.decide(candidate=c["W1"], decision="storage", staff=staff, now=NOW)
    services.decide(candidate=c["W2"], decision="weed", staff=staff, now=NOW)
    services.decide(candidate=c["W4"], decision="keep", staff=staff, now=NOW)
    # Meanwhile the DEG copy of W2's title is lost: W2 is now the last copy.
    Item.objects.filter(barcode="W3").update(status=Item.Status.LOST)
    counts = services.execute_list(weeding_list=wl, staff=staff, now=NOW)
    assert counts == {
        "weeded": 0, "stored": 1, "transferred": 0, "refused": 1, "last_copies_saved": 1
    }  # fmt: skip
    w1, w2 = Item.objects.get(barcode="W1"), Item.objects.get(barcode="W2")
    assert w2.status == Item.Status.AVAILABLE  # refused: last copy without a reason
    assert WeedingCandidate.objects.get(pk=c["W2"].pk).outcome == "last_copy"
    assert w1.home_library.code == "STO" and w1.shelf_location == STORAGE_SHELF
    assert w1.status == Item.Status.IN_TRANSIT
    transfer = Transfer.objects.get(item=w1)
    assert (transfer.from_library.code, transfer.to_library.code) == ("KGA", "STO")
    assert transfer.route and transfer.route[0]["from"] == "KGA"
    round_.refresh_from_db()
    assert round_.finished_at == NOW and round_.stored == 1 and round_.last_copies_saved == 1
    with pytest.raises(services.CollectionRefused):
        services.execute_list(weeding_list=wl, staff=staff, now=NOW)


def test_weeded_copy_is_withdrawn_not_deleted(shelf):
    staff = make_staff("weeder", ("KGA", "cataloguer"))
    wl = build(staff)
    services.decide(
        candidate=wl.candidates.get(item__barcode="W2"), decision="weed", staff=staff, now=NOW
    )
    services.execute_list(weeding_list=wl, staff=staff, now=NOW)
    w2 = Item.objects.get(barcode="W2")
    assert w2.status == Item.Status.WITHDRAWN
    assert lib("KGA").pk not in w2.record.library_ids  # no longer KGA's


def test_a_hold_on_a_stored_copy_routes_from_storage(shelf):
    staff = make_staff("weeder", ("KGA", "cataloguer"))
    wl = build(staff)
    services.decide(
        candidate=wl.candidates.get(item__barcode="W1"), decision="storage", staff=staff, now=NOW
    )
    services.execute_list(weeding_list=wl, staff=staff, now=NOW)
    item = Item.objects.get(barcode="W1")
    transport_services.receive_item(item=item, library=lib("STO"), staff=None, now=NOW)
    item.refresh_from_db()
    assert (item.status, item.current_library.code) == (Item.Status.AVAILABLE, "STO")
    patron = PatronFactory(home_library=lib("HFS"))
    hold = hold_services.place_hold(
        patron=patron, record=item.record, pickup_library=lib("HFS"), now=NOW
    )
    hold_targeting.run_targeting(now=NOW + timedelta(minutes=1))
    hold = Hold.objects.get(pk=hold.pk)
    assert hold.target_item_id == item.pk and hold.target_library.code == "STO"


def test_building_costs_a_constant_number_of_statements(shelf):
    staff = make_staff("weeder", ("KGA", "cataloguer"))

    def statements(extra: int) -> int:
        for n in range(extra):
            copy(RecordFactory(), "KGA", f"X{extra}-{n}")
        wl = services.start_list(library=lib("KGA"), staff=staff, now=NOW)
        with CaptureQueriesContext(connection) as ctx:
            services.build_list(wl.pk)
        return len(ctx.captured_queries)

    assert statements(0) == statements(25)


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_the_celery_job_builds_the_list(shelf, celery_worker_process):
    import time

    staff = make_staff("weeder2", ("KGA", "cataloguer"))
    wl = services.start_list(library=lib("KGA"), staff=staff, now=NOW)
    for _ in range(120):
        wl.refresh_from_db()
        if wl.state == WeedingList.State.READY:
            break
        time.sleep(0.25)
    assert wl.state == WeedingList.State.READY
    assert wl.candidates.count() == 3
