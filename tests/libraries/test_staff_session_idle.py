"""Staff sessions live in Redis and end after SESSION_COOKIE_AGE without a request: every
request re-saves the session, which renews its expiry (real time: Redis expires the key)."""

import time

import pytest
from django.conf import settings as django_settings

from tests.conftest import staff_client

pytestmark = pytest.mark.django_db


def test_sessions_are_kept_in_redis():
    assert django_settings.SESSION_ENGINE == "django.contrib.sessions.backends.cache"


def test_a_staff_session_ends_when_idle_and_lives_on_while_used(
    client, desk_staff_karlskoga, settings
):
    settings.SESSION_COOKIE_AGE = 2
    desk = staff_client(client, desk_staff_karlskoga, "KGA")
    assert desk.get("/staff/").status_code == 200
    for _ in range(2):  # 2.4 s in all, but never 2 s without a request
        time.sleep(1.2)
        assert desk.get("/staff/").status_code == 200
    time.sleep(2.3)
    response = desk.get("/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")
