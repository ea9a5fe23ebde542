"""Demo catalogue for ``seed_demo``: real LoC records plus a few Swedish media, with items.

``load_demo_catalog`` is idempotent: records are matched on re-import (001/003) and item
barcodes are deterministic, so a second run adds nothing.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pymarc
from django.db import transaction

from catalog.bulk import copy_objects
from catalog.importer import ITEM_COLUMNS, MEDIA_ITEM_TYPE, import_marc
from catalog.indexing import refresh_library_ids
from catalog.models import Item, ItemType, Record
from libraries.models import Library

DATA = Path(__file__).resolve().parent / "data"
FILES = ["loc-swedish.mrc", "loc-sample-2500.mrc"]
# Copies per title are spread roughly by population: Karlskoga most, Storfors fewest.
LIBRARY_WEIGHTS = [("KGA", 30), ("KHM", 24), ("DEG", 9), ("HFS", 7), ("STO", 4)]

# (leader type+level, title, author, year, audience 008/22, language, SAB)
SWEDISH_MEDIA = [
    ("im", "Bröderna Lejonhjärta", "Lindgren, Astrid", 2004, "j", "swe", "uHc"),
    ("im", "Utvandrarna", "Moberg, Vilhelm", 2015, " ", "swe", "Hc"),
    ("gm", "Mio min Mio", "Gramatky, Vladimir", 1987, "j", "swe", ""),
    ("gm", "Jerusalem", "August, Bille", 1996, " ", "swe", ""),
    ("jm", "Visor från Värmland", "Fröding, Gustaf", 2010, " ", "swe", ""),
    ("im", "Svenska för nybörjare : språkkurs", "Folkuniversitetet", 2019, " ", "swe", "Fc"),
    ("rm", "Alfapet : spel", "Alga", 2018, " ", "swe", ""),
    (
        "am",
        "Nils Holgerssons underbara resa genom Sverige",
        "Lagerlöf, Selma",
        2007,
        "j",
        "swe",
        "uHc",
    ),
    ("am", "Röda rummet", "Strindberg, August", 2012, " ", "swe", "Hc"),
    ("am", "Mumintrollet i Kometjakten", "Jansson, Tove", 2016, "j", "swe", "uHc"),
]


def _write(stdout, text: str) -> None:
    if stdout is not None:
        stdout.write(text + "\n")


def _swedish_media_file() -> bytes:
    out = bytearray()
    for n, (kind, title, author, year, aud, lang, sab) in enumerate(SWEDISH_MEDIA, start=1):
        rec = pymarc.Record(leader=f"00000n{kind} a2200000 i 4500", force_utf8=True)
        rec.add_field(pymarc.Field(tag="001", data=f"DEMO{n:04d}"))
        rec.add_field(pymarc.Field(tag="003", data="GRANSLOS"))
        rec.add_field(
            pymarc.Field(tag="008", data=f"200101s{year}    sw ||||{aud}     |00| 0|{lang} d")
        )

        def df(tag, subs, ind=(" ", " "), rec=rec):
            rec.add_field(
                pymarc.Field(
                    tag=tag,
                    indicators=pymarc.Indicators(*ind),
                    subfields=[pymarc.Subfield(c, v) for c, v in subs if v],
                )
            )

        if sab:
            df("084", [("a", sab), ("2", "kssb/8")])
        df("100", [("a", author)], ("1", " "))
        df("245", [("a", title)], ("1", "0"))
        df("264", [("b", "Demoförlaget"), ("c", str(year))], (" ", "1"))
        out += rec.as_marc()
    return bytes(out)


def _copies(control: str) -> list[str]:
    """Deterministic: 1–3 copies per title, libraries drawn by population weight."""
    digest = hashlib.sha256(control.encode()).digest()
    count = 1 + digest[0] % 3
    total = sum(w for _c, w in LIBRARY_WEIGHTS)
    codes = []
    for i in range(count):
        pick = digest[1 + i] % total
        for code, weight in LIBRARY_WEIGHTS:
            if pick < weight:
                codes.append(code)
                break
            pick -= weight
    return codes


@transaction.atomic
def _create_items(stdout) -> int:
    libraries = {lib.code: lib for lib in Library.objects.all()}
    types = {t.code: t for t in ItemType.objects.all()}
    existing = set(Item.objects.filter(barcode__startswith="9").values_list("barcode", flat=True))
    items = []
    records = Record.objects.order_by("id").values_list(
        "id", "control_source", "control_number", "media_type", "author_sort", "audience"
    )
    for record_id, source, number, media, author, audience in records:
        key = f"{source}:{number.strip()}"
        digest = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16)
        for copy_no, code in enumerate(_copies(key), start=1):
            barcode = f"9{digest % 10**8:08d}{copy_no}"
            if barcode in existing:
                continue
            existing.add(barcode)
            lib = libraries[code]
            items.append(
                Item(
                    record_id=record_id,
                    barcode=barcode,
                    home_library=lib,
                    current_library=lib,
                    item_type=types[MEDIA_ITEM_TYPE.get(media, "BOOK")],
                    call_number=(author.split(",")[0].title() if author else "")[:80],
                    shelf_location=demo_shelf_location(media=media, audience=audience),
                    status=Item.Status.IN_STORAGE if digest % 37 == 0 else Item.Status.AVAILABLE,
                )
            )
    copy_objects(items, ITEM_COLUMNS)
    refresh_library_ids({i.record_id for i in items})
    return len(items)


def load_demo_catalog(*, stdout=None) -> None:
    """Import the demo MARC files and give every title copies at the five libraries."""
    for name in FILES:
        report = import_marc(data=(DATA / name).read_bytes())
        _write(stdout, f"{name}: {report.summary()}")
    report = import_marc(data=_swedish_media_file())
    _write(stdout, f"Swedish demo media: {report.summary()}")
    added = _create_items(stdout)
    _write(stdout, f"{added} demo items added ({Item.objects.count()} in all)")
    _fill_shelf_locations()


# Where a demo copy stands in the library (Swedish shelf signs; the pick list sorts by them).
SHELF_BY_MEDIA = {
    "audiobook": "Ljudböcker",
    "video": "Film",
    "music": "Musik",
    "periodical": "Tidskrifter",
    "language_course": "Språkkurser",
    "game": "Spel",
    "kit": "Spel",
}
SHELF_BY_AUDIENCE = {"children": "Barn", "youth": "Unga", "adult": "Vuxen"}


def demo_shelf_location(*, media: str, audience: str) -> str:
    """The demo copy's shelf: by media (film, music...), books by audience (Barn, Unga, Vuxen)."""
    if media in SHELF_BY_MEDIA:
        return SHELF_BY_MEDIA[media]
    return SHELF_BY_AUDIENCE.get(audience, "Vuxen")


def _fill_shelf_locations() -> None:
    """Demo copies made before they had shelf locations get one (a few UPDATEs, idempotent)."""
    for media, audience in (
        Record.objects.filter(items__barcode__startswith="9", items__shelf_location="")
        .values_list("media_type", "audience")
        .distinct()
    ):
        Item.objects.filter(
            barcode__startswith="9",
            shelf_location="",
            record__media_type=media,
            record__audience=audience,
        ).update(shelf_location=demo_shelf_location(media=media, audience=audience))
