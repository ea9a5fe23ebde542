"""Browser (issue 14, item 5): desk staff look up a copy by title and by scanning its barcode;
they see status, place, due date and transfers, and the borrower only after opening the loan."""

import pytest

from catalog.indexing import refresh_library_ids, refresh_search_vectors
from tests.browser.test_circulation_desk import log_in
from tests.circulation.factories import ItemFactory, LoanFactory, PatronFactory, RecordFactory
from tests.patrons.conftest import _fast_hashers  # noqa: F401 — fast password hashing here too

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_desk_staff_find_an_item_and_open_its_loan(page, desk_staff_karlskoga):
    record = RecordFactory(title="Kristin Lavransdotter")
    refresh_search_vectors([record.pk])
    shelf_copy = ItemFactory(record=record, shelf_location="Vuxen")
    borrower = PatronFactory(first_name="Sigrid", last_name="Undset")
    loan = LoanFactory(item__record=record, patron=borrower)
    refresh_library_ids([record.pk])

    page.goto("/staff/")
    log_in(page, "desk_kga", "Karlskoga bibliotek")
    page.locator("header nav").get_by_role("link", name="Exemplar", exact=True).click()
    page.get_by_label("Streckkod, titel, författare eller hyllsignum").fill("kristin lavransdotter")
    page.keyboard.press("Enter")
    rows = page.get_by_test_id("item-row")
    rows.first.wait_for()
    assert rows.count() == 2
    assert "Vuxen" in rows.filter(has_text=shelf_copy.barcode).inner_text()
    assert "Undset" not in page.content()

    # A scanned barcode goes straight to the copy.
    page.get_by_label("Streckkod, titel, författare eller hyllsignum").fill(loan.item.barcode)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/items/{loan.item.pk}/")
    assert page.get_by_test_id("item-status").inner_text() == "Utlånad"
    assert page.get_by_test_id("item-due").is_visible()
    assert "Undset" not in page.content()
    page.get_by_test_id("open-loan").click()
    page.wait_for_url(f"**/patrons/{borrower.pk}/**")
    assert "Sigrid Undset" in page.content()
