from datetime import date

import pytest
import time_machine

from libraries.models import CalendarException, Library
from tests.conftest import staff_client

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 30)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel("2026-11-30 10:00 +01:00", tick=False):
        yield


def test_library_admin_closes_a_day_and_due_dates_see_it(client, admin_storfors):
    staff_client(client, admin_storfors, "STO")
    response = client.post(
        "/staff/calendar/",
        {"action": "exception", "date": "2026-12-08", "is_open": "0", "reason": "Inventering"},
    )
    assert response.status_code == 302
    sto = Library.objects.get(code="STO")
    exception = CalendarException.objects.get(library=sto)
    assert (exception.date, exception.is_open, exception.reason) == (
        date(2026, 12, 8),
        False,
        "Inventering",
    )
    from libraries.calendar import is_open

    assert not is_open(sto.calendar(), date(2026, 12, 8))
    page = client.get("/staff/calendar/").content.decode()
    assert "Inventering" in page and "Julafton" in page


def test_library_admin_changes_the_regular_week(client, admin_storfors):
    staff_client(client, admin_storfors, "STO")
    client.post("/staff/calendar/", {"action": "weekdays", "weekday": ["0", "2", "4"]})
    assert Library.objects.get(code="STO").open_weekdays == [0, 2, 4]


def test_a_library_must_open_some_day(client, admin_storfors):
    staff_client(client, admin_storfors, "STO")
    response = client.post("/staff/calendar/", {"action": "weekdays"})
    assert response.status_code == 400
    assert Library.objects.get(code="STO").open_weekdays == [0, 1, 2, 3, 4]


def test_a_bad_or_past_date_is_refused_and_nothing_saved(client, admin_storfors):
    staff_client(client, admin_storfors, "STO")
    bad = client.post("/staff/calendar/", {"action": "exception", "date": "30/12"})
    past = client.post("/staff/calendar/", {"action": "exception", "date": "2026-11-01"})
    assert bad.status_code == past.status_code == 400
    assert 'data-testid="calendar-error"' in past.content.decode()
    assert not CalendarException.objects.exists()


def test_removing_an_exception_only_touches_the_own_library(client, admin_storfors, libraries):
    other = CalendarException.objects.create(library=libraries["KGA"], date=date(2026, 12, 9))
    staff_client(client, admin_storfors, "STO")
    client.post("/staff/calendar/", {"action": "remove", "id": other.id})
    assert CalendarException.objects.filter(pk=other.pk).exists()


def test_desk_staff_may_not_edit_the_calendar(client, desk_staff_karlskoga):
    staff_client(client, desk_staff_karlskoga, "KGA")
    assert client.get("/staff/calendar/").status_code == 403
    response = client.post("/staff/calendar/", {"action": "weekdays", "weekday": ["0"]})
    assert response.status_code == 403
