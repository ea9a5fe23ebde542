"""Standard numbers: ISBN-10/13 conversion, validation and normalising, ISSN (pure functions;
``catalog.marc`` re-exports these names)."""

from __future__ import annotations

import re

ISBN_CHARS_RE = re.compile(r"[0-9Xx][0-9Xx\- ]{8,16}[0-9Xx]")


def isbn10_to_13(isbn10: str) -> str:
    core = "978" + isbn10[:9]
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(core))
    return core + str((10 - total % 10) % 10)


def isbn13_to_10(isbn13: str) -> str | None:
    if not isbn13.startswith("978"):
        return None
    core = isbn13[3:12]
    total = sum(int(d) * (10 - i) for i, d in enumerate(core))
    check = (11 - total % 11) % 11
    return core + ("X" if check == 10 else str(check))


def _isbn10_valid(s: str) -> bool:
    if not re.fullmatch(r"\d{9}[\dX]", s):
        return False
    total = sum((10 - i) * (10 if c == "X" else int(c)) for i, c in enumerate(s))
    return total % 11 == 0


def _isbn13_valid(s: str) -> bool:
    if not re.fullmatch(r"97[89]\d{10}", s):
        return False
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(s))
    return total % 10 == 0


def normalize_isbn(value: str) -> str | None:
    """An ISBN in any spelling ("91-7195-437-X (inb.)", "978-91-502-2231-9") → its ISBN-13,
    or None when it is not a valid ISBN."""
    match = ISBN_CHARS_RE.search(value or "")
    if not match:
        return None
    s = re.sub(r"[\- ]", "", match.group()).upper()
    if len(s) == 10 and _isbn10_valid(s):
        return isbn10_to_13(s)
    if len(s) == 13 and _isbn13_valid(s):
        return s
    return None


def isbn_variants(isbn13: str) -> list[str]:
    """The ISBN-13 and, for 978 ISBNs, the ISBN-10 spelling."""
    ten = isbn13_to_10(isbn13)
    return [isbn13, ten] if ten else [isbn13]


ISSN_RE = re.compile(r"(\d{4})-?(\d{3}[\dXx])")


def normalize_issn(value: str) -> str | None:
    match = ISSN_RE.search(value or "")
    return f"{match.group(1)}-{match.group(2).upper()}" if match else None
