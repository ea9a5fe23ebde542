"""Brute force: a per-client throttle (Redis, fails open) and PIN failures counted while locked
(issue 12, item 7)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone

from libraries import throttle
from patrons.models import Patron
from patrons.opac_auth import LoginRefused, authenticate_patron
from tests.conftest import staff_client
from tests.patrons.factories import TEST_PIN, card_of, next_card_number


def attempt(card: str, pin: str, now=None) -> str:
    try:
        authenticate_patron(card_number=card, pin=pin, now=now or timezone.now())
    except LoginRefused as refused:
        return refused.reason
    return "ok"


@pytest.mark.django_db
def test_wrong_pins_while_locked_are_counted(adult_patron):
    card, now = card_of(adult_patron), timezone.now()
    assert [attempt(card, "0000", now) for _ in range(5)] == ["invalid"] * 5
    # Locked now: five more guesses in the 15 minutes are answered "locked" and counted.
    assert [attempt(card, "0000", now) for _ in range(5)] == ["locked"] * 5
    adult_patron.refresh_from_db()
    assert adult_patron.pin_failures == 10 and adult_patron.pin_locked_for_staff
    assert attempt(card, TEST_PIN, now + timedelta(hours=1)) == "locked_staff"


@pytest.mark.django_db
def test_a_right_pin_while_locked_is_refused_and_not_counted(adult_patron):
    card, now = card_of(adult_patron), timezone.now()
    for _ in range(5):
        attempt(card, "0000", now)
    assert attempt(card, TEST_PIN, now) == "locked"
    adult_patron.refresh_from_db()
    assert adult_patron.pin_failures == 5
    assert attempt(card, TEST_PIN, now + timedelta(minutes=16)) == "ok"


@pytest.mark.django_db
def test_one_client_cannot_try_pins_on_many_cards(client, monkeypatch, adult_patron):
    monkeypatch.setattr(throttle, "OPAC_LOGIN", throttle.Throttle("opac-login", 3, 900))
    for _ in range(3):
        response = client.post(
            "/konto/logga-in/", {"card_number": next_card_number(), "pin": "0000"}
        )
        assert response.status_code == 200  # the form again: wrong card or PIN
    refused = client.post(
        "/konto/logga-in/", {"card_number": card_of(adult_patron), "pin": TEST_PIN}
    )
    assert refused.status_code == 429
    assert Patron.objects.get(pk=adult_patron.pk).pin_failures == 0  # the card was not tried
    # Another client is not affected.
    other = client.post(
        "/konto/logga-in/",
        {"card_number": card_of(adult_patron), "pin": TEST_PIN},
        REMOTE_ADDR="10.1.2.3",
    )
    assert other.status_code == 302


@pytest.mark.django_db
def test_a_forged_forwarded_for_does_not_escape_the_throttle(client, monkeypatch):
    monkeypatch.setattr(throttle, "OPAC_LOGIN", throttle.Throttle("opac-login", 2, 900))
    answers = [
        client.post(
            "/konto/logga-in/",
            {"card_number": next_card_number(), "pin": "0000"},
            HTTP_X_FORWARDED_FOR=f"10.0.0.{n}",
        ).status_code
        for n in range(3)
    ]
    assert answers == [200, 200, 429]


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "1.1.1.1", "9.9.9.9"),  # no proxy configured: the header is the client's own words
        (1, "1.1.1.1", "1.1.1.1"),
        (1, "6.6.6.6, 1.1.1.1", "1.1.1.1"),  # the client forged the left entry
        (2, "6.6.6.6, 1.1.1.1, 10.0.0.2", "1.1.1.1"),
        (2, "", "9.9.9.9"),
    ],
)
def test_client_address_trusts_only_the_configured_proxies(settings, proxies, forwarded, expected):
    settings.GRANSLOS = {**settings.GRANSLOS, "TRUSTED_PROXIES": proxies}
    request = RequestFactory().get("/", REMOTE_ADDR="9.9.9.9", HTTP_X_FORWARDED_FOR=forwarded)
    assert throttle.client_address(request) == expected


@pytest.mark.django_db
def test_card_lookups_are_throttled_per_staff_account(client, monkeypatch, desk_staff_karlskoga):
    monkeypatch.setattr(throttle, "CARD_LOOKUP", throttle.Throttle("card-lookup", 2, 60))
    staff_client(client, desk_staff_karlskoga, "KGA")
    codes = [
        client.get(f"/api/v1/patrons/by-card/{next_card_number()}/").status_code for _ in range(3)
    ]
    assert codes == [404, 404, 429]


@pytest.mark.django_db
def test_with_redis_down_the_throttle_fails_open_and_the_card_lock_holds(settings, adult_patron):
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.2},
        }
    }
    assert throttle.allow(throttle.OPAC_LOGIN, "1.2.3.4")
    card, now = card_of(adult_patron), timezone.now()
    assert [attempt(card, "0000", now) for _ in range(6)] == ["invalid"] * 5 + ["locked"]
    assert attempt(next_card_number(), "0000", now) == "invalid"  # unknown card: no 500
