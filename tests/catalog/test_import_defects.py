"""Issue 13's import defects: a false merge on a shared 035, half-written imports, control
characters in data, MARCXML record by record, the report's cut lists, exit codes."""

import io

import pymarc
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from catalog import importer, marc
from catalog.importer import REPORT_LIST_LIMIT, ImportReport, import_marc
from catalog.models import Record
from catalog.search import search
from tests.catalog.marcdata import LOC_SAMPLE, LOC_SWEDISH

pytestmark = pytest.mark.django_db


def real_records(path, numbers):
    """Records of a real file by their number in it (1-based)."""
    chunks = path.read_bytes().split(b"\x1d")
    return [marc.from_iso2709(chunks[n - 1] + b"\x1d") for n in numbers]


def iso(records) -> bytes:
    return b"".join(marc.to_iso2709(r) for r in records)


def with_035(record: pymarc.Record, number: str) -> pymarc.Record:
    record.remove_fields("035", "020")
    record.add_ordered_field(pymarc.Field("035", [" ", " "], [pymarc.Subfield("a", number)]))
    return record


def test_a_shared_035_with_another_title_and_year_is_reported_not_merged():
    # Two real, different books (Swedish, 2000s; and one from the LoC sample), one OCLC number.
    swedish, other = real_records(LOC_SWEDISH, [1]) + real_records(LOC_SAMPLE, [7])
    a, b = marc.extract(swedish), marc.extract(other)
    assert a.title[:12].lower() != b.title[:12].lower()
    first = import_marc(data=iso([with_035(swedish, "(OCoLC)12345")]))
    second = import_marc(data=iso([with_035(other, "(OCoLC)12345")]))
    assert first.created == 1 and second.created == 1 and second.matched == 0
    assert second.conflicts and "035" in second.conflicts[0]["why"]
    assert Record.objects.count() == 2
    for title in (a.title, b.title):
        assert search(text=title).total >= 1  # neither vanished from search


def test_a_shared_035_with_the_same_title_still_merges():
    (record,) = real_records(LOC_SWEDISH, [2])
    import_marc(data=iso([with_035(record, "(OCoLC)777")]))
    (again,) = real_records(LOC_SWEDISH, [2])
    again.remove_fields("001")
    report = import_marc(data=iso([with_035(again, "(OCoLC)777")]))
    assert report.matched == 1 and not report.conflicts


def _long_record(title: str, author: str) -> pymarc.Record:
    rec = pymarc.Record(leader="00000cam a2200000 a 4500", force_utf8=True)
    rec.add_field(pymarc.Field("008", data="200101s2020    sw            000 0 swe d"))
    rec.add_field(pymarc.Field("100", ["1", " "], [pymarc.Subfield("a", author)]))
    rec.add_field(pymarc.Field("245", ["1", "0"], [pymarc.Subfield("a", title)]))
    return rec


def test_long_author_and_title_are_cut_where_stored_and_nothing_is_left_behind():
    real = real_records(LOC_SWEDISH, range(1, 856))
    long_ones = [
        _long_record("Kort titel", "Å" * 300),  # varchar(255)
        _long_record("Åäö " * 475, "Andersson, Anna"),  # 1,900 letters, ~3,300 bytes
    ]
    records = real[:600] + long_ones + real[600:]
    report = import_marc(data=iso(records), batch_size=500)
    assert not report.errors, report.errors[:3]
    assert report.created == len(records) == Record.objects.count()
    assert Record.objects.filter(authors__contains=["Å" * 255]).exists()
    long_title = Record.objects.get(title__startswith="Åäö Åäö")
    assert search(text=long_title.title).records[0].id == long_title.id


def test_a_database_error_rejects_that_record_only(monkeypatch):
    real = real_records(LOC_SWEDISH, range(1, 301))
    build = importer.build_record

    def broken_for_one(marc_record, data=None):
        record = build(marc_record, data)
        if record.control_number == marc.extract(real[150]).control_number:
            record.authors = ["x" * 300]  # past varchar(255): the database refuses it
        return record

    monkeypatch.setattr(importer, "build_record", broken_for_one)
    report = import_marc(data=iso(real), batch_size=100)
    assert [(e["record"], e["reason"]) for e in report.errors] == [(151, "database_error")]
    assert report.created == 299 == Record.objects.count()


def test_a_carriage_return_inside_an_880_is_cleaned_not_rejected():
    (record,) = real_records(LOC_SAMPLE, [2994])  # Arabic script with a CR inside its 880
    assert any("\r" in sf.value for f in record.get_fields("880") for sf in f.subfields)
    report = import_marc(data=iso([record]))
    assert report.created == 1 and not report.errors
    stored = marc.from_iso2709(Record.objects.get().marc)
    assert not any("\r" in sf.value for f in stored.get_fields("880") for sf in f.subfields)


def test_structure_breaking_characters_are_still_rejected():
    rec = _long_record("Titel\x1emed fältslut", "Andersson, Anna")
    assert marc.validate(rec)


def test_one_bad_marcxml_record_rejects_only_itself():
    good = real_records(LOC_SWEDISH, [3, 4])
    xml = marc.to_marcxml([good[0], _long_record("Trasig", "X"), good[1]]).decode()
    broken = xml.replace(
        "<leader>00000cam a2200000 a 4500</leader>", "<leader>      Z   22 4500</leader>", 1
    )
    assert broken != xml
    report = import_marc(data=broken.encode())
    assert report.created == 2
    assert [(e["record"], e["reason"]) for e in report.errors] == [(2, "invalid")]


def test_the_json_report_says_when_it_cuts_a_list():
    report = ImportReport()
    report.merges = [{"record": n} for n in range(REPORT_LIST_LIMIT + 5)]
    data = report.as_dict()
    assert len(data["merges"]) == REPORT_LIST_LIMIT
    assert data["truncated"] == {"merges": REPORT_LIST_LIMIT + 5}
    assert ImportReport().as_dict()["truncated"] == {}


def test_the_command_fails_when_every_record_is_rejected(tmp_path):
    path = tmp_path / "all-bad.xml"
    path.write_bytes(marc.to_marcxml([_long_record("", "Utan titel")]))
    with pytest.raises(CommandError, match="every record"):
        call_command("import_marc", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    good = tmp_path / "good.mrc"
    good.write_bytes(iso(real_records(LOC_SWEDISH, [5])))
    call_command("import_marc", str(good), stdout=io.StringIO(), stderr=io.StringIO())
