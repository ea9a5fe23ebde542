"""OPAC search and record pages: content, facets as links, availability, query counts."""

import pytest

from catalog.models import Item
from tests.catalog.factories import ItemFactory, RecordFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def mio(libraries):
    record = RecordFactory(
        title="Mio, min Mio",
        author="Lindgren, Astrid",
        year=1954,
        audience_code="j",
        isbn="91-29-65770-9",
        series="Astrid Lindgrens samlade verk",
    )
    ItemFactory(
        record=record, home_library=libraries["KHM"], barcode="KHM00001", call_number="Hc Lindgren"
    )
    ItemFactory(
        record=record, home_library=libraries["KGA"], barcode="KGA00001", status=Item.Status.ON_LOAN
    )
    ItemFactory(
        record=record,
        home_library=libraries["KGA"],
        barcode="KGA00002",
        status=Item.Status.IN_TRANSIT,
    )
    RecordFactory(
        title="Bröderna Lejonhjärta",
        author="Lindgren, Astrid",
        year=1973,
        series="Astrid Lindgrens samlade verk",
    )
    return record


def _many(libraries, n):
    for i in range(n):
        rec = RecordFactory(title=f"Mio och vännerna {i}", author=f"Författare {i}")
        ItemFactory(record=rec, home_library=libraries["STO"], barcode=f"STO{i:05d}")


def test_search_page_lists_hits_with_facet_links(client, mio, libraries):
    response = client.get("/sok/", {"q": "mio"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Mio, min Mio" in html
    assert f'href="/post/{mio.id}/"' in html
    assert "?q=mio&amp;library=KHM" in html  # a facet is a plain link
    assert "?q=mio&amp;available=KHM" in html
    assert "Kristinehamns bibliotek" in html


def test_hit_shows_byline_and_copies_on_the_shelf_per_library(client, mio, libraries):
    # The hit's display values are computed in the view (opac.catalog_views._hits), escaped.
    RecordFactory(title="<b>Mio</b> & co", author="")
    html = client.get("/sok/", {"q": "mio"}).content.decode()
    assert "<p>Lindgren, Astrid · 1954 · Bok</p>" in html
    assert (
        f'<span class="unavailable">{libraries["KGA"].name}: 0 på hyllan</span> · '
        f'<span class="available">{libraries["KHM"].name}: 1 på hyllan</span>'
    ) in html
    assert "&lt;b&gt;Mio&lt;/b&gt; &amp; co" in html and "<b>Mio</b>" not in html


def test_facet_link_narrows_the_result(client, mio, libraries):
    RecordFactory(title="Mio på engelska", language="eng")
    response = client.get("/sok/", {"q": "mio", "language": "eng"})
    html = response.content.decode()
    assert "Mio på engelska" in html and "Mio, min Mio" not in html


def test_search_page_query_count_is_constant(client, mio, libraries, django_assert_num_queries):
    # libraries, exact lookup, page ids + total + facets, the page's records, availability
    with django_assert_num_queries(5):
        client.get("/sok/", {"q": "mio"})
    _many(libraries, 15)
    with django_assert_num_queries(5):
        response = client.get("/sok/", {"q": "mio"})
    assert response.content.decode().count('class="hit"') == 16


def test_record_page_groups_holdings_per_library(client, mio):
    response = client.get(f"/post/{mio.id}/")
    html = response.content.decode()
    assert "På hyllan i Kristinehamn" in html
    assert "Utlånad" in html and "Under transport" in html
    assert html.index("Karlskoga bibliotek") < html.index("Kristinehamns bibliotek")
    assert "Bröderna Lejonhjärta" in html  # more by this author / in this series
    assert "author%3A%22Lindgren%2C+Astrid%22" in html


def test_record_page_in_english(client, mio):
    client.cookies["django_language"] = "en"
    html = client.get(f"/post/{mio.id}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "On the shelf at Kristinehamn" in html


def test_record_page_shows_due_date_from_circulation(client, mio):
    from datetime import date

    from catalog import selectors

    on_loan = mio.items.get(barcode="KGA00001")

    def provider(item_ids):
        return {on_loan.id: date(2026, 3, 12)} if on_loan.id in item_ids else {}

    selectors.register_due_date_provider(provider)
    try:
        html = client.get(f"/post/{mio.id}/").content.decode()
    finally:
        selectors._due_date_providers.remove(provider)
    assert "Utlånad till 12 mars" in html


def test_record_page_query_count_is_constant(client, mio, libraries, django_assert_num_queries):
    # record, items (prefetch), due dates of the copies on loan (circulation), more by author,
    # more in series
    with django_assert_num_queries(5):
        client.get(f"/post/{mio.id}/")
    for i in range(10):
        ItemFactory(record=mio, home_library=libraries["DEG"], barcode=f"DEG{i:05d}")
    with django_assert_num_queries(5):
        client.get(f"/post/{mio.id}/")


def test_unknown_record_is_404(client, db):
    assert client.get("/post/999999/").status_code == 404


def test_record_export_marcxml_and_iso2709_with_holdings(client, mio):
    from catalog import marc

    xml = client.get(f"/post/{mio.id}.marcxml")
    assert xml["Content-Type"].startswith("application/marcxml+xml")
    (record,) = [r.record for r in marc.read_records(xml.content)]
    assert marc.extract(record).title == "Mio, min Mio"
    assert sorted(h.library_code for h in marc.holdings(record)) == ["KGA", "KGA", "KHM"]
    raw = client.get(f"/post/{mio.id}.marc")
    assert raw["Content-Type"] == "application/marc"
    (record,) = [r.record for r in marc.read_records(raw.content)]
    assert "KHM00001" in {h.barcode for h in marc.holdings(record)}
    assert client.get(f"/post/{mio.id}.pdf").status_code == 404


def test_suggestions_fragment(client, mio):
    html = client.get("/sok/forslag/", {"q": "bröderna lejon"}).content.decode()
    assert "Bröderna Lejonhjärta" in html and "<html" not in html


def test_search_works_with_bad_parameters(client, mio):
    response = client.get("/sok/", {"q": "mio", "page": "x", "year_from": "abc", "sort": "zzz"})
    assert response.status_code == 200


def test_the_search_page_has_one_search_box_other_pages_the_header_one(client, mio):
    page = client.get("/sok/", {"q": "Mio"}).content.decode()
    assert page.count('name="q"') == 1  # its own box (with suggestions), not the header's too
    assert 'id="search-q"' in page and 'value="Mio"' in page
    record = client.get(f"/post/{mio.pk}/").content.decode()
    assert record.count('name="q"') == 1 and 'id="q"' in record  # the header box


def test_active_filter_chips_show_names_not_codes(client, mio, libraries):
    response = client.get(
        "/sok/", {"q": "mio", "library": "KHM", "available": "KGA", "media": "book"}
    )
    chips = [
        chip.split(">", 1)[1].split("</a>")[0]
        for chip in response.content.decode().split('data-testid="remove-filter"')[1:]
    ]
    assert chips == [
        "Kristinehamns bibliotek ✕",
        "På hyllan i Karlskoga bibliotek ✕",
        "Bok ✕",
    ]
