"""The logged-in user comes from a per-process copy (no query per request) that follows every
change to users: a deactivated user is logged out at the next request, and a changed password
ends the other sessions, as with Django's own backend."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from libraries import auth_backend
from tests.conftest import staff_client

pytestmark = pytest.mark.django_db


def user_queries(desk, url: str = "/staff/") -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = desk.get(url)
    return response.status_code, sum('FROM "auth_user"' in q["sql"] for q in ctx.captured_queries)


@pytest.fixture
def desk(client, desk_staff_karlskoga):
    desk = staff_client(client, desk_staff_karlskoga, "KGA")
    auth_backend.reset()  # as after the commit that created the user: nothing pending
    return desk


def test_the_user_is_loaded_once_per_process_not_per_request(desk):
    assert user_queries(desk) == (200, 1)
    assert user_queries(desk) == (200, 0)
    assert user_queries(desk) == (200, 0)


def test_a_deactivated_user_is_logged_out_at_the_next_request(desk, desk_staff_karlskoga):
    assert user_queries(desk) == (200, 1)
    desk_staff_karlskoga.is_active = False
    desk_staff_karlskoga.save(update_fields=["is_active"])
    response = desk.get("/staff/")
    assert response.status_code == 302 and response["Location"].startswith("/staff/login/")


def test_a_changed_password_ends_the_session(desk, desk_staff_karlskoga):
    assert user_queries(desk) == (200, 1)
    desk_staff_karlskoga.set_password("a-new-password-456")
    desk_staff_karlskoga.save(update_fields=["password"])
    response = desk.get("/staff/")
    assert response.status_code == 302 and response["Location"].startswith("/staff/login/")


def test_each_request_gets_its_own_copy(desk, desk_staff_karlskoga):
    backend = auth_backend.CachedModelBackend()
    first = backend.get_user(desk_staff_karlskoga.pk)
    first.first_name = "Changed by a view"
    assert backend.get_user(desk_staff_karlskoga.pk).first_name != "Changed by a view"
    assert backend.get_user(10**9) is None
