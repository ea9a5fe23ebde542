"""PURE: the one tokenizer of the search index and of the query (docs/catalog.md, "Tokens").

The index's tsvector and the query's tsquery are both built here, in Python, from the same
``tokens()``; PostgreSQL's own parser is not used on either side (it indexed ``-2000`` as a
negative number, ``u.s`` and ``word/word`` as single tokens and split words at combining marks
differently from the query). What reaches PostgreSQL is a tsvector / tsquery literal.

A token is a run of letters, digits and combining marks (ALA-LC romanisation keeps its
ligature halves U+FE20/FE21, macrons and primes inside the word). Inside a run:
* letters separated by dots are an abbreviation: ``U.S.`` → ``us`` (so ``US`` finds it too);
* ``-``, ``/`` and other dots separate tokens: ``1999-2000`` → ``1999`` ``2000``;
* an apostrophe joins: ``O'Brien`` → ``obrien`` with ``o`` and ``brien`` at the same position.

For each token the index holds, at the token's position:
* the exact form (lower case, NFC) and its Swedish Snowball stem, with the field's weight
  (title A, authors B, subjects C, the rest D);
* the form folded to ASCII-ish letters (``malmö`` → ``malmo``, marks dropped), weight D, so a
  query typed without diacritics finds the record while an exact form still ranks first;
* for Swedish titles and subjects, the parts of a compound (``midsommarvals`` → ``midsommar``,
  ``vals``, ``sommar``), weight D.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache

import snowballstemmer

# PostgreSQL's swedish.stop (Snowball's list): no stem is indexed or asked for these.
_STOP = """och det att i en jag hon som han på den med var sig för så till är men ett om hade de av
    icke mig du henne då sin nu har inte hans honom skulle hennes där min man ej vid kunde något
    från ut när efter upp vi dem vara vad över än dig kan sina här ha mot alla under någon eller
    allt mycket sedan ju denna själv detta åt utan varit hur ingen mitt ni bli blev oss din dessa
    några deras blir mina samma vilken er sådan vår blivit dess inom mellan sådant varför varje
    vilka ditt vem vilket sitta sådana vart dina vars vårt våra ert era vilkas"""
STOPWORDS = frozenset(_STOP.split())
APOSTROPHES = frozenset("'’ʼ`´")
SEPARATORS = frozenset(".-/‐‑‒–—_·:")  # inside a run: split (dots may make an abbreviation)
# Letters that NFKD does not decompose, and romanisation's modifier letters (dropped).
FOLD_MAP = str.maketrans(
    {
        "ø": "o",
        "æ": "ae",
        "œ": "oe",
        "ß": "ss",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "ł": "l",
        "ı": "i",
        "ħ": "h",
        "ŋ": "n",
        "ʹ": None,
        "ʺ": None,
        "ʻ": None,
        "ʼ": None,
        "ʽ": None,
        "ʾ": None,
        "ʿ": None,
        "ˊ": None,
        "ˈ": None,
    }
)
MAX_TOKEN = 100  # longer "words" are not words (PostgreSQL's limit is 2,047 bytes)
MAX_POSITION = 16383  # tsvector positions
MAX_POSITIONS_PER_LEXEME = 256
WEIGHT_ORDER = {"A": 4, "B": 3, "C": 2, "D": 1}

_stemmer = snowballstemmer.stemmer("swedish")


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or unicodedata.category(ch)[0] == "M"


def _runs(text: str) -> Iterator[str]:
    """Maximal runs of word characters, with separators/apostrophes between word characters."""
    n = len(text)
    i = 0
    while i < n:
        if not _is_word_char(text[i]):
            i += 1
            continue
        j = i + 1
        while j < n:
            ch = text[j]
            if _is_word_char(ch):
                j += 1
            elif (
                (ch in SEPARATORS or ch in APOSTROPHES) and j + 1 < n and _is_word_char(text[j + 1])
            ):
                j += 2
            else:
                break
        yield text[i:j]
        i = j


def _is_abbreviation(run: str) -> bool:
    """``U.S``, ``e.g``, ``U.S.A``: single letters separated by dots."""
    parts = run.split(".")
    return len(parts) > 1 and all(len(p) == 1 and p.isalpha() for p in parts)


def tokens(text: str) -> list[tuple[str, ...]]:
    """Positions of ``text``; each is the token's form(s): the main form first, then parts
    that share its position (the halves of an apostrophe word)."""
    text = unicodedata.normalize("NFC", text or "").lower()
    out: list[tuple[str, ...]] = []
    for run in _runs(text):
        if _is_abbreviation(run):
            out.append((run.replace(".", ""),))
            continue
        piece = []
        for ch in run:
            if ch in SEPARATORS:
                _add_piece(out, "".join(piece))
                piece = []
            else:
                piece.append(ch)
        _add_piece(out, "".join(piece))
    return out


def _add_piece(out: list[tuple[str, ...]], piece: str) -> None:
    if not piece or len(piece) > MAX_TOKEN:
        return
    if any(ch in APOSTROPHES for ch in piece):
        parts = "".join(c if c not in APOSTROPHES else " " for c in piece).split()
        joined = "".join(parts)
        out.append((joined, *[p for p in parts if p != joined]))
    else:
        out.append((piece,))


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The Swedish Snowball stem (as PostgreSQL's ``swedish`` configuration); stopwords and
    tokens with digits are their own stem."""
    if word in STOPWORDS or not word.isalpha():
        return word
    return _stemmer.stemWord(word)


