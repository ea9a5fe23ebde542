"""CQL trees → record querysets, through the catalogue's own search (the same tokenising,
stemming and index as the OPAC), so SRU finds what a patron finds.

Indexes (context sets cql, dc, bath, rec; names are case-insensitive):

    cql.serverChoice, cql.anywhere, anywhere, any, cql.keywords, dc.anywhere  every indexed word
    title, dc.title                                                            title words
    author, creator, dc.creator, dc.contributor, bath.name                     authors
    subject, dc.subject                                                        subjects
    isbn, bath.isbn, dc.identifier (an ISBN)                                   ISBN, either form
    year, date, dc.date                                                        publication year
    rec.id, id                                                                 our record id

Relations: ``=`` and ``all`` (every word), ``any`` (some word), ``adj`` (the words as a
phrase), ``==`` and ``exact`` (the whole field: title case-insensitive, one author or
subject heading as stored, ISBN), ``<``, ``>``, ``<=``, ``>=``, ``<>`` for year and rec.id.
"""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet
from django.db.models.functions import Lower

from catalog.marc import normalize_isbn
from catalog.models import Record
from catalog.query import parse_query
from catalog.search import Filters, base_queryset
from interop.cql import Boolean, Clause, CQLError, Node

UNSUPPORTED_INDEX = 16
UNSUPPORTED_RELATION = 19
UNSUPPORTED_RELATION_FOR_INDEX = 20

_ANY = {"cql.serverchoice", "cql.anywhere", "anywhere", "any", "cql.keywords", "dc.anywhere"}
_FIELD = {
    "title": "title",
    "dc.title": "title",
    "bath.title": "title",
    "author": "author",
    "creator": "author",
    "dc.creator": "author",
    "dc.contributor": "author",
    "bath.name": "author",
    "bath.author": "author",
    "subject": "subject",
    "dc.subject": "subject",
    "bath.subject": "subject",
}
_ISBN = {"isbn", "bath.isbn", "dc.identifier"}
_YEAR = {"year", "date", "dc.date"}
_ID = {"rec.id", "id", "rec.identifier"}
_COMPARE = {"<": "lt", ">": "gt", "<=": "lte", ">=": "gte"}
WORDS = re.compile(r"\w+")

INDEXES = sorted(["cql.serverChoice", "anywhere", "title", "author", "subject", "isbn", "year"])


def records(node: Node) -> QuerySet[Record]:
    """Every record matching the tree (unordered). Raises ``CQLError`` for what we can't do."""
    return Record.objects.filter(_q(node))


def _q(node: Node) -> Q:
    if isinstance(node, Boolean):
        left, right = _q(node.left), _q(node.right)
        if node.op == "and":
            return left & right
        if node.op == "or":
            return left | right
        return left & ~right
    return _clause(node)


def _words(text: str) -> list[str]:
    return WORDS.findall(text)


def _text_q(field: str, clause: Clause) -> Q:
    """Words through the catalogue's parser; ``field`` "" for every field."""
    words = _words(clause.term)
    if not words:
        return Q(pk__in=[])
    prefix = f"{field}:" if field else ""
    relation = clause.relation
    if relation in {"=", "all", "adj"}:
        if relation == "adj" or (relation == "=" and len(words) > 1 and '"' in clause.term):
            text = f'{prefix}"{" ".join(words)}"'
        else:
            text = " ".join(f"{prefix}{w}" for w in words)
        return _match(text)
    if relation == "any":
        q = Q(pk__in=[])
        for word in words:
            q |= _match(f"{prefix}{word}")
        return q
    raise CQLError(UNSUPPORTED_RELATION, "Unsupported relation", relation)


def _match(text: str) -> Q:
    parsed = parse_query(text)
    if parsed.is_empty:
        return Q(pk__in=[])
    queryset, _exact_ids = base_queryset(parsed, Filters())
    return Q(pk__in=queryset.values("pk"))


def _exact(field: str, term: str) -> Q:
    value = term.strip().lower()
    if field == "title":
        return Q(pk__in=Record.objects.annotate(t=Lower("title")).filter(t=value).values("pk"))
    if field == "author":
        return Q(authors__contains=[term.strip()])
    return Q(subjects__contains=[term.strip()])


def _clause(clause: Clause) -> Q:
    index, relation = clause.index, clause.relation
    if index in _ANY:
        if relation in {"==", "exact"}:
            relation = "adj"
        return _text_q("", Clause(index, relation, clause.term))
    if index in _FIELD:
        field = _FIELD[index]
        if relation in {"==", "exact"}:
            return _exact(field, clause.term)
        return _text_q(field, clause)
    if index in _ISBN:
        if relation not in {"=", "==", "exact", "all", "any"}:
            raise CQLError(UNSUPPORTED_RELATION_FOR_INDEX, "Unsupported relation", relation)
        isbn = normalize_isbn(clause.term)
        return Q(isbns__contains=[isbn]) if isbn else Q(pk__in=[])
    if index in _YEAR:
        return _number("year", relation, clause.term)
    if index in _ID:
        return _number("pk", relation, clause.term)
    raise CQLError(UNSUPPORTED_INDEX, "Unsupported index", clause.index)


def _number(field: str, relation: str, term: str) -> Q:
    try:
        value = int(term.strip())
    except ValueError:
        return Q(pk__in=[])
    if not -(2**31) < value < 2**31:
        return Q(pk__in=[])
    if relation in {"=", "==", "exact", "all", "any"}:
        return Q(**{field: value})
    if relation == "<>":
        return ~Q(**{field: value})
    if relation in _COMPARE:
        return Q(**{f"{field}__{_COMPARE[relation]}": value})
    raise CQLError(UNSUPPORTED_RELATION_FOR_INDEX, "Unsupported relation", relation)
