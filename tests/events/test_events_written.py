"""Every circulation path writes its anonymous event, in the same transaction, with one INSERT
and no patron identifier (desk pages, the API, OPAC renewals, holds, transfers)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.models import Item
from circulation import renewals, services
from circulation.holds import services as hold_services
from circulation.models import Loan
from circulation.refusals import CheckoutRefused
from events.models import CirculationEvent, Kind
from libraries.models import Library
from patrons.models import PatronCategory
from tests.circulation.factories import ItemFactory, LoanFactory, PatronFactory, RecordFactory
from tests.conftest import staff_client
from transport import services as transport_services
from transport.demo import create_demo_network
from transport.models import PackingList, Transfer

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Europe/Stockholm")
MONDAY = datetime(2025, 3, 10, 10, 15, tzinfo=TZ)


def lib(code: str) -> Library:
    return Library.objects.get(code=code)


def events(kind: str) -> list[CirculationEvent]:
    return list(CirculationEvent.objects.filter(kind=kind).order_by("id"))


def event_inserts(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if "events_circulationevent" in q["sql"]]


@pytest.fixture(autouse=True)
def network(db):
    create_demo_network()


def test_the_event_table_has_no_patron_or_item_column():
    names = {f.name for f in CirculationEvent._meta.get_fields()}
    assert not {
        n for n in names if "patron" in n and n not in {"patron_category", "patron_municipality"}
    }
    assert "item" not in names and "loan" not in names and "hold" not in names


def test_checkout_writes_one_event_with_the_borrowers_facts():
    child = PatronFactory(
        category=PatronCategory.objects.get(code="CHILD"),
        birth_year=2016,
        home_library=lib("STO"),
    )
    record = RecordFactory(media_type="audiobook", audience="children")
    item = ItemFactory(record=record, home_library=lib("KHM"))
    with CaptureQueriesContext(connection) as ctx:
        services.check_out(
            barcode=item.barcode, library=lib("KGA"), staff=None, now=MONDAY, patron=child
        )
    assert len(event_inserts(ctx)) == 1
    [event] = events(Kind.CHECKOUT)
    assert event.library_id == lib("KGA").id and event.owning_library_id == lib("KHM").id
    assert (event.media_type, event.audience) == ("audiobook", "children")
    assert event.item_type_id == item.item_type_id
    assert event.patron_category_id == child.category_id
    assert event.age_band == "6-12"  # 2025 - 2016 = 9
    assert event.patron_municipality == "Storfors"
    assert event.day == date(2025, 3, 10)


def test_the_event_day_is_the_swedish_date():
    item, patron = ItemFactory(), PatronFactory()
    late = datetime(2025, 3, 10, 23, 30, tzinfo=TZ)  # 22:30 UTC: still the 10th in Sweden
    services.check_out(
        barcode=item.barcode, library=lib("KGA"), staff=None, now=late, patron=patron
    )
    assert events(Kind.CHECKOUT)[0].day == date(2025, 3, 10)


def test_return_writes_an_event_that_outlives_the_unlinked_loan():
    loan = LoanFactory(checkout_library=lib("DEG"), item__home_library=lib("KGA"))
    services.check_in(barcode=loan.item.barcode, library=lib("KGA"), staff=None, now=MONDAY)
    loan.refresh_from_db()
    assert loan.patron_id is None  # the privacy cut at return
    [event] = events(Kind.RETURN)
    assert event.other_library_id == lib("DEG").id  # lent there
    assert event.patron_category_id == PatronCategory.objects.get(code="ADULT").id
    assert event.patron_municipality == "Karlskoga"


def test_renew_and_renew_all_write_one_insert_each():
    patron = PatronFactory()
    now = timezone.now()
    loans = [
        LoanFactory(
            patron=patron, checked_out_at=now - timedelta(days=3), due_at=now + timedelta(days=5)
        )
        for _ in range(3)
    ]
    renewals.renew(loan=loans[0], library=lib("HFS"), staff=None, now=now)
    with CaptureQueriesContext(connection) as ctx:
        renewals.renew_all(patron=patron, library=lib("KGA"), staff=None, now=now)
    assert len(event_inserts(ctx)) == 1
    rows = events(Kind.RENEWAL)
    # renew-all skips the loan renewed a moment ago (too_soon): its due date would not move
    assert [e.library_id for e in rows] == [lib("HFS").id] + [lib("KGA").id] * 2


def test_hold_placed_and_ready_with_the_wait():
    item = LoanFactory(item__home_library=lib("KGA")).item
    hold_services.place_hold(
        patron=PatronFactory(), record=item.record, pickup_library=lib("KGA"), now=MONDAY
    )
    [placed] = events(Kind.HOLD_PLACED)
    assert placed.library_id == lib("KGA").id and placed.item_type_id is None
    later = MONDAY + timedelta(hours=2)
    result = services.check_in(barcode=item.barcode, library=lib("KGA"), staff=None, now=later)
    assert result.action == services.Action.HOLD_SHELF
    [ready] = events(Kind.HOLD_READY)
    assert ready.duration_seconds == 7200 and ready.item_type_id == item.item_type_id


def test_transfer_sent_when_the_crate_leaves_and_arrived_with_its_transit_time():
    item = LoanFactory(item__home_library=lib("KGA")).item
    services.check_in(barcode=item.barcode, library=lib("DEG"), staff=None, now=MONDAY)
    transfer = Transfer.objects.get(item=item)
    transport_services.plan_transfer(transfer_id=transfer.id, now=MONDAY)
    crate = PackingList.objects.get(entries__transfer=transfer)
    transport_services.close_packing_list(packing_list_id=crate.id, staff=None, now=MONDAY)
    [sent] = events(Kind.TRANSFER_SENT)
    assert (sent.library_id, sent.other_library_id) == (lib("DEG").id, lib("KGA").id)
    arrival = MONDAY + timedelta(days=1)
    services.check_in(barcode=item.barcode, library=lib("KGA"), staff=None, now=arrival)
    [arrived] = events(Kind.TRANSFER_ARRIVED)
    assert arrived.other_library_id == lib("DEG").id
    assert arrived.duration_seconds == 86400
    assert Item.objects.get(pk=item.pk).status == Item.Status.AVAILABLE


def test_a_refused_checkout_writes_no_event():
    item = ItemFactory(status=Item.Status.LOST)
    with pytest.raises(CheckoutRefused):
        services.check_out(
            barcode=item.barcode, library=lib("KGA"), staff=None, now=MONDAY, patron=PatronFactory()
        )
    assert not CirculationEvent.objects.exists()


# --- Through the interfaces ----------------------------------------------------------------


def test_desk_api_and_opac_paths_write_events(client, desk_staff_karlskoga):
    desk = staff_client(client, desk_staff_karlskoga, "KGA")
    patron = PatronFactory()
    item = ItemFactory()
    response = desk.post(
        "/api/v1/checkouts/",
        {"card": patron.cards.get().number, "barcode": item.barcode},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    loan = item.loans.get()
    # A renewal must move the due date (too_soon otherwise): make the loan due tomorrow first.
    tomorrow = timezone.now() + timedelta(days=1)
    Loan.objects.filter(pk=loan.pk).update(due_at=tomorrow)
    assert desk.post(f"/staff/circulation/loans/{loan.pk}/renew/").status_code == 302
    Loan.objects.filter(pk=loan.pk).update(due_at=tomorrow)
    desk.logout()
    patron.pin_hash = make_password("2468")
    patron.save(update_fields=["pin_hash"])
    client.post("/konto/logga-in/", {"card_number": patron.cards.get().number, "pin": "2468"})
    client.post(f"/konto/lan/{loan.pk}/forlang/")
    assert len(events(Kind.CHECKOUT)) == 1
    assert len(events(Kind.RENEWAL)) == 2
