"""The staff patron page lists the patron's active holds (title, pickup library, state, place in
the queue, pickup deadline) and lets desk staff cancel, pause and resume them."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from circulation.holds import services as hold_services
from circulation.holds import targeting as hold_targeting
from circulation.holds.models import Hold
from libraries.models import Library
from tests.circulation.factories import ItemFactory, PatronFactory, RecordFactory
from tests.conftest import staff_client
from transport.demo import create_demo_network

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Europe/Stockholm")
MONDAY = datetime(2025, 3, 10, 10, 15, tzinfo=TZ)


def place(patron, record, pickup="KGA"):
    return hold_services.place_hold(
        patron=patron,
        record=record,
        pickup_library=Library.objects.get(code=pickup),
        now=MONDAY,
    )


@pytest.fixture
def desk(client, desk_staff_karlskoga):
    return staff_client(client, desk_staff_karlskoga, "KGA")


def test_patron_page_shows_active_holds_with_position_pickup_and_deadline(desk):
    create_demo_network()
    patron = PatronFactory()
    queued = RecordFactory(title="Doktor Glas")
    ItemFactory(record=queued)
    place(PatronFactory(), queued)  # somebody is first in line
    place(patron, queued, pickup="HFS")
    ready = RecordFactory(title="Hemsöborna")
    ItemFactory(record=ready)
    ready_hold = place(patron, ready)
    cancelled = RecordFactory(title="Fröken Julie")
    ItemFactory(record=cancelled)
    hold_services.cancel_hold(hold=place(patron, cancelled), now=MONDAY)
    other = RecordFactory(title="Kallocain")
    ItemFactory(record=other)
    place(PatronFactory(), other)  # another patron's hold
    with time_machine.travel(MONDAY, tick=False):
        hold_targeting.run_targeting(now=MONDAY)
        hold_services.mark_found(
            hold=ready_hold, library=Library.objects.get(code="KGA"), staff=None, now=MONDAY
        )
        page = desk.get(f"/staff/patrons/{patron.pk}/").content.decode()
    ready_hold.refresh_from_db()
    assert 'data-testid="account-holds"' in page
    assert page.count('data-testid="patron-hold-row"') == 2
    assert "Doktor Glas" in page and "Hällefors" in page
    assert "Nummer 2 i kön" in page
    assert "Hemsöborna" in page
    assert f"Hämtas senast {ready_hold.pickup_deadline:%Y-%m-%d}" in page
    assert "Fröken Julie" not in page and "Kallocain" not in page


def test_staff_cancel_a_hold_from_the_patron_page(desk):
    patron = PatronFactory()
    record = RecordFactory()
    ItemFactory(record=record)
    hold = place(patron, record)
    response = desk.post(f"/staff/holds/{hold.pk}/cancel/")
    assert response.status_code == 302
    assert response["Location"] == f"/staff/patrons/{patron.pk}/"
    hold.refresh_from_db()
    assert hold.state == Hold.State.CANCELLED and hold.cancel_reason == "staff"
    again = desk.post(f"/staff/holds/{hold.pk}/cancel/", follow=True).content.decode()
    assert "Reservationen är inte längre aktiv." in again
    assert desk.get(f"/staff/holds/{hold.pk}/cancel/").status_code == 405


def test_staff_pause_and_resume_a_hold_from_the_patron_page(desk):
    patron = PatronFactory()
    record = RecordFactory()
    ItemFactory(record=record)
    hold = place(patron, record)
    desk.post(f"/staff/holds/{hold.pk}/suspend/", {"until": "2099-04-01"})
    hold.refresh_from_db()
    assert hold.suspended_until.isoformat() == "2099-04-01"
    page = desk.get(f"/staff/patrons/{patron.pk}/").content.decode()
    assert "Pausad till 2099-04-01" in page and "Återuppta" in page
    desk.post(f"/staff/holds/{hold.pk}/suspend/", {"until": ""})
    hold.refresh_from_db()
    assert hold.suspended_until is None
    bad = desk.post(f"/staff/holds/{hold.pk}/suspend/", {"until": "1 april"}, follow=True)
    assert "ÅÅÅÅ-MM-DD" in bad.content.decode()
    hold.refresh_from_db()
    assert hold.suspended_until is None


def test_hold_actions_need_desk_staff(client):
    record = RecordFactory()
    ItemFactory(record=record)
    hold = place(PatronFactory(), record)
    response = client.post(f"/staff/holds/{hold.pk}/cancel/")
    assert response.status_code in (302, 403)
    hold.refresh_from_db()
    assert hold.state == Hold.State.WAITING


def test_patron_page_query_count_does_not_grow_with_holds(desk, django_assert_max_num_queries):
    patron = PatronFactory()
    desk.get(f"/staff/patrons/{patron.pk}/")
    with django_assert_max_num_queries(20) as few:
        desk.get(f"/staff/patrons/{patron.pk}/")
    for _ in range(8):
        record = RecordFactory()
        ItemFactory(record=record)
        place(patron, record)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = desk.get(f"/staff/patrons/{patron.pk}/").content.decode()
    assert page.count('data-testid="patron-hold-row"') == 8
