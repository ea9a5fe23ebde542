"""PURE MARC21 helpers: read files, validate records, extract the fields the catalogue needs.

No models, no settings, no clock. Everything takes and returns plain values or pymarc objects.
Reading files lives in ``catalog/marc_read.py`` and standard numbers (ISBN, ISSN) in
``catalog/isbn.py``; their names are re-exported here, so ``marc.read_records`` and
``marc.normalize_isbn`` keep working.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass, field

import pymarc
from django.utils.translation import gettext_lazy as _

from catalog.isbn import ISBN_CHARS_RE as ISBN_CHARS_RE
from catalog.isbn import ISSN_RE as ISSN_RE
from catalog.isbn import isbn10_to_13 as isbn10_to_13
from catalog.isbn import isbn13_to_10 as isbn13_to_10
from catalog.isbn import isbn_variants as isbn_variants
from catalog.isbn import normalize_isbn as normalize_isbn
from catalog.isbn import normalize_issn as normalize_issn
from catalog.marc_read import PYMARC_REASONS as PYMARC_REASONS
from catalog.marc_read import MarcError as MarcError
from catalog.marc_read import ReadResult as ReadResult
from catalog.marc_read import detect_format as detect_format
from catalog.marc_read import read_records as read_records

# --- Validation ------------------------------------------------------------------------------

TAG_RE = re.compile(r"^[0-9A-Za-z]{3}$")
INDICATOR_RE = re.compile(r"^[0-9a-z ]$")
SUBFIELD_CODE_RE = re.compile(r"^[0-9a-z]$")
# What breaks a record's structure (MARC's delimiters) or shows a wrong encoding: rejected.
CONTROL_CHARS_RE = re.compile(r"[\x1b\x1d\x1e\x1f\ufffd]")  # 1B: a MARC-8 escape left over
# Control characters that may stand in data (a carriage return in an 880, a tab): cleaned.
CLEANABLE_RE = re.compile(r"[\x00-\x1a\x1c\x7f]")


def clean_control_characters(record: pymarc.Record) -> None:
    """Line breaks and tabs inside data become spaces, other harmless control characters go
    (in place). The delimiters 1D/1E/1F are left for ``validate`` to reject."""
    for f in record.fields:
        if f.is_control_field():
            if f.data and CLEANABLE_RE.search(f.data):
                f.data = _clean_controls(f.data)
            continue
        for i, sf in enumerate(f.subfields):
            if sf.value and CLEANABLE_RE.search(sf.value):
                f.subfields[i] = pymarc.Subfield(sf.code, _clean_controls(sf.value))


def _clean_controls(value: str) -> str:
    return CLEANABLE_RE.sub(lambda m: " " if m.group() in "\t\n\r\x0b\x0c" else "", value)


LEADER_TYPES = set("acdefgijkmoprtuvxyz")


def validate(record: pymarc.Record) -> list[str]:
    """Every problem that makes a record unfit to store, as translated sentences."""
    problems: list[str] = []
    leader = str(record.leader)
    if len(leader) != 24 or leader[6] not in LEADER_TYPES or leader[9] not in " a":
        problems.append(str(_("the leader is not a valid MARC21 leader")))
    for f in record.fields:
        if not TAG_RE.match(f.tag or ""):
            problems.append(str(_("field tag %(tag)r is not valid") % {"tag": f.tag}))
            continue
        if f.is_control_field():
            if f.data and CONTROL_CHARS_RE.search(f.data):
                problems.append(str(_("field %(tag)s holds control characters") % {"tag": f.tag}))
            continue
        for ind in (f.indicator1, f.indicator2):
            if ind is None or not INDICATOR_RE.match(ind):
                problems.append(
                    str(
                        _("field %(tag)s has an invalid indicator %(ind)r")
                        % {"tag": f.tag, "ind": ind}
                    )
                )
                break
        for sf in f.subfields:
            if not SUBFIELD_CODE_RE.match(sf.code or ""):
                problems.append(
                    str(
                        _("field %(tag)s has an invalid subfield code %(code)r")
                        % {"tag": f.tag, "code": sf.code}
                    )
                )
            elif CONTROL_CHARS_RE.search(sf.value or ""):
                problems.append(
                    str(
                        _("field %(tag)s $%(code)s holds control characters (bad encoding?)")
                        % {"tag": f.tag, "code": sf.code}
                    )
                )
    if not is_holdings(record) and not _clean(_sub(record, "245", "a")):
        problems.append(str(_("the record has no title (245 $a)")))
    return problems


def is_holdings(record: pymarc.Record) -> bool:
    """A MARC21 holdings record (leader/06 u, v, x or y)."""
    return str(record.leader)[6:7] in {"u", "v", "x", "y"}


# --- Extraction ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Holding:
    """One copy described in the MARC (852 or a 949/952-style item field)."""

    library_code: str  # the raw code from the file (our code or a LIBRIS sigel)
    barcode: str = ""
    call_number: str = ""
    shelf_location: str = ""
    price: str = ""
    item_type: str = ""


@dataclass(frozen=True)
class RecordData:
    """What the catalogue stores besides the MARC itself."""

    title: str
    subtitle: str = ""
    responsibility: str = ""
    title_sort: str = ""
    authors: tuple[str, ...] = ()
    author_sort: str = ""
    isbns: tuple[str, ...] = ()
    issns: tuple[str, ...] = ()
    control_number: str = ""
    control_source: str = ""
    system_numbers: tuple[str, ...] = ()
    year: int | None = None
    publisher: str = ""
    language: str = ""
    languages: tuple[str, ...] = ()
    media_type: str = "book"
    audience: str = "adult"
    subjects: tuple[str, ...] = ()
    sab: str = ""
    dewey: str = ""
    series: str = ""
    summary: str = ""
    holdings: tuple[Holding, ...] = field(default=(), compare=False)


TRAILING_PUNCT = " /:;,.=+"


def _clean(value: str | None) -> str:
    if not value:
        return ""
    value = unicodedata.normalize("NFC", value).strip()
    while value and value[-1] in TRAILING_PUNCT:
        # Keep a full stop after an initial ("Jr.", "A.") — good enough: only strip if the
        # word before it is longer than one letter.
        if value[-1] == "." and re.search(r"\b\w\.$", value):
            break
        value = value[:-1].rstrip()
    return value.strip("[] ") if value.startswith("[") and value.endswith("]") else value


def _sub(record: pymarc.Record, tag: str, code: str) -> str:
    for f in record.get_fields(tag):
        values = f.get_subfields(code)
        if values:
            return values[0]
    return ""


def _subs(f: pymarc.Field, codes: str) -> str:
    return " ".join(sf.value for sf in f.subfields if sf.code in codes and sf.value)


def _control(record: pymarc.Record, tag: str) -> str:
    fields = record.get_fields(tag)
    return (fields[0].data or "") if fields else ""


def sort_key(value: str, skip: int = 0) -> str:
    """A lower-cased sort key without the non-filing characters (245 ind2)."""
    return unicodedata.normalize("NFC", value[skip:] if 0 < skip < len(value) else value).lower()[
        :255
    ]


class _IndexedRecord:
    """A read-only view of a record with its fields indexed by tag (extract asks ~40 times)."""

    def __init__(self, record: pymarc.Record):
        self.leader = record.leader
        self.fields = record.fields
        self._by_tag: dict[str, list[pymarc.Field]] = {}
        for f in record.fields:
            self._by_tag.setdefault(f.tag, []).append(f)

    def get_fields(self, *tags: str) -> list[pymarc.Field]:
        if len(tags) == 1:
            return self._by_tag.get(tags[0], [])
        wanted = set(tags)
        return [f for f in self.fields if f.tag in wanted]


def extract(
    record: pymarc.Record, item_field_map: dict[str, dict[str, str]] | None = None
) -> RecordData:
    """The fields the catalogue needs, from a MARC21 bibliographic record."""
    record = _IndexedRecord(record)  # type: ignore[assignment]
    f245 = record.get_fields("245")
    title = subtitle = responsibility = ""
    skip = 0
    if f245:
        f = f245[0]
        title = _clean(" ".join(f.get_subfields("a", "n", "p")))
        subtitle = _clean(" ".join(f.get_subfields("b")))
        responsibility = _clean(" ".join(f.get_subfields("c")))
        skip = int(f.indicator2) if (f.indicator2 or "").isdigit() else 0
    authors: list[str] = []
    for tag in ("100", "110", "111", "700", "710", "711"):
        for f in record.get_fields(tag):
            name = _clean(_subs(f, "abcdq" if tag.endswith("00") else "abcdn"))
            name = name[:255]  # the column's length (a 300-letter name broke an import)
            if name and name not in authors:
                authors.append(name)
    isbns: list[str] = []
    for f in record.get_fields("020"):
        for value in f.get_subfields("a"):
            isbn = normalize_isbn(value)
            if isbn and isbn not in isbns:
                isbns.append(isbn)
    issns = []
    for f in record.get_fields("022"):
        for value in f.get_subfields("a"):
            issn = normalize_issn(value)
            if issn and issn not in issns:
                issns.append(issn)
    f008 = _control(record, "008")
    languages = _languages(record, f008)
    subjects: list[str] = []
    for tag in ("600", "610", "611", "630", "648", "650", "651", "655"):
        for f in record.get_fields(tag):
            main = _subs(f, "abcdt")
            subdivisions = [sf.value for sf in f.subfields if sf.code in "vxyz" and sf.value]
            subject = _clean(" -- ".join([_clean(main), *map(_clean, subdivisions)]).strip(" -"))
            if subject and subject not in subjects:
                subjects.append(subject)
    series = ""
    for tag in ("490", "830", "440", "800"):
        for f in record.get_fields(tag):
            series = _clean(_subs(f, "atv" if tag != "800" else "t"))
            if series:
                break
        if series:
            break
    publisher = ""
    for f in record.get_fields("264", "260"):
        publisher = _clean(" ".join(f.get_subfields("b")))
        if publisher:
            break
    return RecordData(
        title=title or _clean(_sub(record, "245", "k")),
        subtitle=subtitle,
        responsibility=responsibility,
        title_sort=sort_key(title, skip),
        authors=tuple(authors[:40]),
        author_sort=sort_key(authors[0]) if authors else "",
        isbns=tuple(isbns),
        issns=tuple(issns),
        control_number=_control(record, "001").strip()[:64],
        control_source=_control(record, "003").strip()[:32],
        system_numbers=tuple(
            dict.fromkeys(
                v.strip()[:80]
                for f in record.get_fields("035")
                for v in f.get_subfields("a")
                if v.strip()
            )
        ),
        year=_year(record, f008),
        publisher=publisher[:255],
        language=languages[0] if languages else "",
        languages=tuple(languages),
        media_type=media_type(record),
        audience=audience(record),
        subjects=tuple(s[:255] for s in subjects[:60]),
        sab=_clean(_sub(record, "084", "a"))[:64],
        dewey=_clean(_sub(record, "082", "a"))[:64],
        series=series[:255],
        summary=_clean(" ".join(f.value() for f in record.get_fields("520"))),
        holdings=tuple(holdings(record, item_field_map)),
    )


def _year(record: pymarc.Record, f008: str) -> int | None:
    candidates = [f008[7:11]] if len(f008) >= 11 else []
    for f in record.get_fields("264", "260"):
        candidates.extend(f.get_subfields("c"))
    for value in candidates:
        match = re.search(r"\b(1[0-9]{3}|20[0-9]{2})\b", value or "")
        if match:
            return int(match.group(1))
    return None


def _languages(record: pymarc.Record, f008: str) -> list[str]:
    langs: list[str] = []
    if len(f008) >= 38 and re.fullmatch(r"[a-z]{3}", f008[35:38]):
        langs.append(f008[35:38])
    for f in record.get_fields("041"):
        for value in f.get_subfields("a", "d"):
            for i in range(0, len(value) - 2, 3):
                code = value[i : i + 3].lower()
                if re.fullmatch(r"[a-z]{3}", code) and code not in langs:
                    langs.append(code)
    return [lang for lang in langs if lang not in {"und", "zxx", "mul"}] or langs


def _rda(record: pymarc.Record, tag: str) -> set[str]:
    return {v.lower() for f in record.get_fields(tag) for v in f.get_subfields("b")}


def media_type(record: pymarc.Record) -> str:
    """book / audiobook / ebook / video / music / periodical / language_course / game / kit /
    map / score / other — from leader/06-07, 007, 008 and RDA 336–338."""
    leader = str(record.leader)
    rtype, level = leader[6:7], leader[7:8]
    f007 = _control(record, "007")
    content, carrier = _rda(record, "336"), _rda(record, "338")
    text = " ".join(
        v.lower() for f in record.get_fields("245", "300", "500") for v in f.get_subfields("a", "h")
    )
    if "språkkurs" in text or "language course" in text:
        return "language_course"
    if rtype in {"a", "t"} and level in {"s", "i"}:
        return "periodical"
    if rtype == "i" or "spw" in content:
        return "audiobook"
    if rtype == "j" or "prm" in content:
        return "music"
    if rtype == "g" or "tdi" in content or f007.startswith("v"):
        return "video"
    if rtype == "r" and ("spel" in text or "game" in text):
        return "game"
    if rtype == "o":
        return "kit"
    if rtype in {"e", "f"}:
        return "map"
    if rtype in {"c", "d"}:
        return "score"
    if rtype in {"a", "t"}:
        if f007.startswith("cr") or "cr" in carrier:
            return "ebook"
        return "book"
    if rtype == "m":
        return "ebook" if "txt" in content else "other"
    return "other"


def audience(record: pymarc.Record) -> str:
    """adult / youth / children from 008/22 (target audience) and the SAB u-prefix
    (uHc… is youth fiction, other u… children's)."""
    f008 = _control(record, "008")
    code = f008[22:23] if len(f008) > 22 else ""
    sab = _sub(record, "084", "a")
    if code == "d" or sab.startswith("uHc"):
        return "youth"
    if code in {"a", "b", "c", "j"} or sab.startswith("u"):
        return "children"
    return "adult"


def holdings(
    record: pymarc.Record, item_field_map: dict[str, dict[str, str]] | None = None
) -> list[Holding]:
    """Copies described in 852 ($b library, $h/$j call number, $c shelf, $p barcode) and in
    item fields mapped by ``item_field_map`` (e.g. {"949": {"library": "a", "barcode": "b"}})."""
    found: list[Holding] = []
    for f in record.get_fields("852"):
        code = _clean(_sub_of(f, "b"))
        if code:
            found.append(
                Holding(
                    library_code=code,
                    barcode=_sub_of(f, "p").strip(),
                    call_number=_clean(_subs(f, "hij")),
                    shelf_location=_clean(_sub_of(f, "c")),
                    price=_sub_of(f, "9").strip(),
                )
            )
    for tag, mapping in (item_field_map or {}).items():
        for f in record.get_fields(tag):
            code = _clean(_sub_of(f, mapping.get("library", "a")))
            if not code:
                continue
            found.append(
                Holding(
                    library_code=code,
                    barcode=_sub_of(f, mapping.get("barcode", "p")).strip(),
                    call_number=_clean(_sub_of(f, mapping.get("call_number", "o"))),
                    shelf_location=_clean(_sub_of(f, mapping.get("shelf_location", "c"))),
                    price=_sub_of(f, mapping.get("price", "g")).strip(),
                    item_type=_sub_of(f, mapping.get("item_type", "y")).strip(),
                )
            )
    return found


def _sub_of(f: pymarc.Field, code: str) -> str:
    values = f.get_subfields(code) if code else []
    return values[0] if values else ""


def holdings_link(record: pymarc.Record) -> str:
    """The 004 of a holdings record: the 001 of the bibliographic record it belongs to."""
    return _control(record, "004").strip()


# --- Writing ---------------------------------------------------------------------------------


def to_iso2709(record: pymarc.Record) -> bytes:
    """Serialise as UTF-8 ISO 2709 (leader/09 = a)."""
    leader = list(str(record.leader))
    leader[9] = "a"
    record.leader = pymarc.Leader("".join(leader))
    return record.as_marc()


def from_iso2709(data: bytes) -> pymarc.Record:
    return pymarc.Record(data=bytes(data), to_unicode=True, force_utf8=True)


def to_marcxml(records: list[pymarc.Record]) -> bytes:
    """A MARCXML <collection> of the given records."""
    out = io.BytesIO()
    writer = pymarc.XMLWriter(out)
    for record in records:
        writer.write(record)
    writer.close(close_fh=False)
    return out.getvalue()
