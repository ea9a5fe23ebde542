import pytest

from tests.conftest import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_desk_staff_logs_in_picks_a_library_and_sees_it(page, pool_staff):
    page.goto("/staff/")
    page.get_by_label("Användarnamn").fill("pool")
    page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.get_by_role("button", name="Storfors bibliotek").click()
    badge = page.get_by_test_id("working-library")
    assert "Storfors bibliotek" in badge.inner_text()
    # The choice sticks for the session: another staff page shows it too.
    page.goto("/staff/")
    assert "Storfors bibliotek" in page.get_by_test_id("working-library").inner_text()


def test_staff_with_one_library_is_not_asked_to_pick_it(page, desk_staff_karlskoga):
    page.goto("/staff/circulation/checkin/")
    page.get_by_label("Användarnamn").fill("desk_kga")
    page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url("**/staff/circulation/checkin/")
    assert "Karlskoga bibliotek" in page.get_by_test_id("working-library").inner_text()
