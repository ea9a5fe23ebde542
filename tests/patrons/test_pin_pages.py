"""The staff PIN pages over HTTP: "Unlock the login" lifts an OPAC lockout, "Set PIN" sets a new
PIN (and lifts the lockout too); a bad PIN is refused with a reason and changes nothing; the PIN
never appears in a URL or page."""

from __future__ import annotations

import pytest
from django.utils import timezone

from patrons.models import Patron
from patrons.opac_auth import LoginRefused, authenticate_patron
from tests.conftest import staff_client
from tests.patrons.factories import TEST_PIN, card_of

pytestmark = pytest.mark.django_db


def login(patron: Patron, pin: str) -> str:
    try:
        authenticate_patron(card_number=card_of(patron), pin=pin, now=timezone.now())
    except LoginRefused as refused:
        return refused.reason
    return "ok"


def lock_for_staff(patron: Patron) -> None:
    for _ in range(10):
        Patron.objects.filter(pk=patron.pk).update(pin_locked_until=None)  # no waiting between
        assert login(patron, "0000") in ("invalid", "locked", "locked_staff")
    patron.refresh_from_db()
    assert patron.pin_locked_for_staff and login(patron, TEST_PIN) == "locked_staff"


@pytest.fixture
def desk(client, desk_staff_karlskoga):
    return staff_client(client, desk_staff_karlskoga, "KGA")


def test_unlock_the_login_from_the_patron_page(desk, adult_patron):
    lock_for_staff(adult_patron)
    page = desk.get(f"/staff/patrons/{adult_patron.pk}/").content.decode()
    assert "spärrad efter för många felaktiga PIN-koder" in page
    assert f"/staff/patrons/{adult_patron.pk}/unlock/" in page
    response = desk.post(f"/staff/patrons/{adult_patron.pk}/unlock/", follow=True)
    assert response.redirect_chain[-1][0] == f"/staff/patrons/{adult_patron.pk}/"
    page = response.content.decode()
    assert "Kontot är upplåst." in page
    assert f"/staff/patrons/{adult_patron.pk}/unlock/" not in page
    adult_patron.refresh_from_db()
    assert adult_patron.pin_failures == 0 and not adult_patron.pin_locked_for_staff
    assert login(adult_patron, TEST_PIN) == "ok"


def test_set_pin_sets_it_and_lifts_the_lockout(desk, adult_patron):
    lock_for_staff(adult_patron)
    response = desk.post(f"/staff/patrons/{adult_patron.pk}/pin/", {"pin": "97531"}, follow=True)
    assert response.redirect_chain[-1][0] == f"/staff/patrons/{adult_patron.pk}/"
    page = response.content.decode()
    assert "PIN-koden är satt." in page and "97531" not in page
    assert login(adult_patron, "97531") == "ok"
    assert login(adult_patron, TEST_PIN) == "invalid"


@pytest.mark.parametrize("pin", ["12", "abcd", "123456789", ""])
def test_a_bad_pin_is_refused_and_changes_nothing(desk, adult_patron, pin):
    before = Patron.objects.get(pk=adult_patron.pk).pin_hash
    response = desk.post(f"/staff/patrons/{adult_patron.pk}/pin/", {"pin": pin}, follow=True)
    assert "En PIN-kod har 4 till 8 siffror." in response.content.decode()
    assert Patron.objects.get(pk=adult_patron.pk).pin_hash == before
    assert login(adult_patron, TEST_PIN) == "ok"


def test_pin_pages_are_post_only_and_for_staff(client, desk, adult_patron):
    assert desk.get(f"/staff/patrons/{adult_patron.pk}/pin/").status_code == 405
    assert desk.get(f"/staff/patrons/{adult_patron.pk}/unlock/").status_code == 405
    assert desk.post("/staff/patrons/999999999/pin/", {"pin": "2468"}).status_code == 404
    desk.logout()
    response = client.post(f"/staff/patrons/{adult_patron.pk}/pin/", {"pin": "97531"})
    assert response.status_code == 302 and "/login" in response["Location"]
    assert login(adult_patron, "97531") == "invalid"
