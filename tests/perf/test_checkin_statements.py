"""Check-in stays within its statement budget (≤ 15) on every path, transfers and holds included.

The performance issue's goal: "checkin incl. transfer or hold capture ≤ 15 SQL statements".
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from circulation import services
from circulation.holds import services as hold_services
from libraries.models import Library
from tests.circulation.factories import LoanFactory, PatronFactory, RecordFactory
from tests.conftest import warm_reference_caches
from transport.demo import create_demo_network

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Europe/Stockholm")
MONDAY = datetime(2025, 3, 10, 10, 15, tzinfo=TZ)
BUDGET = 15


def lib(code: str) -> Library:
    return Library.objects.get(code=code)


@pytest.fixture(autouse=True)
def network(db):
    create_demo_network()


def statements_of_checkin(item, code: str) -> tuple[int, services.CheckinResult, list[str]]:
    library = lib(code)
    # A desk process has its network copy warm: commit-time invalidation, then one load.
    warm_reference_caches(now=MONDAY)
    with CaptureQueriesContext(connection) as ctx:
        result = services.check_in(barcode=item.barcode, library=library, staff=None, now=MONDAY)
    return len(ctx.captured_queries), result, [q["sql"] for q in ctx.captured_queries]


def test_checkin_that_sends_an_item_home_stays_within_budget():
    item = LoanFactory(item__home_library=lib("KGA")).item
    count, result, sql = statements_of_checkin(item, "KHM")
    assert result.action == services.Action.SEND_HOME
    assert count <= BUDGET, "\n".join(sql)


def test_checkin_that_sends_an_item_to_a_hold_stays_within_budget():
    record = RecordFactory()
    item = LoanFactory(item__record=record, item__home_library=lib("KGA")).item
    hold_services.place_hold(
        patron=PatronFactory(home_library=lib("HFS")),
        record=record,
        pickup_library=lib("HFS"),
        now=MONDAY,
    )
    count, result, sql = statements_of_checkin(item, "KGA")
    assert result.action == services.Action.HOLD_TRANSIT
    assert count <= BUDGET, "\n".join(sql)


def test_checkin_that_puts_an_item_on_the_hold_shelf_stays_within_budget():
    record = RecordFactory()
    item = LoanFactory(item__record=record, item__home_library=lib("KGA")).item
    hold_services.place_hold(
        patron=PatronFactory(home_library=lib("KGA")),
        record=record,
        pickup_library=lib("KGA"),
        now=MONDAY,
    )
    count, result, sql = statements_of_checkin(item, "KGA")
    assert result.action == services.Action.HOLD_SHELF
    assert count <= BUDGET, "\n".join(sql)
