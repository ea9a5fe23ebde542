"""export_marc: the whole catalogue (or one library's part) as ISO 2709 or MARCXML."""

from io import StringIO

import pytest
from django.core.management import call_command

from catalog import marc
from catalog.importer import import_marc
from tests.catalog.marcdata import LIBRIS, LOC_SWEDISH

pytestmark = pytest.mark.django_db


def test_export_iso2709_round_trips_with_holdings(libraries, tmp_path):
    import_marc(data=LOC_SWEDISH.read_bytes())
    import_marc(data=(LIBRIS / "batch15.xml").read_bytes(), library=libraries["KHM"])
    out = tmp_path / "all.mrc"
    err = StringIO()
    call_command("export_marc", "--output", str(out), stderr=err)
    assert "856 records exported" in err.getvalue()
    results = list(marc.read_records(out.read_bytes()))
    assert len(results) == 856 and not any(r.error for r in results)
    titles = {marc.extract(r.record).title for r in results}
    assert "Pastorn, hans egenskaper och plikter" in titles
    holdings = [h for r in results for h in marc.holdings(r.record)]
    assert [h.library_code for h in holdings] == ["KHM", "KHM", "KHM"]


def test_export_marcxml_for_one_library_reimports_as_matches(libraries, tmp_path):
    import_marc(data=LOC_SWEDISH.read_bytes())
    import_marc(data=(LIBRIS / "batch0.xml").read_bytes(), library=libraries["STO"])
    out = tmp_path / "sto.xml"
    call_command(
        "export_marc",
        "--format",
        "marcxml",
        "--library",
        "STO",
        "--output",
        str(out),
        stderr=StringIO(),
    )
    (result,) = list(marc.read_records(out.read_bytes()))
    assert marc.extract(result.record).title == "Polisbilen får ett larm"
    again = import_marc(data=out.read_bytes())
    assert (again.created, again.matched, again.items_added, again.items_present) == (0, 1, 0, 1)
