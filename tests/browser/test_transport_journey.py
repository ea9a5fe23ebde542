"""A Karlskoga item returned in Kristinehamn travels home via Storfors, seen through the pages.

Kristinehamn checks the item in on the circulation desk's check-in page, which tells staff the
route; the crate list, the hub's arrival scan and the home library's check-in follow in Chromium.
Planning is run in-process where the Celery task would run it, because a worker process does not
share this test's travelled clock.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from catalog.models import Item
from libraries.models import Library
from tests.conftest import DEMO_PASSWORD
from tests.transport.factories import ItemFactory
from transport import services
from transport.demo import create_demo_network
from transport.models import PackingList, Transfer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A Monday morning (in the future, so the browser keeps the session cookie).
MONDAY = datetime(2027, 3, 1, 10, 0, tzinfo=ZoneInfo("Europe/Stockholm"))


def log_in(page, username: str, library: str) -> None:
    page.context.clear_cookies()
    page.goto("/staff/login/")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(lambda url: "/staff/login/" not in url)
    if "/staff/library/" in page.url:  # staff with one library are not asked
        page.get_by_role("button", name=library).click()
    assert library in page.get_by_test_id("working-library").inner_text()


def receive(page, barcode: str) -> str:
    page.goto("/staff/transport/receive/")
    page.get_by_label("Skanna exemplarets streckkod").fill(barcode)
    page.get_by_label("Skanna exemplarets streckkod").press("Enter")
    return page.get_by_test_id("receive-result").first.inner_text()


def test_karlskoga_item_goes_home_via_storfors(
    page, desk_staff_kristinehamn, pool_staff, desk_staff_karlskoga
):
    with time_machine.travel(MONDAY, tick=True):
        create_demo_network()
        item = ItemFactory(barcode="KGA100200")

        # Kristinehamn: the desk checks the item in and is told the route.
        log_in(page, "desk_khm", "Kristinehamns bibliotek")
        page.locator("header nav").get_by_role("link", name="Återlämning").click()
        page.get_by_label("Skanna ett exemplar").fill(item.barcode)
        page.keyboard.press("Enter")
        row = page.get_by_test_id("checkin-row")
        assert "Skicka till Storfors → Karlskoga" in row.inner_text()
        transfer = Transfer.objects.get(item=item)
        assert transfer.from_library == Library.objects.get(code="KHM")
        services.plan_transfer(transfer_id=transfer.id, now=timezone.now())

        # The slip and today's 14:00 crate to Storfors.
        page.goto(f"/staff/transport/transfers/{transfer.id}/slip/")
        assert page.get_by_test_id("slip-route").inner_text() == "Storfors → Karlskoga"
        page.goto("/staff/transport/")
        crates = page.get_by_test_id("crates-today")
        assert "Storfors bibliotek" in crates.inner_text()
        crates.get_by_role("link").first.click()
        items = page.get_by_test_id("crate-items")
        assert "KGA100200" in items.inner_text() and "Karlskoga" in items.inner_text()
        assert page.locator('svg.barcode[aria-label="KGA100200"]').count() == 1
        page.get_by_role("button", name="Stäng lådan nu").click()
        assert "1 exemplar på väg" in page.locator(".messages").inner_text()

        # Storfors: the hub scans it and is told where it goes next.
        log_in(page, "pool", "Storfors bibliotek")
        assert "Skicka till Karlskoga" in receive(page, item.barcode)
        services.plan_transfer(transfer_id=transfer.id, now=timezone.now())
        onward = PackingList.objects.get(entries__transfer=transfer, entries__hop_index=1)
        assert onward.link.to_library.code == "KGA"
        services.close_packing_list(packing_list_id=onward.id, staff=None, now=timezone.now())

        # Karlskoga: checked in at home on the ordinary check-in page, back on the shelf.
        log_in(page, "desk_kga", "Karlskoga bibliotek")
        page.locator("header nav").get_by_role("link", name="Återlämning").click()
        page.get_by_label("Skanna ett exemplar").fill(item.barcode)
        page.keyboard.press("Enter")
        assert "Ställ tillbaka här" in page.get_by_test_id("checkin-action").inner_text()
        item.refresh_from_db()
        assert (item.status, item.current_library.code) == (Item.Status.AVAILABLE, "KGA")
