"""Issue 18: staff build a list, publish it, see it in the OPAC and print it (the leaflet)."""

import pytest

from libraries.models import StaffRole
from tests.circulation.factories import ItemFactory, RecordFactory
from tests.conftest import DEMO_PASSWORD, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_build_a_list_see_it_in_the_opac_and_print_it(page):
    make_staff("lists_kga", ("KGA", StaffRole.Role.CATALOGUER))
    record = RecordFactory(title="Mio, min Mio", authors=["Lindgren, Astrid"])
    ItemFactory(record=record, barcode="LIST0001")
    page.goto("/staff/collection/reading-lists/")
    page.get_by_label("Användarnamn").fill("lists_kga")
    page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.get_by_label("Titel").fill("Vinterläsning")
    page.get_by_role("button", name="Skapa").click()
    page.get_by_label("Lägg till en titel").fill("LIST0001")
    page.get_by_label("Anteckning").fill("En klassiker")
    page.get_by_role("button", name="Lägg till").click()
    assert "Mio, min Mio" in page.locator("ol.list-entries").inner_text()
    page.get_by_test_id("publish").click()
    page.get_by_role("link", name="Se den i katalogen").click()
    assert page.get_by_role("heading", name="Vinterläsning").is_visible()
    entries = page.locator("ol.list-entries").inner_text()
    assert "Mio, min Mio" in entries and "En klassiker" in entries and "Karlskoga" in entries
    with page.expect_response(lambda r: r.url.endswith("/utskrift.pdf")) as info:
        page.get_by_test_id("print-list").click()
    response = info.value
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    # Chromium shows the PDF in its viewer; fetch the same address to read the file itself.
    assert page.request.get(response.url).body()[:4] == b"%PDF"
