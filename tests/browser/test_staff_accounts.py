"""Browser: a library admin creates a desk account and gives it a role; the new staff member logs
in and goes straight to the desk (one library, nothing to pick)."""

import pytest

from libraries.models import StaffAuditEntry
from tests.conftest import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, username, password):
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()


def test_library_admin_creates_staff_who_log_in_straight_to_the_desk(
    page, browser, live_server, admin_storfors
):
    page.goto("/staff/")
    log_in(page, "admin_sto", DEMO_PASSWORD)
    page.get_by_role("link", name="Personalkonton").click()
    page.get_by_test_id("new-staff").click()
    page.get_by_label("Användarnamn").fill("ny-desk")
    page.get_by_label("Förnamn").fill("Nora")
    page.get_by_label("Lösenord").fill("Bibliotek-2026!")
    page.get_by_label("Bibliotek").select_option(label="Storfors bibliotek")
    page.get_by_label("Roll").select_option(label="Diskpersonal")
    page.get_by_role("button", name="Skapa konto").click()
    assert "Kontot ny-desk skapades." in page.locator(".messages").inner_text()
    assert "Diskpersonal" in page.get_by_test_id("roles").inner_text()
    # Give a second role, then see both changes in the account's log.
    page.get_by_test_id("grant-form").get_by_label("Roll").select_option(label="Katalogisatör")
    page.get_by_role("button", name="Ge rollen").click()
    assert page.get_by_test_id("role-row").count() == 2
    assert page.get_by_test_id("staff-audit").locator("tbody tr").count() == 3
    assert StaffAuditEntry.objects.filter(user__username="ny-desk").count() == 3

    context = browser.new_context(locale="sv-SE", base_url=live_server.url)
    desk = context.new_page()
    desk.goto("/staff/circulation/checkin/")
    log_in(desk, "ny-desk", "Bibliotek-2026!")
    desk.wait_for_url("**/staff/circulation/checkin/")
    assert "Storfors bibliotek" in desk.get_by_test_id("working-library").inner_text()
    context.close()

    # Deactivated: the account can no longer log in.
    page.get_by_test_id("deactivate").click()
    assert "inaktiverat" in page.get_by_test_id("account-status").inner_text()
