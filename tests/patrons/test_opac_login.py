"""OPAC login: wrong PIN and unknown card look the same; the lockout counter is shared."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from patrons.models import Patron
from patrons.opac_auth import LoginRefused, authenticate_patron
from patrons.services import replace_card, set_pin, unlock_pin
from tests.patrons.factories import TEST_PIN, PatronFactory, card_of, next_card_number

ROOT = Path(__file__).resolve().parents[2]


def attempt(card: str, pin: str, now=None) -> str:
    try:
        authenticate_patron(card_number=card, pin=pin, now=now or timezone.now())
    except LoginRefused as refused:
        return refused.reason
    return "ok"


@pytest.mark.django_db
def test_right_pin_logs_in_and_resets_the_counter(adult_patron):
    card = card_of(adult_patron)
    assert attempt(card, "0000") == "invalid"
    assert attempt(card, TEST_PIN) == "ok"
    adult_patron.refresh_from_db()
    assert adult_patron.pin_failures == 0 and adult_patron.last_activity_at is not None


@pytest.mark.django_db
def test_wrong_pin_and_unknown_card_give_the_same_answer(adult_patron):
    wrong_pin = pytest.raises(LoginRefused)
    with wrong_pin as first:
        authenticate_patron(card_number=card_of(adult_patron), pin="0000", now=timezone.now())
    with pytest.raises(LoginRefused) as second:
        authenticate_patron(card_number=next_card_number(), pin="0000", now=timezone.now())
    assert (first.value.reason, str(first.value.message)) == (
        second.value.reason,
        str(second.value.message),
    )


@pytest.mark.django_db
def test_unknown_card_locks_like_a_real_one():
    unknown = next_card_number()
    reasons = [attempt(unknown, "0000") for _ in range(6)]
    assert reasons == ["invalid"] * 5 + ["locked"]


@pytest.mark.django_db
def test_five_failures_lock_for_fifteen_minutes_ten_until_staff_unlock(adult_patron):
    card = card_of(adult_patron)
    now = timezone.now()
    assert [attempt(card, "0000", now) for _ in range(5)] == ["invalid"] * 5
    assert attempt(card, TEST_PIN, now) == "locked"  # even the right PIN
    assert attempt(card, TEST_PIN, now + timedelta(minutes=14)) == "locked"
    later = now + timedelta(minutes=16)
    assert attempt(card, "0000", later) == "invalid"  # 6th failure: locked again
    assert attempt(card, TEST_PIN, later + timedelta(minutes=1)) == "locked"
    for minutes in (40, 60, 80, 100):
        assert attempt(card, "0000", now + timedelta(minutes=minutes)) == "invalid"
    adult_patron.refresh_from_db()
    assert adult_patron.pin_failures == 10 and adult_patron.pin_locked_for_staff
    assert attempt(card, TEST_PIN, now + timedelta(days=30)) == "locked_staff"
    unlock_pin(patron=adult_patron)
    assert attempt(card, TEST_PIN, now + timedelta(days=30)) == "ok"


@pytest.mark.django_db
def test_a_pin_reset_lifts_the_lock(adult_patron):
    card = card_of(adult_patron)
    for _ in range(10):
        attempt(card, "0000")
    set_pin(patron=adult_patron, pin="97531")
    assert attempt(card, "97531") == "ok"


@pytest.mark.django_db
def test_a_replaced_card_no_longer_logs_in(adult_patron):
    old = card_of(adult_patron)
    replace_card(patron=adult_patron, new_number=next_card_number(), now=timezone.now())
    assert attempt(old, TEST_PIN) == "invalid"
    assert attempt(card_of(adult_patron), TEST_PIN) == "ok"


def _other_process(*cards: str) -> list[str]:
    """Run login attempts in a separate Python process against the same database and Redis."""
    from config.dburl import url_from_database

    env = dict(os.environ)
    env["DATABASE_URL"] = url_from_database(connection.settings_dict)
    code = (
        "from django.utils import timezone\n"
        "from patrons.opac_auth import LoginRefused, authenticate_patron\n"
        f"for card in {list(cards)!r}:\n"
        "    try:\n"
        "        authenticate_patron(card_number=card, pin='0000', now=timezone.now())\n"
        "    except LoginRefused as e:\n"
        "        print('RESULT', e.reason)\n"
    )
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return [line.split()[1] for line in done.stdout.splitlines() if line.startswith("RESULT")]


@pytest.mark.django_db(transaction=True)
def test_lockout_counter_is_shared_by_two_processes():
    patron = PatronFactory()
    card = card_of(patron)
    unknown = next_card_number()
    assert _other_process(card, card, card) == ["invalid"] * 3
    assert Patron.objects.get(pk=patron.pk).pin_failures == 3
    assert attempt(card, "0000") == "invalid"
    assert attempt(card, "0000") == "invalid"  # the 5th failure, counting the other process's
    # Locked here, and the other process sees the lock too.
    assert attempt(card, TEST_PIN) == "locked"
    # ... and unknown card numbers share their counter through Redis the same way.
    assert _other_process(card, *[unknown] * 4) == ["locked"] + ["invalid"] * 4
    assert attempt(unknown, "0000") == "invalid"
    assert attempt(unknown, "0000") == "locked"
