"""Records as XML for SRU and OAI-PMH: MARCXML with our holdings (852), and Dublin Core."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable

import pymarc

from catalog.export import with_holdings
from catalog.models import Item, MediaType, Record

MARC_NS = "http://www.loc.gov/MARC21/slim"
DC_NS = "http://purl.org/dc/elements/1.1/"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
SRW_DC_NS = "info:srw/schema/1/dc-schema"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"

ET.register_namespace("marc", MARC_NS)
ET.register_namespace("dc", DC_NS)
ET.register_namespace("oai_dc", OAI_DC_NS)
ET.register_namespace("srw_dc", SRW_DC_NS)
ET.register_namespace("xsi", XSI_NS)

# Characters XML 1.0 cannot carry (MARC from outside sometimes holds them).
_BAD_XML = dict.fromkeys([*range(0, 9), 11, 12, *range(14, 32), 0xFFFE, 0xFFFF])


# The DCMI Type Vocabulary for our media types (machine-readable, not translated).
DCMI_TYPES = {
    MediaType.BOOK: "Text",
    MediaType.EBOOK: "Text",
    MediaType.PERIODICAL: "Text",
    MediaType.AUDIOBOOK: "Sound",
    MediaType.MUSIC: "Sound",
    MediaType.VIDEO: "MovingImage",
    MediaType.MAP: "StillImage",
    MediaType.SCORE: "Text",
    MediaType.GAME: "PhysicalObject",
    MediaType.KIT: "Collection",
    MediaType.LANGUAGE_COURSE: "Collection",
    MediaType.OTHER: "PhysicalObject",
}


def clean(text: str) -> str:
    return (text or "").translate(_BAD_XML)


def load(record_ids: Iterable[int]) -> list[Record]:
    """The records (in the given order) with their items: two statements."""
    ids = list(record_ids)
    by_id = {r.id: r for r in Record.objects.filter(pk__in=ids)}
    items: dict[int, list[Item]] = {}
    for item in (
        Item.objects.filter(record_id__in=ids).select_related("home_library").order_by("barcode")
    ):
        items.setdefault(item.record_id, []).append(item)
    out = []
    for rid in ids:
        if rid in by_id:
            record = by_id[rid]
            record.loaded_items = items.get(rid, [])
            out.append(record)
    return out


def marcxml(record: Record) -> ET.Element:
    """<marc:record> with the consortium's copies as 852 fields."""
    out = with_holdings(record, getattr(record, "loaded_items", []))
    for field in out.get_fields():
        if field.is_control_field():
            field.data = clean(field.data)
        else:
            field.subfields = [pymarc.Subfield(s.code, clean(s.value)) for s in field.subfields]
    # Our own serialisation of a stored record, not outside input.
    return ET.fromstring(pymarc.record_to_xml(out, namespace=True))  # noqa: S314


def dublin_core(record: Record, *, root_tag: str, root_ns: str) -> ET.Element:
    """Simple Dublin Core (oai_dc:dc or srw_dc:dc) from the extracted fields."""
    root = ET.Element(f"{{{root_ns}}}{root_tag}")

    def add(name: str, value) -> None:
        value = clean(str(value or "")).strip()
        if value:
            ET.SubElement(root, f"{{{DC_NS}}}{name}").text = value

    title = record.title + (f" : {record.subtitle}" if record.subtitle else "")
    add("title", title)
    for author in record.authors:
        add("creator", author)
    for subject in record.subjects:
        add("subject", subject)
    add("description", record.summary)
    add("publisher", record.publisher)
    add("date", record.year)
    add("type", DCMI_TYPES.get(record.media_type, "Text"))
    for language in record.languages or ([record.language] if record.language else []):
        add("language", language)
    for isbn in record.isbns:
        add("identifier", f"urn:isbn:{isbn}")
    for issn in record.issns:
        add("identifier", f"urn:issn:{issn}")
    return root
