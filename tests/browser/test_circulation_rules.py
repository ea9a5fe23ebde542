"""Browser: an admin of Storfors changes the lending rule for DVDs and cannot edit Karlskoga's."""

import pytest

from circulation.models import LoanRule, LoanRuleChange
from tests.conftest import DEMO_PASSWORD
from tests.patrons.conftest import _fast_hashers  # noqa: F401 — fast password hashing here too

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_storfors_admin_changes_the_dvd_rule_but_not_karlskogas(page, admin_storfors):
    page.goto("/staff/rules/")
    page.get_by_label("Användarnamn").fill("admin_sto")
    page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    # One library: the login goes straight on, no library to pick.
    assert "Utlåningsbestämmelser: Storfors bibliotek" in page.locator("h1").inner_text()

    page.get_by_role("link", name="Ändra: Alla kategorier × Film (DVD/Blu-ray)").click()
    page.get_by_label("Låneperiod (dagar)").fill("14")
    page.get_by_role("button", name="Spara").click()
    assert "Utlåningsbestämmelsen är sparad." in page.content()
    assert "14" in page.get_by_test_id("effective-loan_period_days").inner_text()
    assert page.get_by_test_id("rule-change").count() == 1

    page.get_by_role("link", name="Tillbaka till tabellen").click()
    cell = page.get_by_test_id("cell-ADULT-DVD")
    assert "14" in cell.inner_text() and "lokal" in cell.inner_text()
    rule = LoanRule.objects.get(library__code="STO", item_type__code="DVD")
    assert rule.loan_period_days == 14
    assert LoanRuleChange.objects.get().changed_by == admin_storfors

    # Karlskoga's rules: visible, but no edit controls, and an edit is refused.
    page.get_by_role("link", name="Karlskoga bibliotek").click()
    assert page.get_by_test_id("read-only").is_visible()
    page.get_by_role("link", name="Visa: Alla kategorier × Film (DVD/Blu-ray)").click()
    assert page.get_by_test_id("rule-form").count() == 0
    token = page.evaluate("document.cookie.match(/csrftoken=([^;]+)/)[1]")
    response = page.request.post(
        page.url,
        form={"loan_period_days": "1", "csrfmiddlewaretoken": token},
        headers={"X-CSRFToken": token, "Referer": page.url},
    )
    assert response.status == 403
    assert not LoanRule.objects.filter(library__code="KGA").exists()
