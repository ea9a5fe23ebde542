"""The OPAC account: login, session rotation and idle timeout, My account, and that patron A
never sees patron B's data."""

from __future__ import annotations

import json
import time

import pytest
from django.contrib.auth.hashers import check_password

from patrons.opac_auth import SESSION_SEEN
from tests.patrons.factories import TEST_PIN, PatronFactory, card_of

pytestmark = pytest.mark.django_db


def log_in(client, patron, pin=TEST_PIN):
    return client.post("/konto/logga-in/", {"card_number": card_of(patron), "pin": pin})


def test_login_rotates_the_session_and_logout_ends_it(client, adult_patron):
    client.get("/konto/logga-in/")
    client.session.save()
    before = client.session.session_key
    response = log_in(client, adult_patron)
    assert response["Location"] == "/konto/"
    assert client.session.session_key != before
    assert "Åkesson" in client.get("/konto/").content.decode()
    client.post("/konto/logga-ut/")
    assert client.get("/konto/")["Location"].startswith("/konto/logga-in/")


def test_wrong_pin_and_unknown_card_show_the_same_page(client, adult_patron):
    wrong = client.post("/konto/logga-in/", {"card_number": card_of(adult_patron), "pin": "0000"})
    unknown = client.post("/konto/logga-in/", {"card_number": "1000000008", "pin": "0000"})
    assert wrong.status_code == unknown.status_code == 200

    def message(response):
        return response.content.decode().split('class="errorlist')[1].split("</ul>")[0]

    assert message(wrong) == message(unknown)


def test_idle_session_times_out(client, adult_patron, settings):
    log_in(client, adult_patron)
    session = client.session
    session[SESSION_SEEN] = time.time() - settings.GRANSLOS["OPAC_IDLE_SECONDS"] - 1
    session.save()
    assert client.get("/konto/").status_code == 302


def test_patron_changes_contact_details_and_loan_history(client, adult_patron):
    log_in(client, adult_patron)
    response = client.post(
        "/konto/uppgifter/",
        {
            "email": "anna@example.se",
            "phone": "070-111",
            "preferred_language": "en",
            "notice_channel": "sms",
            "keeps_loan_history": "on",
        },
    )
    assert response.status_code == 302
    adult_patron.refresh_from_db()
    assert adult_patron.notice_channel == "sms" and adult_patron.keeps_loan_history
    assert adult_patron.preferred_language == "en"


def test_email_with_spaces_is_refused(client, adult_patron):
    log_in(client, adult_patron)
    response = client.post(
        "/konto/uppgifter/",
        {"email": "anna @example.se", "preferred_language": "sv", "notice_channel": "email"},
        HTTP_ACCEPT_LANGUAGE="sv",
    )
    assert response.status_code == 400
    adult_patron.refresh_from_db()
    assert adult_patron.email != "anna @example.se"


def test_change_pin_needs_the_current_pin_and_digits(client, adult_patron):
    log_in(client, adult_patron)
    assert client.post("/konto/pin/", {"current_pin": "0000", "new_pin": "5555"}).status_code == 400
    assert (
        client.post("/konto/pin/", {"current_pin": TEST_PIN, "new_pin": "abcd"}).status_code == 400
    )
    response = client.post("/konto/pin/", {"current_pin": TEST_PIN, "new_pin": "5555"})
    assert response.status_code == 302
    adult_patron.refresh_from_db()
    assert check_password("5555", adult_patron.pin_hash)
    assert client.get("/konto/").status_code == 200  # this session stays


def test_a_pin_reset_by_staff_ends_other_sessions(client, adult_patron):
    from patrons.services import set_pin

    log_in(client, adult_patron)
    set_pin(patron=adult_patron, pin="9999")
    assert client.get("/konto/").status_code == 302


def test_my_data_download_is_only_mine(client, adult_patron, other_patron):
    log_in(client, adult_patron)
    response = client.get("/konto/mina-uppgifter.json")
    data = json.loads(response.content)
    assert data["patron"]["personnummer"] == "19811218-9876"
    assert data["cards"][0]["number"] == card_of(adult_patron)
    assert "pin_hash" not in response.content.decode()


def test_patron_a_cannot_see_patron_b(client, adult_patron, other_patron):
    """No OPAC page takes a patron id; staff pages and the API refuse a patron's session."""
    log_in(client, adult_patron)
    b_markers = [other_patron.first_name, other_patron.email, card_of(other_patron)]
    for url in ("/konto/", "/konto/mina-uppgifter.json", f"/konto/?patron={other_patron.pk}"):
        body = client.get(url).content.decode()
        assert not any(marker in body for marker in b_markers), url
    for url in (f"/konto/{other_patron.pk}/", f"/konto/mina-uppgifter.json/{other_patron.pk}"):
        assert client.get(url).status_code == 404, url
    assert client.get(f"/staff/patrons/{other_patron.pk}/").status_code == 302  # staff login
    for url in ("/api/v1/patrons/", f"/api/v1/patrons/{other_patron.pk}/"):
        response = client.get(url)
        assert response.status_code in {401, 403}, url
        assert other_patron.first_name not in response.content.decode()


def test_account_page_query_count(client, adult_patron, django_assert_max_num_queries):
    log_in(client, adult_patron)
    with django_assert_max_num_queries(6):
        client.get("/konto/")
    PatronFactory.create_batch(5)
    with django_assert_max_num_queries(6):
        client.get("/konto/")
