"""Broad searches do bounded work: with the sample made tiny, a search matching more than the
sample says "more than N", counts facets in the sample, still puts the exact title first, and
sorts other than relevance still give the whole result in order page by page."""

import pytest

from catalog import search as search_module
from catalog.search import Filters, search
from tests.catalog.factories import ItemFactory, RecordFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sommar(libraries, monkeypatch):
    monkeypatch.setattr(search_module, "SAMPLE", 3)
    records = [
        RecordFactory(title=f"Sommar i {place}", author=f"Berg, {name}", year=year)
        for place, name, year in [
            ("Ystad", "Anna", 1990),
            ("Visby", "Bo", 2005),
            ("Kiruna", "Cilla", 1975),
            ("Mora", "Dan", 2015),
            ("Arvika", "Eva", 1960),
        ]
    ]
    exact = RecordFactory(title="Sommar", author="Öberg, Ulla", year=1999)
    for record in [*records, exact]:
        ItemFactory(record=record, home_library=libraries["KGA"])
    return records, exact


def titles(result):
    return [r.title for r in result.records]


def test_a_broad_search_says_more_than_the_sample_and_counts_facets_in_it(sommar, libraries):
    result = search(text="sommar")
    assert result.broad and result.total == 3
    assert sum(n for _media, n in result.facets.media_type) == 3
    assert result.facets.library == {libraries["KGA"].id: 3}
    narrow = search(text="sommar ystad")
    assert not narrow.broad and narrow.total == 1


def test_a_broad_search_still_puts_the_exact_title_first(sommar):
    result = search(text="sommar")
    assert result.broad and titles(result)[0] == "Sommar"


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (
            "title",
            [
                "Sommar",
                "Sommar i Arvika",
                "Sommar i Kiruna",
                "Sommar i Mora",
                "Sommar i Visby",
                "Sommar i Ystad",
            ],
        ),
        ("newest", ["Sommar i Mora", "Sommar i Visby", "Sommar", "Sommar i Ystad"]),
        ("author", ["Sommar i Ystad", "Sommar i Visby", "Sommar i Kiruna", "Sommar i Mora"]),
    ],
)
def test_other_sorts_of_a_broad_search_page_through_everything_in_order(sommar, sort, expected):
    seen = []
    for page in (1, 2, 3):
        seen += titles(search(text="sommar", sort=sort, per_page=2, page=page))
    assert seen[: len(expected)] == expected
    assert len(set(seen)) == 6


def test_a_broad_filter_only_search_pages_newest_records_first(sommar, libraries):
    records, exact = sommar
    result = search(text="", filters=Filters(library=libraries["KGA"].id), per_page=2)
    assert result.broad
    assert [r.id for r in result.records] == [exact.id, records[-1].id]


def test_the_opac_page_says_more_than_and_where_facets_were_counted(client, sommar):
    html = client.get("/sok/", {"q": "sommar"}).content.decode()
    assert "Fler än 3 titlar" in html or "More than 3 titles" in html
    assert 'class="facet-note"' in html
    assert 'class="facet-note"' not in client.get("/sok/", {"q": "ystad"}).content.decode()


def test_a_broad_sorted_search_offers_a_next_page_while_pages_are_full(sommar):
    first = search(text="sommar", sort="title", per_page=4)
    assert first.broad and first.pages == 2
    last = search(text="sommar", sort="title", per_page=4, page=2)
    assert len(last.records) == 2 and last.pages == 2


def test_search_connections_do_not_join_a_scan_under_way():
    # Otherwise two identical broad searches could sample different first 1,000 matches.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronize_seqscans")
        assert cursor.fetchone() == ("off",)


def test_the_api_says_when_the_count_is_a_lower_bound(client, sommar):
    broad = client.get("/api/v1/records/", {"q": "sommar"}).json()
    assert broad["count"] == 3 and broad["count_is_lower_bound"] is True
    narrow = client.get("/api/v1/records/", {"q": "ystad"}).json()
    assert narrow["count"] == 1 and narrow["count_is_lower_bound"] is False
