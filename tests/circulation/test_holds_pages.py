"""Hold pages and API: the OPAC (place, My holds, cancel, pause), the desk (shelf, pick list,
place for a patron, queue), the API (list with filters and constant queries, place, cancel,
suspend) and the check-in answer that says a copy was caught and where it goes."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from catalog.models import Item
from circulation import services
from circulation.holds import services as hold_services
from circulation.holds import targeting as hold_targeting
from circulation.holds.models import Hold
from libraries.models import Library
from patrons.services import set_pin
from tests.circulation.factories import ItemFactory, LoanFactory, PatronFactory, RecordFactory
from tests.conftest import staff_client
from transport.demo import create_demo_network

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Europe/Stockholm")
MONDAY = datetime(2025, 3, 10, 10, 15, tzinfo=TZ)


def lib(code):
    return Library.objects.get(code=code)


def opac_login(client, patron):
    set_pin(patron=patron, pin="2468")
    response = client.post(
        "/konto/logga-in/", {"card_number": patron.cards.get().number, "pin": "2468"}
    )
    assert response.status_code == 302


def place(patron, record, pickup="KGA", now=MONDAY):
    return hold_services.place_hold(
        patron=patron, record=record, pickup_library=lib(pickup), now=now
    )


# --- OPAC --------------------------------------------------------------------------------


def test_opac_place_hold_defaults_to_home_library_and_lists_it(client):
    patron = PatronFactory(home_library=lib("HFS"))
    record = RecordFactory(title="Röda rummet")
    ItemFactory(record=record, home_library=lib("KHM"))
    opac_login(client, patron)
    page = client.get(f"/reservationer/ny/{record.pk}/").content.decode()
    assert f'value="{lib("HFS").pk}" selected' in page
    response = client.post(f"/reservationer/ny/{record.pk}/", {"pickup_library": lib("HFS").pk})
    assert response.status_code == 302
    hold = Hold.objects.get(patron=patron)
    assert hold.pickup_library.code == "HFS" and hold.state == Hold.State.WAITING
    mine = client.get("/reservationer/").content.decode()
    assert "Röda rummet" in mine and 'data-testid="hold-row"' in mine


def test_opac_record_page_links_to_placing_a_hold(client):
    record = RecordFactory()
    ItemFactory(record=record)
    page = client.get(f"/post/{record.pk}/").content.decode()
    assert f"/reservationer/ny/{record.pk}/" in page


def test_opac_refusal_is_shown_and_writes_nothing(client):
    patron = PatronFactory()
    record = RecordFactory()
    ItemFactory(record=record)
    place(patron, record)
    opac_login(client, patron)
    response = client.post(
        f"/reservationer/ny/{record.pk}/", {"pickup_library": lib("KGA").pk}, follow=True
    )
    assert Hold.objects.filter(patron=patron).count() == 1
    assert response.status_code == 200
    bad = client.post(f"/reservationer/ny/{record.pk}/", {"pickup_library": "x"})
    assert bad.status_code == 200 and Hold.objects.count() == 1


def test_opac_cancel_and_pause_only_own_holds(client):
    me, other = PatronFactory(), PatronFactory()
    record = RecordFactory()
    ItemFactory(record=record)
    mine = place(me, record)
    theirs = place(other, record)
    opac_login(client, me)
    client.post(f"/reservationer/{mine.pk}/pausa/", {"until": "2099-04-01"})
    mine.refresh_from_db()
    assert mine.suspended_until == date(2099, 4, 1)
    assert "2099-04-01" in client.get("/reservationer/").content.decode()
    client.post(f"/reservationer/{mine.pk}/pausa/", {"until": ""})
    mine.refresh_from_db()
    assert mine.suspended_until is None
    assert client.post(f"/reservationer/{theirs.pk}/avboka/").status_code == 404
    client.post(f"/reservationer/{mine.pk}/avboka/")
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.state == Hold.State.CANCELLED and theirs.state == Hold.State.WAITING


def test_my_holds_query_count_is_constant(client, django_assert_max_num_queries):
    patron = PatronFactory()
    opac_login(client, patron)
    for _ in range(12):
        record = RecordFactory()
        ItemFactory(record=record)
        place(patron, record)
    with django_assert_max_num_queries(8):
        assert client.get("/reservationer/").status_code == 200


# --- Desk --------------------------------------------------------------------------------


def test_desk_hold_shelf_pick_list_and_slip(client, desk_staff_karlskoga):
    create_demo_network()
    staff_client(client, desk_staff_karlskoga, "KGA")
    record = RecordFactory(title="Gösta Berlings saga")
    item = ItemFactory(record=record)
    hold = place(PatronFactory(), record, pickup="KGA")
    with time_machine.travel(MONDAY, tick=False):
        hold_targeting.run_targeting(now=MONDAY)
        page = client.get("/staff/holds/pick-list/").content.decode()
        assert "Gösta Berlings saga" in page and item.barcode in page
        client.post("/staff/holds/pick-list/", {"hold": hold.pk, "action": "found"})
        hold.refresh_from_db()
        assert hold.state == Hold.State.ON_HOLD_SHELF
        shelf = client.get("/staff/holds/").content.decode()
        assert "Gösta Berlings saga" in shelf
        number = hold.patron.cards.get().number
        initials = f"{hold.patron.first_name[0]}.{hold.patron.last_name[0]}."
        assert f"{number[-4:]} {initials}" in shelf  # the shelf mark, not the card or the name
        assert number not in shelf and hold.patron.last_name not in shelf
        slip = client.get(f"/staff/holds/{hold.pk}/slip/").content.decode()
    card = hold.patron.cards.get().number
    assert card[-4:] in slip and card not in slip
    assert hold.patron.last_name not in slip  # Karlskoga prints no names


def test_desk_pick_list_not_on_shelf_marks_missing(client, desk_staff_karlskoga):
    create_demo_network()
    staff_client(client, desk_staff_karlskoga, "KGA")
    record = RecordFactory()
    item = ItemFactory(record=record)
    hold = place(PatronFactory(), record, pickup="KGA")
    with time_machine.travel(MONDAY, tick=False):
        hold_targeting.run_targeting(now=MONDAY)
        client.post("/staff/holds/pick-list/", {"hold": hold.pk, "action": "missing"})
    item.refresh_from_db()
    assert item.status == Item.Status.MISSING


def test_desk_places_a_hold_for_a_patron_and_reorders_the_queue(client, desk_staff_karlskoga):
    staff_client(client, desk_staff_karlskoga, "KGA")
    record = RecordFactory()
    copy = ItemFactory(record=record)
    first = place(PatronFactory(), record)
    patron = PatronFactory()
    response = client.post(
        "/staff/holds/place/",
        {"card": patron.cards.get().number, "title": copy.barcode, "pickup_library": lib("DEG").pk},
    )
    assert response.status_code == 302
    second = Hold.objects.get(patron=patron)
    assert second.requested_item == copy and second.pickup_library.code == "DEG"
    assert second.placed_by == desk_staff_karlskoga
    client.post(f"/staff/holds/title/{record.pk}/", {"hold": second.pk, "action": "top"})
    page = client.get(f"/staff/holds/title/{record.pk}/").content.decode()
    assert page.index(patron.last_name) < page.index(first.patron.last_name)
    client.post(f"/staff/holds/title/{record.pk}/", {"hold": first.pk, "action": "cancel"})
    first.refresh_from_db()
    assert first.state == Hold.State.CANCELLED
    bad = client.post("/staff/holds/place/", {"card": "nope", "title": "x", "pickup_library": "1"})
    assert bad.status_code == 200 and Hold.objects.count() == 2


# --- API ---------------------------------------------------------------------------------


def test_api_holds_list_filters_and_constant_queries(
    client, desk_staff_karlskoga, django_assert_num_queries
):
    staff_client(client, desk_staff_karlskoga, "KGA")

    def make(n):
        for _ in range(n):
            record = RecordFactory()
            ItemFactory(record=record)
            place(PatronFactory(), record, pickup="HFS")

    make(3)
    # user, count, page (the session and the staff roles are in Redis)
    with django_assert_num_queries(3) as few:
        data = client.get("/api/v1/holds/?pickup_library=HFS&active=true").json()
    assert data["count"] == 3 and data["results"][0]["position"] == 1
    make(30)
    with django_assert_num_queries(len(few.captured_queries)):
        data = client.get("/api/v1/holds/?state=waiting&limit=50").json()
    assert data["count"] == 33
    assert client.get("/api/v1/holds/?pickup_library=KGA").json()["count"] == 0


def test_api_place_cancel_suspend(client, desk_staff_karlskoga):
    staff_client(client, desk_staff_karlskoga, "KGA")
    record = RecordFactory()
    ItemFactory(record=record)
    patron = PatronFactory()
    created = client.post(
        "/api/v1/holds/",
        {"patron": patron.pk, "record": record.pk, "pickup_library": "kga"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    hold_id = created.json()["id"]
    again = client.post(
        "/api/v1/holds/",
        {"patron": patron.pk, "record": record.pk, "pickup_library": "KGA"},
        content_type="application/json",
    )
    assert again.status_code == 409 and again.json()["reason"] == "already_held"
    paused = client.post(
        f"/api/v1/holds/{hold_id}/suspend/",
        {"until": "2099-01-01"},
        content_type="application/json",
    )
    assert paused.json()["suspended_until"] == "2099-01-01"
    cancelled = client.post(f"/api/v1/holds/{hold_id}/cancel/")
    assert cancelled.json()["state"] == "cancelled"
    assert client.post(f"/api/v1/holds/{hold_id}/cancel/").status_code == 409


def test_api_is_for_staff_only(client):
    assert client.get("/api/v1/holds/").status_code in (401, 403)


def test_api_checkin_says_the_copy_was_caught_and_where_it_goes(client, desk_staff_karlskoga):
    create_demo_network()
    staff_client(client, desk_staff_karlskoga, "KGA")
    record = RecordFactory()
    item = LoanFactory(item__record=record).item
    hold = place(PatronFactory(home_library=lib("HFS")), record, pickup="HFS")
    with time_machine.travel(MONDAY + timedelta(hours=1), tick=False):
        data = client.post(
            "/api/v1/checkins/", {"barcode": item.barcode}, content_type="application/json"
        ).json()
    assert data["action"] == services.Action.HOLD_TRANSIT
    assert data["destination"] == "HFS"
    assert data["hold"] == {"id": hold.pk, "state": "in_transit", "pickup_library": "HFS"}


def test_hold_shelf_with_shelf_marks_costs_one_query(django_assert_num_queries):
    from circulation.holds import selectors as hold_selectors

    create_demo_network()
    kga = Library.objects.get(code="KGA")
    for _ in range(3):
        loan = LoanFactory()
        place(PatronFactory(), loan.item.record, pickup="KGA")
        services.check_in(barcode=loan.item.barcode, library=kga, staff=None, now=MONDAY)
    with django_assert_num_queries(1):
        shelf = hold_selectors.hold_shelf(kga)
        marks = [hold.shelf_mark for hold in shelf]
    assert len(marks) == 3 and all(len(mark.split()[0]) == 4 for mark in marks)
