"""Notice fixtures: loans due on Friday 7 March 2025 at Karlskoga, patrons with contacts."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from catalog.models import Item
from tests.circulation.factories import ItemFactory, LoanFactory, PatronFactory, RecordFactory

STHLM = ZoneInfo("Europe/Stockholm")
DUE_DAY = date(2025, 3, 7)


def at(day: date, hour: int = 2) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=STHLM)


def due_loan(patron, *, title: str = "Titel", due_day: date = DUE_DAY, price=250, **kwargs):
    item = ItemFactory(record=RecordFactory(title=title), status=Item.Status.ON_LOAN, price=price)
    return LoanFactory(
        item=item,
        patron=patron,
        checked_out_at=at(date(2025, 2, 7), 12),
        due_at=datetime.combine(due_day, time(23, 59, 59), tzinfo=STHLM),
        **kwargs,
    )


@pytest.fixture
def emailed(db):
    return PatronFactory(first_name="Astrid", email="astrid@example.org")


@pytest.fixture
def texted(db):
    return PatronFactory(first_name="Sven", phone="0701234567", notice_channel="sms")


@pytest.fixture
def lettered(db):
    return PatronFactory(
        first_name="Greta",
        notice_channel="letter",
        street="Storgatan 1",
        postal_code="69131",
        city="Karlskoga",
    )
