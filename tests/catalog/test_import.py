"""Importing real MARC files: what a librarian checks afterwards."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from catalog.importer import import_marc
from catalog.models import Item, Record
from tests.catalog.marcdata import LIBRIS, LOC_SWEDISH, MALFORMED

pytestmark = pytest.mark.django_db


def _isbn_record(libraries):
    return Record.objects.get(isbns__contains=["9789129657708"])


def test_import_swedish_loc_records_with_items_for_one_library(libraries):
    report = import_marc(data=LOC_SWEDISH.read_bytes(), library=libraries["KHM"])
    assert report.total == 855 and report.created == 855 and report.errors == []
    assert Record.objects.count() == 855
    pastorn = Record.objects.get(control_number="00001813")
    assert pastorn.title == "Pastorn, hans egenskaper och plikter"
    assert pastorn.authors[0] == "Harvey, H. (Hezekiah), 1821-1893"
    assert pastorn.language == "swe"
    assert Record.objects.filter(title__regex="[åäö]").count() > 100
    assert Record.objects.filter(authors__len__gt=0).count() > 700
    assert pastorn.search_vector is not None
    # LoC records carry no holdings: no items.
    assert Item.objects.count() == 0


def test_second_library_importing_overlapping_records_matches_instead_of_duplicating(libraries):
    data = (LIBRIS / "batch0.xml").read_bytes()
    first = import_marc(data=data, library=libraries["KGA"])
    second = import_marc(data=data, library=libraries["STO"])
    assert (first.created, first.items_added) == (1, 1)
    assert (second.created, second.matched, second.items_added) == (0, 1, 1)
    record = Record.objects.get()
    assert record.title == "Polisbilen får ett larm"
    assert record.isbns == ["9789150222319"]
    assert sorted(record.items.values_list("home_library__code", flat=True)) == ["KGA", "STO"]
    assert record.library_ids == sorted([libraries["KGA"].id, libraries["STO"].id])
    assert second.merges[0]["record_id"] == record.id
    assert "001/003" in second.merges[0]["why"]


def test_reimporting_the_same_file_adds_no_copies(libraries):
    data = (LIBRIS / "batch15.xml").read_bytes()
    import_marc(data=data, library=libraries["KGA"])
    again = import_marc(data=data, library=libraries["KGA"])
    assert again.created == 0 and again.items_added == 0 and again.items_present == 3
    assert Item.objects.count() == 3


def test_libris_holdings_map_sigels_to_our_libraries_and_report_unknown_ones(libraries, settings):
    settings.GRANSLOS = {
        **settings.GRANSLOS,
        "SIGEL_LIBRARY": {"Sods": "KGA", "Nyks": "KHM", "Li": "DEG"},
    }
    totals = {"created": 0, "matched": 0, "items": 0}
    unknown = {}
    for path in sorted(LIBRIS.glob("batch*.xml")):
        report = import_marc(data=path.read_bytes())
        totals["created"] += report.created
        totals["matched"] += report.matched
        totals["items"] += report.items_added
        unknown.update(report.unknown_libraries)
    # 14 batches describe LIBRIS record 20203738; batch10 has another 001 but the same 035 and
    # ISBN: one title, matched 14 times.
    assert Record.objects.count() == 1
    assert totals["created"] == 1 and totals["matched"] == 14
    polis = Record.objects.get(control_number="20203738", control_source="SE-LIBR")
    codes = sorted(polis.items.values_list("home_library__code", flat=True))
    assert set(codes) == {"DEG", "KGA", "KHM"}
    assert unknown == {"G": 1}


def test_isbn_match_across_sources(libraries):
    import_marc(data=(LIBRIS / "batch0.xml").read_bytes(), library=libraries["KGA"])
    # The same book as a different catalogue's record: only the ISBN is shared.
    import pymarc

    rec = pymarc.Record(leader="00000cam a2200000 a 4500", force_utf8=True)
    rec.add_field(pymarc.Field(tag="001", data="X1"))
    rec.add_field(pymarc.Field(tag="003", data="OTHER"))
    rec.add_field(
        pymarc.Field(
            tag="020", indicators=[" ", " "], subfields=[pymarc.Subfield("a", "91-502-2231-7")]
        )
    )
    rec.add_field(
        pymarc.Field(
            tag="245",
            indicators=["1", "0"],
            subfields=[pymarc.Subfield("a", "Polisbilen får ett larm")],
        )
    )
    rec.add_field(
        pymarc.Field(
            tag="852",
            indicators=[" ", " "],
            subfields=[pymarc.Subfield("b", "HFS"), pymarc.Subfield("p", "HFS0001")],
        )
    )
    report = import_marc(data=rec.as_marc())
    assert report.matched == 1 and report.merges[0]["why"].endswith("9789150222319")
    assert Item.objects.get(barcode="HFS0001").home_library.code == "HFS"


@pytest.mark.parametrize(
    ("filename", "good", "reasons"),
    [
        (
            "bad_records.mrc",
            0,  # its readable records have a blank record type in the leader
            {
                "broken_leader",
                "broken_directory",
                "no_fields",
                "truncated",
                "wrong_encoding",
                "invalid",
            },
        ),
        ("bad_indicator.dat", 0, {"invalid", "broken_leader"}),
        ("bad_subfield_code.dat", 0, {"bad_subfield_code"}),
        ("utf8_invalid.mrc", 0, {"bad_subfield_code"}),
        ("bad_marc8_escape.dat", 0, {"invalid"}),
        ("marc8.dat", 1, set()),
        ("utf8_errors.dat", 1, set()),
    ],
)
def test_malformed_records_are_reported_and_skipped(libraries, filename, good, reasons):
    report = import_marc(data=(MALFORMED / filename).read_bytes(), library=libraries["KGA"])
    assert {e["reason"] for e in report.errors} == reasons
    assert all(e["record"] >= 1 and e["message"] for e in report.errors)
    assert report.skipped == len(report.errors)
    # The good records of the file are in; none of the broken ones.
    assert Record.objects.count() == good == report.created


def test_bad_tag_in_marcxml_is_a_clear_report(libraries):
    report = import_marc(data=(MALFORMED / "bad_tag.xml").read_bytes())
    assert report.errors and report.errors[0]["reason"] in {"bad_xml", "invalid"}
    assert Record.objects.count() == 0


@pytest.mark.parametrize("data", [b"", b"\n\n", b"just some text, not MARC"])
def test_empty_or_foreign_file_is_a_clear_report(data):
    report = import_marc(data=data)
    assert report.fatal and report.created == 0
    assert Record.objects.count() == 0


def test_dry_run_writes_nothing(libraries):
    report = import_marc(
        data=(LIBRIS / "batch15.xml").read_bytes(), dry_run=True, library=libraries["KGA"]
    )
    assert report.created == 1 and report.items_added == 3 and report.dry_run
    assert Record.objects.count() == 0 and Item.objects.count() == 0


def test_batches_match_records_created_by_earlier_batches(libraries):
    data = b"".join((LIBRIS / f"batch{n}.xml").read_bytes() for n in [0])
    records = LOC_SWEDISH.read_bytes() * 2  # the file twice in a row
    report = import_marc(data=records, batch_size=100)
    assert report.created == 855 and report.matched == 855
    assert data  # (LIBRIS file read for symmetry)


def test_import_marc_command_progress_and_summary(libraries, capsys):
    out = StringIO()
    call_command("import_marc", str(LIBRIS / "batch15.xml"), "--library", "KHM", stdout=out)
    # The summary is in the default language (Swedish).
    assert "4 poster lästa: 1 nya, 0 matchade, 3 exemplar tillagda" in out.getvalue()
    assert Item.objects.filter(home_library__code="KHM").count() == 3
    err = capsys.readouterr().err
    assert "records" in err


def test_import_marc_command_dry_run_and_errors(libraries, capsys):
    out = StringIO()
    # Every record of this file is broken: the report is printed and the command fails.
    with pytest.raises(CommandError, match="every record"):
        call_command("import_marc", str(MALFORMED / "bad_records.mrc"), "--dry-run", stdout=out)
    assert "DRY RUN" in out.getvalue()
    assert "record 2: broken_leader" in capsys.readouterr().err
    assert Record.objects.count() == 0
    with pytest.raises(CommandError):
        call_command("import_marc", str(MALFORMED / "nope.mrc"))
    with pytest.raises(CommandError):
        call_command("import_marc", str(LIBRIS / "batch0.xml"), "--library", "XYZ")


def test_items_from_a_949_item_field_mapping(libraries, settings):
    import pymarc

    settings.GRANSLOS = {
        **settings.GRANSLOS,
        "ITEM_FIELDS": {
            "952": {"library": "a", "barcode": "p", "call_number": "o", "item_type": "y"}
        },
    }
    rec = pymarc.Record(leader="00000cam a2200000 a 4500", force_utf8=True)
    rec.add_field(pymarc.Field(tag="001", data="K1"))
    rec.add_field(
        pymarc.Field(
            tag="245",
            indicators=["1", "0"],
            subfields=[pymarc.Subfield("a", "Gösta Berlings saga")],
        )
    )
    for lib, barcode, kind in [("KGA", "KGA90001", "BOOK"), ("HFS", "HFS90001", "REFERENCE")]:
        rec.add_field(
            pymarc.Field(
                tag="952",
                indicators=[" ", " "],
                subfields=[
                    pymarc.Subfield("a", lib),
                    pymarc.Subfield("p", barcode),
                    pymarc.Subfield("o", "Hc Lagerlöf"),
                    pymarc.Subfield("y", kind),
                ],
            )
        )
    report = import_marc(data=rec.as_marc())
    assert report.items_added == 2
    items = {i.barcode: i for i in Item.objects.select_related("item_type", "home_library")}
    assert items["HFS90001"].item_type.code == "REFERENCE"
    assert items["KGA90001"].call_number == "Hc Lagerlöf"
    # The item fields are holdings: they are not kept in the stored bibliographic MARC.
    from catalog import marc

    stored = marc.from_iso2709(bytes(Record.objects.get().marc))
    assert stored.get_fields("952") == []
