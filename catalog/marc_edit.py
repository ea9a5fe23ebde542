"""PURE: the cataloguer's MARC editor text format, and a record from the common-fields form.

Editor format, one field per line:
    LDR 00000cam a2200000 a 4500
    001 12345
    245 10 $aMio, min Mio /$cAstrid Lindgren.
Indicators are two characters; a blank is written "_" (or "#" or a space).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pymarc
from django.utils.translation import gettext as _

from catalog import marc

LINE_RE = re.compile(r"^(?P<tag>\S{3})(?: (?P<rest>.*))?$")
BLANKS = {"_", "#", " ", "\\"}


class MarcTextError(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def marc_text(record: pymarc.Record) -> str:
    lines = [f"LDR {record.leader}"]
    for f in record.fields:
        if f.is_control_field():
            lines.append(f"{f.tag} {f.data}")
        else:
            ind = "".join("_" if i in BLANKS or not i else i for i in (f.indicator1, f.indicator2))
            subs = "".join(f"${sf.code}{sf.value}" for sf in f.subfields)
            lines.append(f"{f.tag} {ind} {subs}")
    return "\n".join(lines)


def parse_marc_text(text: str) -> pymarc.Record:
    """The record the text describes; MarcTextError lists every problem by line number."""
    problems: list[str] = []
    record = pymarc.Record(force_utf8=True)
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.rstrip("\r")
        if not line.strip():
            continue
        match = LINE_RE.match(line)
        if not match:
            problems.append(_("line %(n)s: expected a tag followed by a space") % {"n": number})
            continue
        tag, rest = match.group("tag"), match.group("rest") or ""
        if tag == "LDR":
            if len(rest) != 24:
                problems.append(_("line %(n)s: the leader must be 24 characters") % {"n": number})
            else:
                record.leader = pymarc.Leader(rest)
            continue
        if not marc.TAG_RE.match(tag):
            problems.append(_("line %(n)s: %(tag)r is not a valid tag") % {"n": number, "tag": tag})
            continue
        if tag < "010" and tag.isdigit():
            record.add_field(pymarc.Field(tag=tag, data=rest))
            continue
        indicators, _sep, subs = rest.partition(" ")
        if len(indicators) != 2:
            problems.append(
                _("line %(n)s: field %(tag)s needs two indicators") % {"n": number, "tag": tag}
            )
            continue
        ind = [" " if c in BLANKS else c for c in indicators]
        if not all(marc.INDICATOR_RE.match(c) for c in ind):
            problems.append(
                _("line %(n)s: invalid indicator in field %(tag)s") % {"n": number, "tag": tag}
            )
            continue
        if not subs.startswith("$") or len(subs) < 2:
            problems.append(
                _("line %(n)s: field %(tag)s needs subfields like $aText")
                % {"n": number, "tag": tag}
            )
            continue
        subfields = []
        for chunk in subs[1:].split("$"):
            if not chunk or not marc.SUBFIELD_CODE_RE.match(chunk[0]):
                problems.append(
                    _("line %(n)s: invalid subfield code in field %(tag)s")
                    % {"n": number, "tag": tag}
                )
                break
            subfields.append(pymarc.Subfield(chunk[0], chunk[1:]))
        else:
            record.add_field(
                pymarc.Field(tag=tag, indicators=pymarc.Indicators(*ind), subfields=subfields)
            )
    if not problems:
        problems.extend(marc.validate(record))
    if problems:
        raise MarcTextError(problems)
    return record


@dataclass(frozen=True)
class CommonFields:
    title: str
    subtitle: str = ""
    responsibility: str = ""
    author: str = ""
    contributors: tuple[str, ...] = ()
    isbn: str = ""
    year: int | None = None
    publisher: str = ""
    language: str = "swe"
    media_type: str = "book"
    audience: str = "adult"
    subjects: tuple[str, ...] = ()
    series: str = ""
    summary: str = ""


LEADER_FOR_MEDIA = {
    "book": "am",
    "ebook": "am",
    "audiobook": "im",
    "video": "gm",
    "music": "jm",
    "periodical": "as",
    "language_course": "im",
    "game": "rm",
    "kit": "om",
    "map": "em",
    "score": "cm",
    "other": "pm",
}
AUDIENCE_008 = {"adult": "e", "youth": "d", "children": "j"}
REPLACED_TAGS = ("008", "020", "100", "245", "264", "490", "520", "650", "700")


def apply_common_fields(
    fields: CommonFields, record: pymarc.Record | None = None, *, today_yymmdd: str
) -> pymarc.Record:
    """A new record from the form, or ``record`` with the form's fields replaced (everything
    else the cataloguer entered in the MARC editor stays)."""
    rec = record or pymarc.Record(force_utf8=True)
    kind = LEADER_FOR_MEDIA.get(fields.media_type, "am")
    leader = list(str(rec.leader) if record else "00000nam a2200000 i 4500")
    leader[6], leader[7], leader[9] = kind[0], kind[1], "a"
    rec.leader = pymarc.Leader("".join(leader))
    old008 = next((f.data for f in rec.get_fields("008")), "") or ""
    rec.remove_fields(*REPLACED_TAGS)
    year = f"{fields.year:04d}" if fields.year else "    "
    base = (old008 + " " * 40)[:40] if old008 else f"{today_yymmdd}s    " + " " * 30
    f008 = list(base)
    f008[0:6] = today_yymmdd if not old008 else old008[0:6]
    f008[6] = "s"
    f008[7:11] = year
    f008[22] = AUDIENCE_008.get(fields.audience, " ")
    f008[35:38] = (fields.language or "und")[:3].ljust(3)
    rec.add_ordered_field(pymarc.Field(tag="008", data="".join(f008)))

    def add(tag, subs, ind=(" ", " ")):
        subfields = [pymarc.Subfield(c, v) for c, v in subs if v]
        if subfields:
            rec.add_ordered_field(
                pymarc.Field(tag=tag, indicators=pymarc.Indicators(*ind), subfields=subfields)
            )

    add("020", [("a", fields.isbn)])
    add("100", [("a", fields.author)], ("1", " "))
    add(
        "245",
        [("a", fields.title), ("b", fields.subtitle), ("c", fields.responsibility)],
        ("1" if fields.author else "0", "0"),
    )
    add("264", [("b", fields.publisher), ("c", year.strip())], (" ", "1"))
    add("490", [("a", fields.series)], ("0", " "))
    add("520", [("a", fields.summary)])
    for subject in fields.subjects:
        add("650", [("a", subject)], (" ", "4"))
    for name in fields.contributors:
        add("700", [("a", name)], ("1", " "))
    return rec
