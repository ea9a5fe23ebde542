"""Statistics fixtures: events written through the one writer, at chosen moments."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from events import services as events
from events.models import Kind
from libraries.models import Library
from tests.circulation.factories import ItemFactory, PatronFactory

TZ = ZoneInfo("Europe/Stockholm")


def lib(code: str) -> Library:
    return Library.objects.get(code=code)


def at(day: int, hour: int = 12, month: int = 3) -> datetime:
    return datetime(2025, month, day, hour, 0, tzinfo=TZ)


@pytest.fixture
def history(db):
    """A small known history in March 2025 (see the counts the tests assert)."""
    kga, sto, khm, bus = lib("KGA"), lib("STO"), lib("KHM"), lib("BUS")
    adult = PatronFactory(home_library=kga, birth_year=1980)
    child = PatronFactory(home_library=sto, birth_year=2015)
    book = ItemFactory(home_library=kga, record__audience="adult")
    kids = ItemFactory(home_library=sto, record__audience="children", record__media_type="book")
    dvd = ItemFactory(home_library=khm, record__media_type="video")
    write = events.record
    # 1 March: 2 checkouts at KGA (KGA's and STO's item), 1 at STO, 1 on the book bus.
    write(Kind.CHECKOUT, at=at(1), library_id=kga.id, item_ids=[book.id], patron_id=adult.id)
    write(Kind.CHECKOUT, at=at(1), library_id=kga.id, item_ids=[kids.id], patron_id=child.id)
    write(Kind.CHECKOUT, at=at(1), library_id=sto.id, item_ids=[kids.id], patron_id=child.id)
    write(Kind.CHECKOUT, at=at(1), library_id=bus.id, item_ids=[dvd.id], patron_id=adult.id)
    # 2 March: renewals at KGA (two in one call), a return at STO of a loan made at KGA.
    write(
        Kind.RENEWAL, at=at(2), library_id=kga.id, item_ids=[book.id, kids.id], patron_id=adult.id
    )
    write(
        Kind.RETURN,
        at=at(2),
        library_id=sto.id,
        item_ids=[kids.id],
        patron_id=child.id,
        other_library_id=kga.id,
    )
    # 3 March: a hold placed and ready after 2 days; a transfer KHM → KGA of 1.5 days.
    write(
        Kind.HOLD_PLACED, at=at(3), library_id=kga.id, record_id=book.record_id, patron_id=adult.id
    )
    write(
        Kind.HOLD_READY,
        at=at(3),
        library_id=kga.id,
        item_ids=[book.id],
        patron_id=adult.id,
        duration=timedelta(days=2),
    )
    write(
        Kind.TRANSFER_ARRIVED,
        at=at(3),
        library_id=kga.id,
        item_ids=[dvd.id],
        other_library_id=khm.id,
        duration=timedelta(hours=36),
    )
    # Late evening Swedish time on 4 March (UTC 22:30): still 4 March.
    write(Kind.CHECKOUT, at=at(4, 23), library_id=khm.id, item_ids=[dvd.id], patron_id=adult.id)
    return {"adult": adult, "child": child, "book": book, "kids": kids, "dvd": dvd}