@lru_cache(maxsize=200_000)
def fold(word: str) -> str:
    """Diacritics and combining marks off: ``malmö`` → ``malmo``, ``ėlektronnai͡a`` →
    ``elektronnaia``, ``obʹedinenie`` → ``obedinenie``, ``ø`` → ``o``."""
    decomposed = unicodedata.normalize("NFKD", word.translate(FOLD_MAP))
    return "".join(ch for ch in decomposed if unicodedata.category(ch)[0] != "M").translate(
        FOLD_MAP
    )


def query_forms(word: str) -> list[str]:
    """What one query word may match: its exact form, its stem, and for a Swedish plural that
    drops an ``e`` (``fåglar`` → ``fågl``) the singular's form ``fågel``."""
    forms = [word]
    s = stem(word)
    if s != word:
        forms.append(s)
        if (
            len(s) >= 4
            and s[-1] in "ln"
            and s[-2] not in "aeiouyåäölnr"
            and s[-2].isalpha()
            and s + "e" != word
        ):
            forms.append(s[:-1] + "e" + s[-1])
    return list(dict.fromkeys(forms))


# --- Compounds (Swedish) ----------------------------------------------------------------------

_lexicon = None


def _known(word: str) -> bool:
    """A Swedish word form (simplemma's Swedish list: lemmas and their inflected forms)."""
    global _lexicon
    if _lexicon is None:
        from simplemma.strategies.dictionaries import DefaultDictionaryFactory

        _lexicon = DefaultDictionaryFactory().get_dictionary("sv")
    return word in _lexicon


MIN_COMPOUND = 7
MIN_PART = 3


# Latinate and English words ("separation" is not sepa+ration, "genetics" not gene+tics) and
# Swedish surnames and place names ("Lindgren", "Stockholm", "Jonsson") stay whole.
NOT_COMPOUNDS = ("tion", "sion", "ment", "ics", "ees", "ies")
NAME_ENDINGS = ("son", "gren", "berg", "holm", "ström", "lund", "borg", "qvist", "kvist", "stedt")
BOUND_PREFIXES = ("mid",)  # a head that is no word of its own (midsommar, midvinter)


