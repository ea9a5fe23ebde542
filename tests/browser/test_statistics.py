"""A consortium admin opens the statistics, changes the year and downloads the CSV."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from events import services as events
from events.models import Kind
from libraries.models import Library
from tests.circulation.factories import ItemFactory, PatronFactory
from tests.conftest import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_statistics_page_year_change_and_csv_download(page, consortium_admin):
    kga = Library.objects.get(code="KGA")
    item, patron = ItemFactory(home_library=kga), PatronFactory(home_library=kga)
    for year, loans in ((2024, 3), (2025, 5)):
        moment = datetime(year, 6, 1, 12, tzinfo=ZoneInfo("Europe/Stockholm"))
        for _ in range(loans):
            events.record(
                Kind.CHECKOUT, at=moment, library_id=kga.id, item_ids=[item.id], patron_id=patron.id
            )

    page.goto("/staff/statistics/")
    page.get_by_label("Användarnamn").fill(consortium_admin.username)
    page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url("**/staff/statistics/**")

    page.get_by_label("År").fill("2025")
    page.get_by_role("button", name="Visa").click()
    page.wait_for_url("**year=2025**")
    row = page.get_by_test_id("report-table").first.locator("tr", has_text="Karlskoga")
    assert row.locator("td").nth(0).inner_text() == "5"
    assert page.locator("svg[role=img]").count() >= 1

    page.get_by_label("År").fill("2024")
    page.get_by_role("button", name="Visa").click()
    page.wait_for_url("**year=2024**")
    row = page.get_by_test_id("report-table").first.locator("tr", has_text="Karlskoga")
    assert row.locator("td").nth(0).inner_text() == "3"

    with page.expect_download() as download_info:
        page.get_by_test_id("export-csv").click()
    download = download_info.value
    assert download.suggested_filename == "loans-per-inhabitant-2024-01-01-2024-12-31.csv"
    content = open(download.path(), encoding="utf-8").read()  # noqa: SIM115
    assert "Karlskoga,3,0,3" in content
