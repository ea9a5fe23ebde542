"""The desk start page: today's counts at the working library, in a fixed number of queries."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Item
from circulation.holds.models import Hold
from tests.circulation.factories import ItemFactory, LoanFactory, PatronFactory, library
from tests.conftest import staff_client
from transport import services as transport_services
from transport.demo import create_demo_network
from transport.models import PackingList, PackingListEntry, Transfer, TransportLink

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Europe/Stockholm")
NOW = datetime(2025, 3, 10, 10, 15, tzinfo=TZ)  # Monday morning, before the day's vans


def hold(*, state, pickup="KGA", target_item=None, n=0):
    item = target_item or ItemFactory(status=Item.Status.ON_HOLD_SHELF)
    shelved = state == Hold.State.ON_HOLD_SHELF
    return Hold.objects.create(
        patron=PatronFactory(),
        record=item.record,
        pickup_library=library(pickup),
        state=state,
        placed_at=NOW - timedelta(days=3),
        queue_key=n,
        item=item if shelved else None,
        pickup_deadline=NOW + timedelta(days=7) if shelved else None,
        target_item=target_item,
        target_library=target_item.current_library if target_item else None,
    )


def fill(n: int) -> None:
    """n of each thing that counts at Karlskoga today, and some that do not."""
    for i in range(n):
        LoanFactory(checked_out_at=NOW - timedelta(hours=1))  # today at KGA
        LoanFactory(checked_out_at=NOW - timedelta(days=1))  # yesterday
        LoanFactory(checked_out_at=NOW - timedelta(hours=1), checkout_library=library("DEG"))
        hold(state=Hold.State.ON_HOLD_SHELF, n=i)
        hold(state=Hold.State.ON_HOLD_SHELF, pickup="KHM", n=i)
        hold(state=Hold.State.WAITING, target_item=ItemFactory(), n=i)  # on KGA's pick list
        hold(state=Hold.State.WAITING, target_item=ItemFactory(status=Item.Status.ON_LOAN), n=i)
        coming_home = ItemFactory(current_library=library("KHM"))  # home KGA
        leaving = ItemFactory(home_library=library("DEG"), current_library=library("KGA"))
        transfers = [
            transport_services.start_transfer(
                item=item,
                from_library=library(at),
                to_library=item.home_library,
                reason=Transfer.Reason.RETURN_HOME,
                staff=None,
                now=NOW,
            )
            for item, at in ((coming_home, "KHM"), (leaving, "KGA"))
        ]
        link = TransportLink.objects.filter(from_library=library("KGA")).order_by("id").first()
        crate, _ = PackingList.objects.get_or_create(link=link, departure_date=NOW.date())
        PackingListEntry.objects.create(
            packing_list=crate, transfer=transfers[1], hop_index=0, added_at=NOW
        )


COUNT = re.compile(r'data-testid="count-(\w+)">(?:<a [^>]*>)?<span class="stat-number">(\d+)')


def counts(page: str) -> dict[str, str]:
    return dict(COUNT.findall(page))


@pytest.fixture
def desk(client, desk_staff_karlskoga):
    create_demo_network()
    return staff_client(client, desk_staff_karlskoga, "KGA")


@time_machine.travel(NOW, tick=False)
def test_start_page_counts_today_at_the_working_library(desk):
    fill(2)
    page = desk.get("/staff/").content.decode()
    found = counts(page)
    assert found["loans"] == "2"
    assert found["pick"] == "2"
    assert found["shelf"] == "2"
    assert found["arriving"] == "2"
    assert found["crates"] == "1"  # both Degerfors-bound items leave in today's crate
    assert "Hämtlista" in page and "Återlämning" in page


def page_queries(desk) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert desk.get("/staff/").status_code == 200
    return [q["sql"] for q in queries.captured_queries]


@time_machine.travel(NOW, tick=False)
def test_start_page_query_count_does_not_grow_with_data(desk):
    fill(1)
    page_queries(desk)  # warm: the staff roles may come from the cache after the first request
    small = page_queries(desk)
    fill(3)
    large = page_queries(desk)
    assert len(large) == len(small)
    # The page's own reads: loans, holds (pick list + shelf), crates, transfers to us. The rest
    # is the user and their roles (perhaps cached), as on every staff page.
    counts = [q for q in large if '"circulation_' in q or '"transport_' in q]
    assert len(counts) == 4 and all(q.startswith("SELECT COUNT") for q in counts)
    assert len(large) <= 7


@time_machine.travel(NOW, tick=False)
def test_desk_staff_see_the_public_catalogue_not_the_cataloguing_pages(desk):
    page = desk.get("/staff/").content.decode()
    assert 'href="/staff/catalog/"' not in page
    assert 'href="/sok/"' in page
