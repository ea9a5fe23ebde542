"""PURE: does an incoming record describe a title the catalogue already has?

Rules, strongest first (see docs/catalog.md):
1. the same control number (001) from the same source (003);
2. a common system number (035 $a, e.g. "(LIBRIS)1234" or "(OCoLC)5678");
3. a common ISBN (compared as ISBN-13, so 91-… and 978-91-… are the same book).
Rules 2 and 3 also need the titles to agree (their first 12 letters) and the years, where both
have one, to be at most a year apart: real records carry a series' or a set's ISBN on several
titles, and two different books (a century apart) shared one OCLC number in 035. Such a
disagreement is not a match; ``disagreement()`` names it for the import report.
The first rule that finds a record decides; an incoming record never matches more than one.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

REASONS = {
    "control_number": _("same control number (001/003)"),
    "system_number": _("same system number (035)"),
    "isbn": _("same ISBN"),
}


@dataclass(frozen=True)
class MatchKeys:
    control: tuple[str, str] | None  # (003, 001)
    system_numbers: tuple[str, ...] = ()
    isbns: tuple[str, ...] = ()
    title: str = ""  # title_key() of the title
    year: int | None = None


def title_key(title: str) -> str:
    """The first 12 letters/digits of a title, lower-cased: "Polisbilen får…" → "polisbilenfr"."""
    return "".join(ch for ch in title.lower() if ch.isalnum())[:12]


@dataclass(frozen=True)
class Match:
    record_key: Hashable  # an existing record id, or a key of a record earlier in the batch
    reason: str  # "control_number" | "system_number" | "isbn"
    value: str

    @property
    def message(self) -> str:
        return f"{REASONS[self.reason]}: {self.value}"


@dataclass
class MatchIndex:
    """What is known: existing records (loaded for a batch) plus records created earlier in it."""

    by_control: dict[tuple[str, str], Hashable] = field(default_factory=dict)
    by_system_number: dict[str, Hashable] = field(default_factory=dict)
    by_isbn: dict[str, Hashable] = field(default_factory=dict)
    titles: dict[Hashable, str] = field(default_factory=dict)
    years: dict[Hashable, int | None] = field(default_factory=dict)

    def add(self, key: Hashable, keys: MatchKeys) -> None:
        if keys.control:
            self.by_control.setdefault(keys.control, key)
        for number in keys.system_numbers:
            self.by_system_number.setdefault(number, key)
        for isbn in keys.isbns:
            self.by_isbn.setdefault(isbn, key)
        self.titles.setdefault(key, keys.title)
        self.years.setdefault(key, keys.year)


def keys_for(
    *,
    control_number: str,
    control_source: str,
    system_numbers: tuple[str, ...] | list[str],
    isbns: tuple[str, ...] | list[str],
    title: str = "",
    year: int | None = None,
) -> MatchKeys:
    control = (control_source.strip(), control_number.strip()) if control_number.strip() else None
    return MatchKeys(control, tuple(system_numbers), tuple(isbns), title_key(title), year)


def find_match(keys: MatchKeys, index: MatchIndex) -> Match | None:
    """The record ``keys`` describes, by the strongest rule that finds one."""
    if keys.control and keys.control in index.by_control:
        source, number = keys.control
        return Match(index.by_control[keys.control], "control_number", f"{source} {number}".strip())
    for candidate in _candidates(keys, index):
        if _agree(keys, index, candidate.record_key):
            return candidate
    return None


def disagreement(keys: MatchKeys, index: MatchIndex) -> Match | None:
    """A record sharing a 035 or an ISBN whose title or year disagrees (not merged: reported)."""
    for candidate in _candidates(keys, index):
        if not _agree(keys, index, candidate.record_key):
            return candidate
    return None


def _candidates(keys: MatchKeys, index: MatchIndex):
    for number in keys.system_numbers:
        if number in index.by_system_number:
            yield Match(index.by_system_number[number], "system_number", number)
    for isbn in keys.isbns:
        if isbn in index.by_isbn:
            yield Match(index.by_isbn[isbn], "isbn", isbn)


def _agree(keys: MatchKeys, index: MatchIndex, record_key: Hashable) -> bool:
    if not _titles_agree(keys.title, index.titles.get(record_key)):
        return False
    year = index.years.get(record_key)
    return keys.year is None or year is None or abs(keys.year - year) <= 1


def _titles_agree(a: str, b: str | None) -> bool:
    if not a or not b:
        return True
    shorter = min(len(a), len(b))
    return a[:shorter] == b[:shorter]
