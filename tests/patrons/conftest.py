"""Patron personas."""

from __future__ import annotations

from datetime import date

import pytest

from libraries.models import Library
from patrons.models import PatronCategory
from tests.patrons.factories import PatronFactory


@pytest.fixture(autouse=True)
def _fast_hashers(settings):
    """PBKDF2 is slow on purpose; tests hash with MD5 (the app uses Django's default)."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


@pytest.fixture
def adult_patron(db):
    return PatronFactory(first_name="Anna", last_name="Åkesson", personnummer="198112189876")


@pytest.fixture
def other_patron(db):
    return PatronFactory(first_name="Björn", last_name="Märak")


@pytest.fixture
def child_patron(db, adult_patron):
    return PatronFactory(
        first_name="Elsa",
        last_name="Åkesson",
        birth_date=date(2017, 5, 20),
        category=PatronCategory.objects.get(code="CHILD"),
        guardian=adult_patron,
        home_library=Library.objects.get(code="DEG"),
    )
