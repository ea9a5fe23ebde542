"""The pure MARC helpers: ISBNs, extraction, media type, audience, validation, reading."""

import pymarc
import pytest

from catalog import marc
from tests.catalog.marcdata import LIBRIS, LOC_SWEDISH, MALFORMED


@pytest.fixture(autouse=True)
def _english():
    """Messages are translated; these tests read the English ones."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("91-7195-437-X", None),  # wrong check digit
        ("91-29-65770-9 (inb.)", "9789129657708"),
        ("9129657709", "9789129657708"),
        ("978-91-502-2231-9", "9789150222319"),
        ("9789150222319 inbunden", "9789150222319"),
        ("0-8044-2957-X", "9780804429573"),
        ("978-91-502-2231-8", None),  # bad check digit
        ("not an isbn", None),
        ("", None),
    ],
)
def test_normalize_isbn(raw, expected):
    assert marc.normalize_isbn(raw) == expected


@pytest.mark.parametrize(
    ("isbn13", "isbn10"),
    [("9789129657708", "9129657709"), ("9780804429573", "080442957X"), ("9791234567896", None)],
)
def test_isbn13_to_10(isbn13, isbn10):
    assert marc.isbn13_to_10(isbn13) == isbn10
    if isbn10:
        assert marc.isbn10_to_13(isbn10) == isbn13


def _record(leader="00000cam a2200000 a 4500", f008="", fields=()):
    rec = pymarc.Record(leader=leader, force_utf8=True)
    if f008:
        rec.add_field(pymarc.Field(tag="008", data=f008))
    for tag, subfields in fields:
        rec.add_field(
            pymarc.Field(
                tag=tag,
                indicators=pymarc.Indicators(" ", " "),
                subfields=[pymarc.Subfield(c, v) for c, v in subfields],
            )
        )
    return rec


BOOK_008 = "170327s2017    sw ||||j     |00| 0|swe d"


@pytest.mark.parametrize(
    ("leader", "f007", "fields", "expected"),
    [
        ("00000cam a2200000 a 4500", "", [], "book"),
        ("00000nas a2200000 a 4500", "", [], "periodical"),
        ("00000nim a2200000 a 4500", "", [], "audiobook"),
        ("00000njm a2200000 a 4500", "", [], "music"),
        ("00000ngm a2200000 a 4500", "vd cvaizs", [], "video"),
        ("00000cam a2200000 a 4500", "cr |||", [], "ebook"),
        ("00000nom a2200000 a 4500", "", [], "kit"),
        ("00000nrm a2200000 a 4500", "", [("245", [("a", "Alfapet : spel")])], "game"),
        (
            "00000nim a2200000 a 4500",
            "",
            [("245", [("a", "Tyska : språkkurs")])],
            "language_course",
        ),
        ("00000cam a2200000 a 4500", "", [("336", [("b", "spw")])], "audiobook"),
    ],
)
def test_media_type(leader, f007, fields, expected):
    rec = _record(leader=leader, fields=fields)
    if f007:
        rec.add_field(pymarc.Field(tag="007", data=f007))
    assert marc.media_type(rec) == expected


@pytest.mark.parametrize(
    ("code", "sab", "expected"),
    [
        ("j", "", "children"),
        ("d", "", "youth"),
        (" ", "", "adult"),
        (" ", "uHc", "youth"),
        (" ", "uHce", "youth"),
        (" ", "uGa", "children"),
        ("|", "Hc", "adult"),
    ],
)
def test_audience(code, sab, expected):
    f008 = BOOK_008[:22] + code + BOOK_008[23:]
    fields = [("084", [("a", sab)])] if sab else []
    assert marc.audience(_record(f008=f008, fields=fields)) == expected


def test_extract_swedish_loc_record_keeps_å_ä_ö():
    results = list(marc.read_records(LOC_SWEDISH.read_bytes()))
    assert len(results) == 855
    assert all(r.error is None for r in results)
    data = [marc.extract(r.record) for r in results]
    first = data[0]
    assert first.title == "Pastorn, hans egenskaper och plikter"
    assert first.authors == ("Harvey, H. (Hezekiah), 1821-1893", "Hedeen, Olaf, 1860-")
    assert first.responsibility == "Auktoriserad öfversättning af O. Hedeen"
    assert first.control_number == "00001813" and first.control_source == "DLC"
    assert first.language == "swe" and first.year == 1900
    assert any("ö" in d.title or "ä" in d.title or "å" in d.title for d in data)
    assert sum(1 for d in data if d.isbns) > 50
    assert all(len(i) == 13 for d in data for i in d.isbns)


def test_extract_libris_record_with_isbn_and_contributors():
    results = list(marc.read_records((LIBRIS / "batch0.xml").read_bytes()))
    bib, holding = results[0].record, results[1].record
    assert not marc.is_holdings(bib) and marc.is_holdings(holding)
    d = marc.extract(bib)
    assert d.title == "Polisbilen får ett larm"
    assert d.authors == ("Bently, Peter", "Lightfoot, Marta", "Vidén, Eva")
    assert d.isbns == ("9789150222319",)
    assert d.audience == "children"
    assert d.publisher == "Berghs"
    assert marc.holdings(holding)[0].library_code == "Sods"


def test_marc8_record_is_converted_to_unicode():
    (result,) = list(marc.read_records((MALFORMED / "marc8.dat").read_bytes()))
    d = marc.extract(result.record)
    assert d.title == "Escape from loneliness"
    assert marc.validate(result.record) == []


@pytest.mark.parametrize(
    ("filename", "reasons"),
    [
        ("bad_records.mrc", {"broken_leader", "broken_directory", "no_fields", "truncated"}),
        ("utf8_invalid.mrc", {"bad_subfield_code"}),
    ],
)
def test_reader_reports_broken_records_and_goes_on(filename, reasons):
    results = list(marc.read_records((MALFORMED / filename).read_bytes()))
    assert {r.error.reason for r in results if r.error} >= reasons


@pytest.mark.parametrize(
    ("filename", "fragment"),
    [
        ("bad_indicator.dat", "tag"),
        ("bad_subfield_code.dat", "subfield_code"),
        ("bad_marc8_escape.dat", "control characters"),
    ],
)
def test_validate_finds_the_problem(filename, fragment):
    results = list(marc.read_records((MALFORMED / filename).read_bytes()))
    problems = [p for r in results if r.record for p in marc.validate(r.record)] + [
        r.error.reason for r in results if r.error
    ]
    assert any(fragment in p for p in problems), problems


def test_empty_and_non_marc_files_raise():
    with pytest.raises(marc.MarcError) as empty:
        list(marc.read_records(b"  \n"))
    assert empty.value.reason == "empty_file"
    with pytest.raises(marc.MarcError) as other:
        list(marc.read_records(b"hello, this is a text file"))
    assert other.value.reason == "not_marc"


def test_round_trip_iso2709_and_marcxml():
    (result, *_rest) = list(marc.read_records(LOC_SWEDISH.read_bytes()))
    raw = marc.to_iso2709(result.record)
    again = marc.from_iso2709(raw)
    assert marc.extract(again).title == "Pastorn, hans egenskaper och plikter"
    xml = marc.to_marcxml([again])
    (from_xml,) = [r.record for r in marc.read_records(xml)]
    assert marc.extract(from_xml).responsibility == "Auktoriserad öfversättning af O. Hedeen"
