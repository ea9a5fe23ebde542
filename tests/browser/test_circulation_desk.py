"""Browser: a desk checks out three items to a patron (keyboard only: scan and Enter), prints
the receipt, and checks one of them in."""

import pytest

from circulation.models import Loan
from tests.circulation.factories import ItemFactory, PatronFactory
from tests.conftest import DEMO_PASSWORD
from tests.patrons.conftest import _fast_hashers  # noqa: F401 — fast password hashing here too

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, username: str, library: str) -> None:
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(lambda url: "/staff/login/" not in url)
    if "/staff/library/" in page.url:  # staff with one library are not asked
        page.get_by_role("button", name=library).click()


def test_desk_checks_out_three_items_and_checks_one_in(page, desk_staff_karlskoga):
    patron = PatronFactory(first_name="Selma", last_name="Lagerlöf")
    card = patron.cards.get().number
    items = [ItemFactory() for _ in range(3)]

    page.goto("/staff/")
    log_in(page, "desk_kga", "Karlskoga bibliotek")
    page.get_by_role("link", name="Utlån", exact=True).click()
    page.get_by_label("Skanna låntagarens lånekort").fill(card)
    page.keyboard.press("Enter")
    assert page.get_by_test_id("patron-name").inner_text() == "Selma Lagerlöf"

    scan = page.get_by_label("Skanna ett exemplar")
    for n, item in enumerate(items, start=1):
        # The scanner types into the focused field and presses Enter; focus stays there.
        assert scan.evaluate("el => el === document.activeElement")
        page.keyboard.type(item.barcode)
        page.keyboard.press("Enter")
        page.wait_for_function(
            f"document.querySelectorAll('[data-testid=checkout-row]').length === {n}"
        )
        assert page.get_by_test_id("loan-count").inner_text() == str(n)
    rows = page.get_by_test_id("checkout-row")
    for item in items:
        row = rows.filter(has_text=item.barcode)
        assert "Åter senast" in row.inner_text()
    assert scan.evaluate("el => el === document.activeElement")
    assert Loan.objects.open().filter(patron=patron).count() == 3

    page.get_by_role("button", name="Avsluta och skriv ut kvitto").click()
    receipt = page.get_by_test_id("receipt")
    assert page.get_by_test_id("receipt-row").count() == 3
    assert items[0].record.title in receipt.inner_text()

    page.get_by_role("link", name="Återlämning", exact=True).click()
    page.get_by_label("Skanna ett exemplar").fill(items[1].barcode)
    page.keyboard.press("Enter")
    action = page.get_by_test_id("checkin-action")
    assert action.inner_text().strip() == "Ställ tillbaka här"
    assert Loan.objects.open().filter(patron=patron).count() == 2
    assert not Loan.objects.open().filter(item=items[1]).exists()


def test_a_fast_scanner_loses_no_scan_at_checkin(page, desk_staff_karlskoga):
    """A scanner types barcodes and Enter faster than the server answers: every scan counts."""
    from tests.circulation.factories import LoanFactory

    loans = [LoanFactory() for _ in range(5)]
    page.goto("/staff/")
    log_in(page, "desk_kga", "Karlskoga bibliotek")
    page.get_by_role("link", name="Återlämning", exact=True).click()
    page.get_by_label("Skanna ett exemplar").focus()
    for loan in loans:  # no waiting between scans
        page.keyboard.type(loan.item.barcode, delay=2)
        page.keyboard.press("Enter")
    page.wait_for_function("document.querySelectorAll('[data-testid=checkin-action]').length === 5")
    text = page.locator("#checked-in").inner_text()
    assert all(loan.item.barcode in text for loan in loans)
    assert not Loan.objects.open().filter(pk__in=[loan.pk for loan in loans]).exists()
