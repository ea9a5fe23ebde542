"""MARC export: stored records with their items as 852 holdings fields."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pymarc
from django.http import Http404, HttpResponse

from catalog import marc
from catalog.models import Item, Record


def with_holdings(record: Record, items: Iterable[Item]) -> pymarc.Record:
    """The record's MARC plus one 852 per copy ($b library, $c shelf, $h call number,
    $p barcode, $z status)."""
    out = marc.from_iso2709(bytes(record.marc))
    out.remove_fields("852")
    for item in items:
        if item.status == Item.Status.WITHDRAWN:
            continue
        subfields = [pymarc.Subfield("b", item.home_library.code)]
        if item.shelf_location:
            subfields.append(pymarc.Subfield("c", item.shelf_location))
        if item.call_number:
            subfields.append(pymarc.Subfield("h", item.call_number))
        subfields.append(pymarc.Subfield("p", item.barcode))
        subfields.append(pymarc.Subfield("z", item.status))
        out.add_field(
            pymarc.Field(tag="852", indicators=pymarc.Indicators(" ", " "), subfields=subfields)
        )
    return out


def iter_records(queryset=None, chunk: int = 2000) -> Iterator[pymarc.Record]:
    """Every record (by id) with holdings, in chunks: two queries per chunk."""
    queryset = queryset if queryset is not None else Record.objects.all()
    last = 0
    while True:
        records = list(queryset.filter(pk__gt=last).order_by("pk").only("id", "marc")[:chunk])
        if not records:
            return
        items: dict[int, list[Item]] = {}
        for item in Item.objects.filter(record__in=records).select_related("home_library"):
            items.setdefault(item.record_id, []).append(item)
        for record in records:
            yield with_holdings(record, sorted(items.get(record.id, []), key=lambda i: i.barcode))
        last = records[-1].id


def record_marc_response(record_id: int, fmt: str) -> HttpResponse:
    record = Record.objects.filter(pk=record_id).only("id", "marc").first()
    if record is None or fmt not in {"marcxml", "marc"}:
        raise Http404
    items = Item.objects.filter(record=record).select_related("home_library").order_by("barcode")
    out = with_holdings(record, items)
    if fmt == "marcxml":
        return HttpResponse(marc.to_marcxml([out]), content_type="application/marcxml+xml")
    response = HttpResponse(marc.to_iso2709(out), content_type="application/marc")
    response["Content-Disposition"] = f'attachment; filename="record-{record_id}.mrc"'
    return response
