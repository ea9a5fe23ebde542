"""PURE: parse what a patron types into the search box.

astrid lindgren              every word must occur (Swedish stemming)
"bröderna lejonhjärta"       a phrase
title:mio author:lindgren    words restricted to the title / authors / subjects
isbn:91-29-65770-9           an exact ISBN (either spelling)
lejonhj                      as-you-type: the last word as a prefix (suggestions)

Words are split by ``catalog.text.tokens``, the tokenizer that built the index, and each word
asks for its exact form or its stem (``catalog.text.query_forms``). The result is a tsquery
literal (cast with ``::tsquery``: PostgreSQL's parser never sees the words).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from catalog.marc import normalize_isbn
from catalog.text import query_forms, quote, tokens

FIELDS = {"title": "A", "titel": "A", "author": "B", "författare": "B", "subject": "C", "ämne": "C"}
TOKEN_RE = re.compile(r'(?:(\w+):)?(?:"([^"]*)"?|(\S+))', re.UNICODE)


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]
    weight: str = ""  # "", or the tsvector weight of the field: A title, B author, C subject
    phrase: bool = False


@dataclass(frozen=True)
class ParsedQuery:
    text: str
    terms: tuple[Term, ...] = ()
    isbn: str | None = None

    @property
    def is_empty(self) -> bool:
        return not self.terms and not self.isbn


def parse_query(text: str) -> ParsedQuery:
    text = unicodedata.normalize("NFC", (text or "").strip()[:500])
    whole_isbn = normalize_isbn(text) if re.fullmatch(r"[\d\-xX ]{10,17}", text) else None
    if whole_isbn:
        return ParsedQuery(text, isbn=whole_isbn)
    terms: list[Term] = []
    isbn = None
    for match in TOKEN_RE.finditer(text):
        prefix, phrase, word = match.group(1), match.group(2), match.group(3)
        field = (prefix or "").lower()
        if field == "isbn":
            isbn = normalize_isbn(phrase or word or "") or isbn
            continue
        if prefix and field not in FIELDS:
            # "Fel: ett stavfel" is not a field prefix: keep the words.
            word = f"{prefix} {phrase or word or ''}"
            field = ""
        words = tuple(forms[0] for forms in tokens(phrase if phrase is not None else word))
        if not words:
            continue
        weight = FIELDS.get(field, "")
        # A quoted phrase, or one typed word the tokenizer splits ("1999-2000", "and/or").
        if len(words) > 1:
            terms.append(Term(words, weight, phrase=True))
        else:
            terms.extend(Term((w,), weight) for w in words)
    return ParsedQuery(text, tuple(terms), isbn)


def tsquery_text(parsed: ParsedQuery, *, prefix_last: bool = False, loose: bool = False) -> str:
    """The query as a tsquery literal: words AND-ed, each its exact form or its stem
    ('fåglar' | 'fågl' | 'fågel'), phrases with <->, weights as :A/:B/:C, the last word as a
    prefix (:*) when asked. Lexemes are quoted (catalog.text.quote). ``loose``: a phrase's words
    AND-ed and no weights (what the GIN index answers without reading the rows)."""
    parts: list[str] = []
    for position, term in enumerate(parsed.terms):
        last = prefix_last and position == len(parsed.terms) - 1
        groups = []
        for i, word in enumerate(term.words):
            star = "*" if last and i == len(term.words) - 1 else ""
            weight = "" if loose else term.weight
            label = f":{star}{weight}" if (star or weight) else ""
            forms = [word] if star else query_forms(word)
            lexemes = [f"{quote(form)}{label}" for form in forms]
            groups.append(lexemes[0] if len(lexemes) == 1 else "(" + " | ".join(lexemes) + ")")
        joiner = " & " if loose else " <-> "
        parts.append("(" + joiner.join(groups) + ")" if term.phrase else groups[0])
    return " & ".join(parts)
