"""Browser: every main desk and OPAC page loads under the Content-Security-Policy with no
violation in Chromium's console (issue 12, item 9)."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import make_password

from libraries.models import StaffRole
from tests.circulation.factories import FeeFactory, ItemFactory, LoanFactory, PatronFactory
from tests.conftest import DEMO_PASSWORD, make_staff
from tests.patrons.conftest import _fast_hashers  # noqa: F401 — fast PIN hashing here too

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser, live_server):
    """A tab that enforces the site's Content-Security-Policy (the shared one bypasses it)."""
    context = browser.new_context(locale="sv-SE", base_url=live_server.url)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def _watch(page) -> list[str]:
    problems: list[str] = []
    page.on(
        "console",
        lambda msg: (
            problems.append(msg.text)
            if "Content Security Policy" in msg.text or "Content-Security-Policy" in msg.text
            else None
        ),
    )
    return problems


def test_desk_pages_have_no_csp_violations(page):
    make_staff("csp", ("KGA", StaffRole.Role.LIBRARY_ADMIN))
    patron = PatronFactory(first_name="Cecilia")
    item = ItemFactory()
    LoanFactory(patron=patron)
    problems = _watch(page)

    page.goto("/staff/login/")
    response = page.request.get(page.url)
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.get_by_label("Användarnamn").fill("csp")
    page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url("**/staff/")  # one library: no library to pick
    for url in [
        "/staff/",
        "/staff/circulation/checkout/",
        f"/staff/circulation/checkout/{patron.pk}/",
        f"/staff/circulation/checkout/{patron.pk}/receipt/",
        "/staff/circulation/checkin/",
        f"/staff/patrons/?q={patron.last_name}",
        f"/staff/patrons/{patron.pk}/",
        f"/staff/patrons/{patron.pk}/edit/",
        "/staff/patrons/new/",
        "/staff/patrons/access-log/",
        "/staff/holds/",
        "/staff/holds/pick-list/",
        f"/staff/holds/title/{item.record_id}/",
        "/staff/transport/",
        "/staff/transport/links/",
        "/staff/transport/statistics/",
        "/staff/catalog/",
        f"/staff/catalog/{item.record_id}/",
        "/staff/rules/KGA/",
        "/staff/calendar/",
    ]:
        page.goto(url)
        page.wait_for_load_state("networkidle")
    # An htmx scan (the check-in desk) runs under the policy too.
    page.goto("/staff/circulation/checkin/")
    page.locator("[data-scan-field]").fill(item.barcode)
    page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    assert problems == []


def test_opac_pages_have_no_csp_violations(page):
    patron = PatronFactory(first_name="Olle", pin_hash=make_password("1357"))
    loan = LoanFactory(patron=patron)
    FeeFactory(patron=patron)
    problems = _watch(page)
    record = loan.item.record
    for url in ["/", f"/sok/?q={record.title}", f"/post/{record.pk}/", "/konto/logga-in/"]:
        page.goto(url)
        page.wait_for_load_state("networkidle")
    page.get_by_label("Lånekortsnummer").fill(patron.cards.get().number)
    page.get_by_label("PIN-kod").fill("1357")
    page.get_by_role("button", name="Logga in").click()
    for url in ["/konto/", "/konto/lan/", "/konto/avgifter/", "/reservationer/"]:
        page.goto(url)
        page.wait_for_load_state("networkidle")
    assert problems == []
