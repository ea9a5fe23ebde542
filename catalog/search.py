"""Catalogue search: full text over the stored weighted vector, exact lookups, facets, sorting.

One search costs a fixed number of queries whatever the catalogue's size:
  1. exact barcode / call-number lookup (only for a plain query without field prefixes),
  2. the page of records (LIMIT/OFFSET),
  3. total and the record facets in one pass (GROUPING SETS),
  4. the library facets ("has a copy" from Record.library_ids, "available now" via items).
The match itself is a GIN index scan on ``search_vector`` (or ``isbns``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import BooleanField, Exists, F, FloatField, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower

from catalog.models import Item, Record
from catalog.query import ParsedQuery, parse_query, tsquery_text

SORTS = {"relevance", "newest", "title", "author"}
PER_PAGE = 20
MAX_PAGE = 500  # deep OFFSETs are slow and nobody reads page 501


@dataclass(frozen=True)
class Filters:
    library: int | None = None  # a library holding a copy
    available_at: int | None = None  # a library where a copy is on the shelf now
    media_type: str = ""
    language: str = ""
    audience: str = ""
    year_from: int | None = None
    year_to: int | None = None

    def active(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "")}


@dataclass
class Facets:
    media_type: list[tuple[str, int]] = field(default_factory=list)
    language: list[tuple[str, int]] = field(default_factory=list)
    audience: list[tuple[str, int]] = field(default_factory=list)
    decade: list[tuple[int, int]] = field(default_factory=list)
    library: dict[int, int] = field(default_factory=dict)
    available: dict[int, int] = field(default_factory=dict)


@dataclass
class SearchResult:
    query: ParsedQuery
    records: list[Record]
    total: int
    page: int
    per_page: int
    facets: Facets
    sort: str

    @property
    def pages(self) -> int:
        return min(MAX_PAGE, max(1, -(-self.total // self.per_page)))


def _apply_tsquery(qs: QuerySet[Record], parsed: ParsedQuery, prefix: bool) -> QuerySet[Record]:
    if parsed.isbn:
        qs = qs.filter(isbns__contains=[parsed.isbn])
    if parsed.terms:
        text = tsquery_text(parsed, prefix_last=prefix)
        qs = qs.filter(
            RawSQL(
                "catalog_record.search_vector @@ "
                "(to_tsquery('swedish', %s) || to_tsquery('simple', %s))",
                [text, text],
                output_field=BooleanField(),
            )
        )
    return qs


def _apply_filters(qs: QuerySet[Record], filters: Filters) -> QuerySet[Record]:
    if filters.library:
        qs = qs.filter(library_ids__contains=[filters.library])
    if filters.available_at:
        qs = qs.filter(
            Exists(
                Item.objects.filter(
                    record=OuterRef("pk"),
                    current_library_id=filters.available_at,
                    status=Item.Status.AVAILABLE,
                )
            )
        )
    if filters.media_type:
        qs = qs.filter(media_type=filters.media_type)
    if filters.language:
        qs = qs.filter(language=filters.language)
    if filters.audience:
        qs = qs.filter(audience=filters.audience)
    if filters.year_from:
        qs = qs.filter(year__gte=filters.year_from)
    if filters.year_to:
        qs = qs.filter(year__lte=filters.year_to)
    return qs


def _exact_item_records(text: str) -> list[int] | None:
    """A barcode or a call number typed as the whole query finds its records directly."""
    if not text or len(text) > 80:
        return None
    ids = list(
        Item.objects.filter(Q(barcode=text) | Q(call_number=text))
        .values_list("record_id", flat=True)
        .distinct()[:200]
    )
    return ids or None


def base_queryset(parsed: ParsedQuery, filters: Filters) -> QuerySet[Record]:
    exact = None
    if parsed.terms and ":" not in parsed.text and '"' not in parsed.text:
        exact = _exact_item_records(parsed.text)
    qs = (
        Record.objects.filter(pk__in=exact)
        if exact
        else _apply_tsquery(Record.objects.all(), parsed, prefix=False)
    )
    return _apply_filters(qs, filters)


def _order(qs: QuerySet[Record], parsed: ParsedQuery, sort: str) -> QuerySet[Record]:
    if sort == "newest":
        return qs.order_by(F("year").desc(nulls_last=True), "-id")
    if sort == "title":
        return qs.order_by("title_sort", "id")
    if sort == "author":
        return qs.order_by(F("author_sort").asc(nulls_last=True), "title_sort", "id")
    if not parsed.terms:
        # ISBN / barcode / filter-only sets: "id + 0" keeps PostgreSQL from walking the primary
        # key backwards and filtering every row to find the few matches (LIMIT trap).
        return qs.order_by(RawSQL("catalog_record.id + 0", [], output_field=FloatField()).desc())
    text = tsquery_text(parsed)
    # An exact title match first, then ts_rank (title A > author B > subject C > rest D).
    score = RawSQL(
        "ts_rank(catalog_record.search_vector, "
        "(to_tsquery('swedish', %s) || to_tsquery('simple', %s)))"
        " + CASE WHEN lower(catalog_record.title) = lower(%s) THEN 100 ELSE 0 END",
        [text, text, parsed.text.strip('"')],
        output_field=FloatField(),
    )
    return qs.annotate(score=score).order_by("-score", "-id")


def search(
    *,
    text: str,
    filters: Filters | None = None,
    sort: str = "relevance",
    page: int = 1,
    per_page: int = PER_PAGE,
    with_facets: bool = True,
) -> SearchResult:
    """Search the catalogue; an empty query with no filters finds nothing."""
    filters = filters or Filters()
    parsed = parse_query(text)
    sort = sort if sort in SORTS else "relevance"
    page = max(1, min(page, MAX_PAGE))
    if parsed.is_empty and not filters.active():
        return SearchResult(parsed, [], 0, 1, per_page, Facets(), sort)
    qs = base_queryset(parsed, filters)
    records = list(
        _order(qs, parsed, sort).defer("marc", "search_vector", "summary")[
            (page - 1) * per_page : page * per_page
        ]
    )
    if with_facets:
        total, facets = _facets(qs)
    else:
        total, facets = len(records), Facets()
    return SearchResult(parsed, records, total, page, per_page, facets, sort)


def _facets(qs: QuerySet[Record]) -> tuple[int, Facets]:
    """Total and facet counts in two aggregate queries over the matching set."""
    inner, params = qs.values(
        "id", "media_type", "language", "audience", "year"
    ).query.sql_with_params()
    sql = f"""
        SELECT media_type, language, audience, (year / 10) * 10 AS decade,
               GROUPING(media_type, language, audience, (year / 10) * 10) AS g, count(*)
          FROM ({inner}) m
      GROUP BY GROUPING SETS ((media_type), (language), (audience), ((year / 10) * 10), ())
    """  # noqa: S608 — inner SQL comes from the ORM with bound parameters
    facets = Facets()
    total = 0
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for media_type, language, audience, decade, grouping, count in cursor.fetchall():
            if grouping == 15:
                total = count
            # GROUPING() sets a bit for each column *not* grouped (media_type is bit 3).
            elif grouping == 7:
                facets.media_type.append((media_type, count))
            elif grouping == 11:
                facets.language.append((language, count))
            elif grouping == 13:
                facets.audience.append((audience, count))
            elif grouping == 14 and decade is not None:
                facets.decade.append((decade, count))
        lib_sql, lib_params = qs.values("id", "library_ids").query.sql_with_params()
        ids_sql, ids_params = qs.values("id").query.sql_with_params()
        cursor.execute(
            f"""
            SELECT 'has', lib, count(*)
              FROM ({lib_sql}) m, unnest(m.library_ids) lib
             GROUP BY lib
            UNION ALL
            SELECT 'available', i.current_library_id, count(DISTINCT i.record_id)
              FROM ({ids_sql}) m
              JOIN catalog_item i ON i.record_id = m.id
             WHERE i.status = 'available'
             GROUP BY i.current_library_id
            """,  # noqa: S608
            [*lib_params, *ids_params],
        )
        for kind, library_id, count in cursor.fetchall():
            (facets.library if kind == "has" else facets.available)[library_id] = count
    for name in ("media_type", "language", "audience"):
        getattr(facets, name).sort(key=lambda pair: (-pair[1], pair[0] or ""))
    facets.decade.sort(reverse=True)
    return total, facets


def suggest(*, text: str, limit: int = 8) -> list[tuple[int, str]]:
    """As-you-type: titles whose words start with what has been typed so far."""
    parsed = parse_query(text)
    if not parsed.terms or len(parsed.terms[-1].words[-1]) < 2:
        return []
    qs = _apply_tsquery(Record.objects.all(), parsed, prefix=True)
    return list(qs.order_by(Lower("title_sort")).values_list("id", "title")[:limit])
