"""Browser: "Mitt konto" opens with debt, loans with due dates and holds; in English the same
page writes dates and money the English way."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from catalog.models import Item
from tests.circulation.factories import FeeFactory, ItemFactory, LoanFactory, PatronFactory
from tests.patrons.conftest import _fast_hashers  # noqa: F401 — fast PIN hashing here too

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_my_account_summary_in_swedish_and_english(page):
    patron = PatronFactory(first_name="Nils", pin_hash=make_password("1357"))
    now = timezone.now()
    FeeFactory(patron=patron, amount=Decimal("1234.50"))
    loan = LoanFactory(
        patron=patron,
        item=ItemFactory(status=Item.Status.ON_LOAN, record__title="Hemsöborna"),
        checked_out_at=now - timedelta(days=3),
        due_at=now + timedelta(days=25),
    )
    due = timezone.localtime(loan.due_at)

    page.goto("/konto/logga-in/")
    page.get_by_label("Lånekortsnummer").fill(patron.cards.get().number)
    page.get_by_label("PIN-kod").fill("1357")
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url("**/konto/")
    summary = page.get_by_test_id("account-summary")
    assert "1\u00a0234,50\u00a0kr" in summary.get_by_test_id("summary-debt").inner_text()
    loans = summary.get_by_test_id("summary-loans").inner_text()
    assert "1 lån" in loans and f"Hemsöborna — {due:%Y-%m-%d}" in loans
    assert "Du har inga reservationer." in summary.get_by_test_id("summary-holds").inner_text()

    page.get_by_role("button", name="English").click()
    summary = page.get_by_test_id("account-summary")
    assert "SEK\u00a01,234.50" in summary.get_by_test_id("summary-debt").inner_text()
    english_due = f"{due.day} {due:%b %Y}"
    assert english_due in summary.get_by_test_id("summary-loans").inner_text()
