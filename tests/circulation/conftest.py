"""Circulation personas: a fixed 'now', patrons of each kind, items, the common rules."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from catalog.models import ItemType
from libraries.models import StaffRole
from patrons.models import PatronCategory
from tests.circulation.factories import ItemFactory, PatronFactory
from tests.conftest import make_staff

STHLM = ZoneInfo("Europe/Stockholm")


@pytest.fixture
def now() -> datetime:
    """Wednesday 12 March 2025, noon in Sweden: every library is open."""
    return datetime(2025, 3, 12, 12, 0, tzinfo=STHLM)


@pytest.fixture
def kga(libraries):
    return libraries["KGA"]


@pytest.fixture
def adult_patron(db):
    return PatronFactory(first_name="Astrid", category=PatronCategory.objects.get(code="ADULT"))


@pytest.fixture
def child_patron(db):
    return PatronFactory(first_name="Pippi", category=PatronCategory.objects.get(code="CHILD"))


@pytest.fixture
def book(db):
    return ItemFactory(item_type=ItemType.objects.get(code="BOOK"))


@pytest.fixture
def dvd(db):
    return ItemFactory(item_type=ItemType.objects.get(code="DVD"))


@pytest.fixture
def admin_karlskoga(db):
    return make_staff("admin_kga", ("KGA", StaffRole.Role.LIBRARY_ADMIN))
