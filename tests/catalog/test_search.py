"""Searching the catalogue in PostgreSQL: stemming, fields, phrases, facets, sorting."""

import pytest

from catalog.importer import import_marc
from catalog.models import Item
from catalog.search import Filters, search, suggest
from tests.catalog.factories import ItemFactory, RecordFactory
from tests.catalog.marcdata import LOC_SWEDISH

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf(libraries):
    mio = RecordFactory(
        title="Mio, min Mio",
        author="Lindgren, Astrid",
        year=1954,
        audience_code="j",
        isbn="91-29-65770-9",
        subjects=("Sagor",),
        series="Astrid Lindgrens samlade verk",
    )
    bröderna = RecordFactory(
        title="Bröderna Lejonhjärta",
        author="Lindgren, Astrid",
        year=1973,
        audience_code="j",
        subjects=("Bröder", "Döden"),
        series="Astrid Lindgrens samlade verk",
    )
    about = RecordFactory(
        title="Astrid Lindgren och hennes böcker",
        author="Strömstedt, Margareta",
        year=1999,
        subjects=("Lindgren, Astrid",),
    )
    film = RecordFactory(
        title="Mio min Mio (film)",
        author="Gramatky, Vladimir",
        year=1987,
        leader="00000cgm a2200000 a 4500",
        language="swe",
    )
    eng = RecordFactory(
        title="The brothers Lionheart", author="Lindgren, Astrid", year=1975, language="eng"
    )
    ItemFactory(record=mio, home_library=libraries["KHM"], barcode="KHM00001")
    ItemFactory(
        record=mio, home_library=libraries["STO"], barcode="STO00001", status=Item.Status.ON_LOAN
    )
    ItemFactory(
        record=bröderna,
        home_library=libraries["KGA"],
        barcode="KGA00001",
        call_number="Hc Lindgren",
    )
    return {"mio": mio, "bröderna": bröderna, "about": about, "film": film, "eng": eng}


def titles(result):
    return [r.title for r in result.records]


def test_swedish_stemming_finds_inflected_forms(shelf):
    assert titles(search(text="böckerna")) == ["Astrid Lindgren och hennes böcker"]
    assert titles(search(text="brödernas")) == ["Bröderna Lejonhjärta"]
    # Names are also indexed unstemmed: "Lindgrens" finds her too.
    assert "Mio, min Mio" in titles(search(text="lindgrens"))


def test_exact_title_match_ranks_first(shelf):
    result = search(text="Mio, min Mio")
    assert titles(result)[0] == "Mio, min Mio"
    assert "Mio min Mio (film)" in titles(result)


def test_title_outranks_author_outranks_subject(shelf):
    result = search(text="lindgren")
    assert titles(result)[0] == "Astrid Lindgren och hennes böcker"  # in the title
    assert set(titles(result)) >= {"Mio, min Mio", "Bröderna Lejonhjärta"}


def test_field_prefixes(shelf):
    assert titles(search(text="author:lindgren", sort="title")) == [
        "Bröderna Lejonhjärta",
        "Mio, min Mio",
        "The brothers Lionheart",
    ]
    assert titles(search(text="title:lindgren")) == ["Astrid Lindgren och hennes böcker"]
    assert titles(search(text="subject:döden")) == ["Bröderna Lejonhjärta"]


def test_phrase(shelf):
    assert titles(search(text='"min mio"', sort="title")) == ["Mio min Mio (film)", "Mio, min Mio"]
    assert titles(search(text='"mio lejonhjärta"')) == []


def test_isbn_either_spelling_and_exact_barcode_and_call_number(shelf):
    assert titles(search(text="9129657709")) == ["Mio, min Mio"]
    assert titles(search(text="isbn:978-91-29-65770-8")) == ["Mio, min Mio"]
    assert titles(search(text="KGA00001")) == ["Bröderna Lejonhjärta"]
    assert titles(search(text="Hc Lindgren")) == ["Bröderna Lejonhjärta"]


def test_facets_count_the_whole_result(shelf, libraries):
    result = search(text="mio")
    assert result.total == 2
    assert dict(result.facets.media_type) == {"book": 1, "video": 1}
    assert dict(result.facets.audience) == {"children": 1, "adult": 1}
    assert dict(result.facets.decade) == {1950: 1, 1980: 1}
    assert result.facets.library == {libraries["KHM"].id: 1, libraries["STO"].id: 1}
    assert result.facets.available == {libraries["KHM"].id: 1}  # the STO copy is on loan


def test_filters(shelf, libraries):
    assert titles(search(text="lindgren", filters=Filters(language="eng"))) == [
        "The brothers Lionheart"
    ]
    assert titles(search(text="mio", filters=Filters(media_type="video"))) == ["Mio min Mio (film)"]
    assert titles(search(text="mio", filters=Filters(library=libraries["STO"].id))) == [
        "Mio, min Mio"
    ]
    assert titles(search(text="mio", filters=Filters(available_at=libraries["STO"].id))) == []
    assert titles(
        search(text="author:lindgren", filters=Filters(year_from=1970, year_to=1974))
    ) == ["Bröderna Lejonhjärta"]
    assert titles(search(text="", filters=Filters(audience="children"), sort="title")) == [
        "Bröderna Lejonhjärta",
        "Mio, min Mio",
    ]


def test_sorting(shelf):
    assert titles(search(text="author:lindgren", sort="newest")) == [
        "The brothers Lionheart",
        "Bröderna Lejonhjärta",
        "Mio, min Mio",
    ]
    assert titles(search(text="mio", sort="author")) == ["Mio min Mio (film)", "Mio, min Mio"]


def test_pagination(shelf):
    first = search(text="author:lindgren", sort="title", per_page=2)
    second = search(text="author:lindgren", sort="title", per_page=2, page=2)
    assert first.total == 3 and first.pages == 2
    assert titles(first) + titles(second) == [
        "Bröderna Lejonhjärta",
        "Mio, min Mio",
        "The brothers Lionheart",
    ]


def test_suggestions_match_prefixes(shelf):
    assert [t for _id, t in suggest(text="lejonhj")] == ["Bröderna Lejonhjärta"]
    assert suggest(text="l") == []


def test_search_real_swedish_records(libraries):
    import_marc(data=LOC_SWEDISH.read_bytes())
    result = search(text="historia")
    assert result.total > 10
    assert dict(result.facets.language).get("swe") == result.total
    assert search(text="author:strindberg").total >= 1


def test_empty_query_finds_nothing(shelf):
    assert search(text="").total == 0


def test_on_the_shelf_filter_follows_where_the_copy_is_now(shelf, libraries):
    """The filter is a semi-join on item_on_shelf_idx: a copy counts where it stands now (its
    current library), only while available, and a title with two such copies is listed once."""
    sto, khm, deg = libraries["STO"], libraries["KHM"], libraries["DEG"]
    moved = RecordFactory(title="Mio i Degerfors", author="Lindgren, Astrid", year=1960)
    ItemFactory(record=moved, home_library=sto, current_library=deg, barcode="STO00900")
    ItemFactory(record=moved, home_library=deg, barcode="DEG00901")
    ItemFactory(record=moved, home_library=khm, barcode="KHM00902", status=Item.Status.ON_LOAN)

    def on_shelf(library):
        return titles(search(text="mio", filters=Filters(available_at=library.id), sort="title"))

    assert on_shelf(deg) == ["Mio i Degerfors"]
    assert on_shelf(khm) == ["Mio, min Mio"]
    assert on_shelf(sto) == []
    Item.objects.filter(barcode="KHM00001").update(status=Item.Status.ON_LOAN)
    assert on_shelf(khm) == []
