"""Every staff read of a patron record is written to the access log: the API's look-up by card and
list (one row per patron shown, one INSERT), and the desk checkout's patron summary (once per
checkout session, not on every item scan)."""

from __future__ import annotations

import pytest

from libraries.models import Library
from patrons.models import PatronAccess
from tests.circulation.factories import ItemFactory
from tests.conftest import staff_client
from tests.patrons.factories import PatronFactory, card_of

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def desk(client, desk_staff_karlskoga):
    return staff_client(client, desk_staff_karlskoga, "KGA")


def log_of(patron):
    return list(PatronAccess.objects.filter(patron=patron).select_related("staff", "library"))


def test_api_lookup_by_card_is_logged(desk, desk_staff_karlskoga, adult_patron):
    response = desk.get(f"/api/v1/patrons/by-card/{card_of(adult_patron)}/")
    assert response.status_code == 200
    [entry] = log_of(adult_patron)
    assert entry.action == PatronAccess.Action.API
    assert entry.staff == desk_staff_karlskoga
    assert entry.library == Library.objects.get(code="KGA")


def test_api_lookup_of_an_unknown_card_logs_nothing(desk):
    assert desk.get("/api/v1/patrons/by-card/00000000/").status_code == 404
    assert PatronAccess.objects.count() == 0


def test_api_list_logs_each_patron_it_returns(desk, desk_staff_karlskoga, adult_patron):
    other = PatronFactory(last_name="Åkesson")
    stranger = PatronFactory(last_name="Lindqvist")
    response = desk.get("/api/v1/patrons/", {"name": "Åkesson"})
    assert response.json()["count"] == 2
    assert {e.action for e in log_of(adult_patron) + log_of(other)} == {PatronAccess.Action.API}
    assert len(log_of(adult_patron)) == len(log_of(other)) == 1
    assert log_of(stranger) == []
    desk.get("/api/v1/patrons/", {"card": card_of(stranger)})
    [entry] = log_of(stranger)
    assert entry.staff == desk_staff_karlskoga and entry.library.code == "KGA"


def test_api_list_with_no_match_logs_nothing(desk, adult_patron):
    assert desk.get("/api/v1/patrons/", {"name": "Ingen Alls"}).json()["count"] == 0
    assert PatronAccess.objects.count() == 0


def test_api_list_logs_in_one_statement(desk, django_assert_max_num_queries):
    PatronFactory.create_batch(2)
    desk.get("/api/v1/patrons/")
    with django_assert_max_num_queries(9) as few:
        desk.get("/api/v1/patrons/")
    PatronFactory.create_batch(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(desk.get("/api/v1/patrons/").json()["results"]) == 22
    inserts = [q for q in few.captured_queries if "patrons_patronaccess" in q["sql"]]
    assert len(inserts) == 1 and inserts[0]["sql"].startswith("INSERT")


def test_checkout_card_scan_logs_once_and_item_scans_do_not(
    desk, desk_staff_karlskoga, adult_patron
):
    response = desk.post("/staff/circulation/checkout/", {"card": card_of(adult_patron)})
    assert response.status_code == 302
    [entry] = log_of(adult_patron)
    assert entry.action == PatronAccess.Action.VIEW and entry.staff == desk_staff_karlskoga
    url = response["Location"]
    desk.get(url)  # the summary of the session just opened
    desk.post(url, {"barcode": ItemFactory().barcode}, **HTMX)
    desk.post(url, {"barcode": ItemFactory().barcode})  # without JS: post, redirect, get
    desk.get(url)
    assert len(log_of(adult_patron)) == 1
    desk.post("/staff/circulation/checkout/", {"card": card_of(adult_patron)})
    assert len(log_of(adult_patron)) == 2  # the next visit is a new session


def test_checkout_opened_from_a_link_logs_once(desk, adult_patron):
    url = f"/staff/circulation/checkout/{adult_patron.pk}/"
    desk.get(url)
    desk.get(url)
    assert len(log_of(adult_patron)) == 1


def test_an_unknown_card_at_checkout_logs_nothing(desk):
    desk.post("/staff/circulation/checkout/", {"card": "00000000"})
    assert PatronAccess.objects.count() == 0