@lru_cache(maxsize=200_000)
def compound_parts(word: str) -> tuple[str, ...]:
    """The parts of a Swedish compound: ``midsommarvals`` → (``midsommar``, ``vals``,
    ``sommar``); ``fågelatlas`` → (``fågel``, ``atlas``); a linking s goes
    (``jordbruksstatistik`` → ``jordbruk``, ``statistik``).

    Only a word the lexicon does not know is split, at its longest known head, and its parts
    again; a word it knows stays whole (``kärleken``, ``beskrivning``, ``romantik``) unless it
    starts with a bound prefix (``midsommar`` → ``sommar``). 3-letter parts must be lemmas,
    stopwords are no parts; Latinate/English words and surnames stay whole. Precision and
    recall on a labelled list: tests/catalog/test_text.py."""
    if len(word) < MIN_COMPOUND or not word.isalpha() or word.endswith(NOT_COMPOUNDS):
        return ()
    if _known(word):
        for prefix in BOUND_PREFIXES:
            tail = word[len(prefix) :]
            if word.startswith(prefix) and len(tail) >= 5 and _part_ok(tail):
                return (tail,)
        return ()
    if word.endswith(NAME_ENDINGS):
        return ()
    for i in range(len(word) - MIN_PART, MIN_PART - 1, -1):
        head, tail = word[:i], word[i:]
        if not _part_ok(tail):
            continue
        if head.endswith("s") and len(head) > MIN_PART and _part_ok(head[:-1]):
            head = head[:-1]
        elif not _part_ok(head):
            continue
        parts = [head, tail, *compound_parts(head), *compound_parts(tail)]
        return tuple(dict.fromkeys(p for p in parts if p != word))
    return ()


def _part_ok(part: str) -> bool:
    """A word form the lexicon knows, not a stopword; of 3 letters only if it is a lemma."""
    if len(part) < MIN_PART or part in STOPWORDS:
        return False
    return _is_lemma(part) if len(part) == MIN_PART else _known(part)


def _is_lemma(word: str) -> bool:
    _known(word)
    return _lexicon.get(word) == word


# --- The vector and the query -----------------------------------------------------------------


class VectorBuilder:
    """Collects lexemes with positions and weights; ``literal()`` is the tsvector input."""

    def __init__(self) -> None:
        self.position = 0
        self.lexemes: dict[str, dict[int, str]] = {}

    def _put(self, lexeme: str, position: int, weight: str) -> None:
        if not lexeme:
            return
        positions = self.lexemes.setdefault(lexeme, {})
        old = positions.get(position)
        if old is None:
            if len(positions) < MAX_POSITIONS_PER_LEXEME:
                positions[position] = weight
        elif WEIGHT_ORDER[weight] > WEIGHT_ORDER[old]:
            positions[position] = weight

    def add(self, text: str, weight: str, *, compounds: bool = False) -> None:
        """Index ``text`` with ``weight`` after what is there (one position apart)."""
        for forms in tokens(text):
            self.position = min(self.position + 1, MAX_POSITION)
            p = self.position
            for form in forms:
                self._put(form, p, weight)
                s = stem(form)
                self._put(s, p, weight)
                for variant in (fold(form), fold(s)):
                    if variant not in (form, s):
                        self._put(variant, p, "D")
            if compounds:
                for part in compound_parts(forms[0]):
                    self._put(part, p, "D")
                    self._put(fold(part), p, "D")
        self.position = min(self.position + 1, MAX_POSITION)

    def add_all(self, values: Iterable[str], weight: str, *, compounds: bool = False) -> None:
        for value in values:
            if value:
                self.add(value, weight, compounds=compounds)

    def literal(self) -> str:
        return " ".join(
            f"{quote(lexeme)}:" + ",".join(f"{p}{w}" for p, w in sorted(positions.items()))
            for lexeme, positions in self.lexemes.items()
        )


def quote(lexeme: str) -> str:
    """A lexeme as tsvector/tsquery input: quoted, quotes and backslashes doubled/escaped."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def search_vector(
    *,
    title: str,
    subtitle: str = "",
    authors: Iterable[str] = (),
    subjects: Iterable[str] = (),
    series: str = "",
    responsibility: str = "",
    publisher: str = "",
    summary: str = "",
    sab: str = "",
    dewey: str = "",
    isbns: Iterable[str] = (),
    language: str = "",
) -> str:
    """The tsvector literal of a record (see the module docstring for what goes in)."""
    swedish = language in ("swe", "")
    v = VectorBuilder()
    v.add(f"{title} {subtitle}", "A", compounds=swedish)
    v.add_all(authors, "B")
    v.add_all(subjects, "C", compounds=swedish)
    v.add_all([series, responsibility, publisher, (summary or "")[:4000], sab, dewey], "D")
    v.add_all(isbns, "D")
    return v.literal()
