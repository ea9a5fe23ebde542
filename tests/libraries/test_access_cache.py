"""A staff member's roles come from a per-thread copy (no Redis round trip and no query on most
requests) that follows every change: the thread that changes a role sees it at once, every
other thread and process within a second (the version key is checked at most once a second),
as for a deactivated user (tests/libraries/test_auth_backend.py)."""

from __future__ import annotations

import uuid

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from libraries import access
from libraries.models import StaffRole
from tests.conftest import staff_client

pytestmark = pytest.mark.django_db


def role_queries(desk, url: str = "/staff/") -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = desk.get(url)
    queries = sum('FROM "libraries_staffrole"' in q["sql"] for q in ctx.captured_queries)
    return response.status_code, queries


@pytest.fixture
def desk(client, desk_staff_karlskoga):
    desk = staff_client(client, desk_staff_karlskoga, "KGA")
    access.reset_access()  # as after the commit that created the role: nothing pending
    return desk


def test_the_roles_are_loaded_once_per_thread_not_per_request(desk):
    assert role_queries(desk) == (200, 1)
    assert role_queries(desk) == (200, 0)
    assert role_queries(desk) == (200, 0)


def test_a_revoked_role_is_refused_at_the_next_request(desk, desk_staff_karlskoga):
    assert role_queries(desk) == (200, 1)
    StaffRole.objects.filter(user=desk_staff_karlskoga).get().delete()
    assert desk.get("/staff/").status_code == 403


def test_other_processes_see_a_change_within_a_second(desk_staff_karlskoga, monkeypatch):
    access.reset_access()
    assert access.cached_access(desk_staff_karlskoga).has(StaffRole.Role.DESK, _kga())
    # Another process revokes the role and commits: the row is gone and the version moves
    # (a raw delete here sends no signal, so this thread knows nothing of it).
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM libraries_staffrole WHERE user_id = %s", [desk_staff_karlskoga.pk]
        )
    cache.set(access.ACCESS_VERSION_KEY, uuid.uuid4().hex, timeout=None)
    # The version was checked less than a second ago: the copy is still used ...
    assert access.cached_access(desk_staff_karlskoga).has(StaffRole.Role.DESK, _kga())
    # ... and once a second has passed, the next request checks it and loads the roles again.
    monkeypatch.setattr(access._known, "check_every", 0.0)
    assert not access.cached_access(desk_staff_karlskoga).is_staff


def test_a_change_not_committed_is_kept_by_no_one(desk_staff_karlskoga):
    access.reset_access()
    assert access.cached_access(desk_staff_karlskoga).is_staff
    role = StaffRole.objects.get(user=desk_staff_karlskoga)
    role.delete()  # in this test's transaction, never committed
    assert not access.cached_access(desk_staff_karlskoga).is_staff
    assert access._known._local.copy is None  # nothing kept that a rollback would make wrong


def _kga():
    from libraries.models import Library

    return Library.objects.get(code="KGA")
