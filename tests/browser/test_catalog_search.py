"""A patron searches, narrows by a facet and sees where each copy is."""

import pytest

from catalog.models import Item
from tests.catalog.factories import ItemFactory, RecordFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_facet_record_page_shows_availability_per_library(page):
    from libraries.models import Library

    libs = {lib.code: lib for lib in Library.objects.all()}
    mio = RecordFactory(
        title="Mio, min Mio", author="Lindgren, Astrid", year=1954, audience_code="j"
    )
    film = RecordFactory(
        title="Mio min Mio (film)",
        author="Gramatky, Vladimir",
        year=1987,
        leader="00000cgm a2200000 a 4500",
    )
    ItemFactory(record=mio, home_library=libs["KHM"], barcode="KHM00001")
    ItemFactory(
        record=mio, home_library=libs["KGA"], barcode="KGA00001", status=Item.Status.ON_LOAN
    )
    ItemFactory(record=film, home_library=libs["STO"], barcode="STO00001")

    page.goto("/")
    page.get_by_label("Sök i katalogen").fill("mio")
    page.get_by_label("Sök i katalogen").press("Enter")
    page.wait_for_url("**/sok/?q=mio")
    assert page.locator(".hit").count() == 2

    page.locator('[data-facet="media"]').get_by_role("link", name="Bok").click()
    page.wait_for_url("**media=book**")
    assert page.locator(".hit").count() == 1

    page.get_by_role("link", name="Mio, min Mio").click()
    page.wait_for_url(f"**/post/{mio.id}/")
    khm = page.locator('[data-library="KHM"]')
    assert "Kristinehamns bibliotek" in khm.inner_text()
    assert khm.get_by_test_id("availability").inner_text() == "På hyllan i Kristinehamn"
    kga = page.locator('[data-library="KGA"]')
    assert kga.get_by_test_id("availability").inner_text() == "Utlånad"
