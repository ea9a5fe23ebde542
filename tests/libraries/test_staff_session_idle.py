"""Staff sessions live in Redis and end after SESSION_COOKIE_AGE without a request: a request
re-saves the session when it was last renewed more than a quarter of its age (at most a
minute) ago, which renews its expiry (real time: Redis expires the key). Requests in between
write nothing."""

import time

import pytest
from django.conf import settings as django_settings

from config.sessions import RENEWED_AT
from tests.conftest import staff_client

pytestmark = pytest.mark.django_db


def test_sessions_are_kept_in_redis(client, desk_staff_karlskoga):
    """In Redis (PostgreSQL only while Redis is down: tests/faults/test_redis_down.py)."""
    from django.contrib.sessions.backends.cache import SessionStore as CacheStore
    from django.contrib.sessions.models import Session

    assert django_settings.SESSION_ENGINE == "config.session_store"
    desk = staff_client(client, desk_staff_karlskoga, "KGA")
    assert CacheStore(desk.session.session_key).load()["working_library_id"]
    assert not Session.objects.exists()


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


def test_a_request_soon_after_the_last_renewal_writes_no_session(
    client, desk_staff_karlskoga, settings
):
    settings.SESSION_COOKIE_AGE = 3600  # renewed at most once a minute
    desk = staff_client(client, desk_staff_karlskoga, "KGA")
    first = desk.get("/staff/")
    renewed = desk.session.get(RENEWED_AT)
    assert first.status_code == 200 and renewed is not None
    again = desk.get("/staff/")
    assert again.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in again.cookies  # not saved, no new cookie
    assert desk.session.get(RENEWED_AT) == renewed
