"""Catalogue search: full text over the stored weighted vector, exact lookups, facets, sorting.

One search costs a fixed number of statements whatever the catalogue's size:
  1. exact barcode / call-number lookup (only for a plain query without field prefixes),
  2. one statement for the page's ids, the total and all facets: the first SAMPLE + 1 matches are
     found once (a MATERIALIZED CTE) and everything else is computed from them,
  3. the page's records by id.
The match itself is a GIN index scan on ``search_vector`` (or ``isbns``). The work per search
is bounded by SAMPLE, not by the number of matches (docs/catalog.md, "Search at scale").
"""

# ruff: noqa: S608 — the SQL is put together from ORM-compiled parts (bound parameters) and
# integer constants; no user text is formatted into it.

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connections, router
from django.db.models import BooleanField, F, FloatField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Left, Lower

from catalog.models import TITLE_KEY, Item, Record
from catalog.query import ParsedQuery, parse_query, tsquery_text
from catalog.text import quote

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
    broad: bool = False  # more than ``total`` (= SAMPLE) match; facets count the first SAMPLE
    window: int = 0  # a broad search's records reachable by paging (so far)
    suggestion: str = ""  # "Did you mean …": the query with misspelt words corrected

    @property
    def pages(self) -> int:
        reachable = self.window if self.broad else self.total
        return min(MAX_PAGE, max(1, -(-reachable // self.per_page)))


def _apply_tsquery(
    qs: QuerySet[Record],
    parsed: ParsedQuery,
    prefix: bool,
    exact: list[int] | None = None,
    loose: bool = False,
) -> QuerySet[Record]:
    if parsed.isbn:
        qs = qs.filter(isbns__contains=[parsed.isbn])
    if parsed.terms:
        text = tsquery_text(parsed, prefix_last=prefix, loose=loose)
        if exact:
            # A call number or barcode typed as the query ranks its records first (_score) but
            # never hides the word matches: both come from one BitmapOr.
            condition, params = (
                "(catalog_record.search_vector @@ %s::tsquery OR catalog_record.id = ANY(%s))",
                [text, exact],
            )
        else:
            condition, params = "catalog_record.search_vector @@ %s::tsquery", [text]
        qs = qs.filter(RawSQL(condition, params, output_field=BooleanField()))  # noqa: S611
    return qs


def _apply_filters(qs: QuerySet[Record], filters: Filters) -> QuerySet[Record]:
    if filters.library:
        qs = qs.filter(library_ids__contains=[filters.library])
    if filters.available_at:
        # A semi-join, not EXISTS (record_id = id + 0): the planner picks per library. Where
        # few copies are on the shelf (Storfors: 1 in 11 hits) it reads the library's
        # available copies index-only from the partial item_on_shelf_idx into a hash and
        # probes each GIN hit in memory (15,000 buffers instead of 62,000 for "kärlek" at T1);
        # where most are (Karlskoga, Kristinehamn) it probes item_avail_idx per hit as before.
        qs = qs.filter(
            pk__in=Item.objects.filter(
                current_library_id=filters.available_at, status=Item.Status.AVAILABLE
            ).values("record_id")
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
    """The records of a barcode or a call number (in any case) typed as the whole query."""
    if not text or len(text) > 80:
        return None
    # No DISTINCT: with it the planner walked the record_id index through all 500,000 items
    # (800 ms at T1) instead of OR-ing the barcode and upper(call_number) indexes (3 ms).
    rows = Item.objects.filter(Q(barcode=text) | Q(call_number__iexact=text)).values_list(
        "record_id", flat=True
    )[:2000]
    ids = list(dict.fromkeys(rows))[:200]
    return ids or None


def base_queryset(
    parsed: ParsedQuery, filters: Filters
) -> tuple[QuerySet[Record], list[int] | None]:
    """The matching records, and the ids found by barcode/call number (ranked first)."""
    exact = None
    if parsed.terms and ":" not in parsed.text and '"' not in parsed.text:
        exact = _exact_item_records(parsed.text)
    qs = _apply_tsquery(Record.objects.all(), parsed, prefix=False, exact=exact)
    return _apply_filters(qs, filters), exact


# Bounded work for broad queries (docs/catalog.md, "Search at scale"). A query matching more than
# SAMPLE records is "broad": its total reads "more than SAMPLE", its facets count the first SAMPLE
# matches found, its relevance order ranks those plus the exact-title matches, and the other
# sorts walk their index. Narrower queries are exact in everything.
SAMPLE = 1000
EXACT_TITLES = 50  # a broad relevance search's exact-title (and call number) candidates
# A phrase is checked in the first PHRASE_CANDIDATES records holding all its words (GIN keeps no
# positions, so each candidate's vector is read). Past that the result is a lower bound, like a
# broad one, and an exact title is still found (Evergreen's core_limit does the same).
PHRASE_CANDIDATES = 5000


def _score(text: str, title: str, exact: list[int] | None) -> RawSQL:
    """ts_rank (title A > author B > subject C > rest D) plus 100 for an exact title, plus 200
    for the records of a call number or barcode typed as the query."""
    sql = (
        "ts_rank(catalog_record.search_vector, %s::tsquery)"
        " + CASE WHEN lower(catalog_record.title) = %s THEN 100 ELSE 0 END"
    )
    params: list = [text, title]
    if exact:
        sql += " + CASE WHEN catalog_record.id = ANY(%s) THEN 200 ELSE 0 END"
        params.append(exact)
    return RawSQL(sql, params, output_field=FloatField())  # noqa: S611


def _sql(qs: QuerySet) -> tuple[str, list]:
    sql, params = qs.query.sql_with_params()
    return sql, list(params)


def _page_key(qs: QuerySet[Record], sort: str) -> QuerySet[Record]:
    if sort == "newest":
        return qs.order_by(F("year").desc(nulls_last=True), "-id")
    if sort == "title":
        return qs.order_by("title_sort", "id")
    if sort == "author":
        return qs.order_by("author_sort", "title_sort", "id")
    return qs.order_by("-id")


SAMPLE_ORDER = {
    "newest": "r.year DESC NULLS LAST, r.id DESC",
    "title": "r.title_sort, r.id",
    "author": "r.author_sort, r.title_sort, r.id",
    "relevance": "r.id DESC",
}


def _statement(
    parsed: ParsedQuery, filters: Filters, sort: str, offset: int, limit: int, facets: bool
) -> tuple[str, list]:
    """One statement: the sample of matches (computed once), the page's ids, the total and the
    facets, as tagged rows (kind, key, number)."""
    qs, exact_ids = base_queryset(parsed, filters)
    ranked = sort == "relevance" and bool(parsed.terms)
    columns = ["id", "media_type", "language", "audience", "year", "library_ids"]
    if ranked:
        # The score is computed while the sample is read (no second visit to the rows).
        title = parsed.text.strip('"').lower()
        text = tsquery_text(parsed)
        qs = qs.annotate(score=_score(text, title, exact_ids))
        columns.append("score")
    phrase = any(term.phrase for term in parsed.terms)
    if phrase:
        # Candidates from the GIN index alone (the words AND-ed), capped, then the phrase checked
        # on each: "sommar och vinter" at T2 rechecked all 23,947 records holding the three words
        # (56,000 buffers) to find 343.
        loose = _apply_filters(
            _apply_tsquery(Record.objects.all(), parsed, prefix=False, loose=True), filters
        )
        cand, p_sample = _sql(
            loose.values(*columns[:6], "search_vector", "title")[:PHRASE_CANDIDATES]
        )
        outer = ", ".join(f"r.{c}" for c in ("id", "media_type", "language", "audience"))
        outer += ", r.year, r.library_ids"
        p_outer: list = []
        if ranked:
            outer += (
                ", ts_rank(r.search_vector, %s::tsquery)"
                " + CASE WHEN lower(r.title) = %s THEN 100 ELSE 0 END AS score"
            )
            p_outer = [text, title]
        ctes = [
            f"cand AS MATERIALIZED ({cand})",
            f"""s AS MATERIALIZED (SELECT {outer} FROM cand r
                    WHERE r.search_vector @@ %s::tsquery LIMIT {SAMPLE + 1})""",
            "n AS (SELECT count(*) AS n FROM s)",
        ]
        params: list = [*p_sample, *p_outer, tsquery_text(parsed)]
        # Read only when the sample did not fill (then the candidates were all read anyway).
        capped = (
            f"((SELECT n FROM n) <= {SAMPLE}"
            f" AND (SELECT count(*) FROM cand) >= {PHRASE_CANDIDATES})"
        )
    else:
        sample, p_sample = _sql(qs.values(*columns)[: SAMPLE + 1])
        params = [*p_sample]
        ctes = [f"s AS MATERIALIZED ({sample})", "n AS (SELECT count(*) AS n FROM s)"]
        capped = "false"
    broad = f"(SELECT n FROM n) > {SAMPLE}"
    if ranked:
        # A broad query's candidates also include the exact titles, found through the index
        # on the title's first TITLE_KEY letters (lower case): a title equal to the query holds
        # all its words. And the records of a call number / barcode typed as the query.
        same_title = Q(title_key=title[:TITLE_KEY])
        exact, p_exact = _sql(
            _apply_filters(
                Record.objects.annotate(title_key=Left(Lower("title"), TITLE_KEY)), filters
            )
            .filter(same_title | Q(pk__in=exact_ids) if exact_ids else same_title)
            .annotate(score=_score(text, title, exact_ids))
            .filter(score__gte=100)
            # In the title index's order (equal keys by heap position, as stable as the sample):
            # ordering by rank first read all 23,832 records titled "Sommar" at T2 (123 ms).
            .values("id", "score")[:EXACT_TITLES]
        )
        ctes += [
            f"e AS MATERIALIZED (SELECT id, score FROM ({exact}) e0 WHERE {broad} OR {capped})",
            "c AS (SELECT id, score FROM s UNION SELECT id, score FROM e)",
            f"""pg AS (SELECT id FROM c ORDER BY score DESC, id DESC
                        LIMIT {limit} OFFSET {offset})""",
            "w AS (SELECT count(*) AS n FROM c)",
        ]
        params += p_exact
    else:
        # A narrow set is sorted from the sample; a broad one walks the sort key's index.
        walk, p_walk = _sql(_page_key(qs, sort).values("id")[offset : offset + limit])
        ctes += [
            f"""pg AS ((SELECT r.id FROM catalog_record r JOIN s ON s.id = r.id
                        WHERE NOT {broad} ORDER BY {SAMPLE_ORDER[sort]}
                        LIMIT {limit} OFFSET {offset})
                       UNION ALL
                       (SELECT id FROM ({walk}) b WHERE {broad}))""",
            # Unknown how far a broad walk goes: one more page as long as this one is full.
            "w AS (SELECT count(*) + CASE WHEN count(*) = %s THEN 1 ELSE 0 END + %s AS n FROM pg)",
        ]
        params += [*p_walk, limit, offset]
    selects = [
        "SELECT 'page', id::text, row_number() OVER () FROM pg",
        "SELECT 'total', NULL, n FROM n",
        "SELECT 'window', NULL, n FROM w",
        f"SELECT 'capped', NULL, 1 WHERE {capped}",
    ]
    if facets:
        selects += [
            """SELECT CASE GROUPING(media_type, language, audience, (year / 10) * 10)
                        WHEN 7 THEN 'media_type' WHEN 11 THEN 'language'
                        WHEN 13 THEN 'audience' ELSE 'decade' END,
                      coalesce(media_type, language, audience, ((year / 10) * 10)::text),
                      count(*)
                 FROM (SELECT * FROM s LIMIT %s) f
             GROUP BY GROUPING SETS ((media_type), (language), (audience), ((year / 10) * 10))""",
            """SELECT 'library', lib::text, count(*)
                 FROM (SELECT * FROM s LIMIT %s) f, unnest(f.library_ids) lib GROUP BY lib""",
            """SELECT 'available', i.current_library_id::text, count(DISTINCT i.record_id)
                 FROM (SELECT id FROM s LIMIT %s) f
                 JOIN catalog_item i ON i.record_id = f.id AND i.status = 'available'
             GROUP BY i.current_library_id""",
        ]
        params += [SAMPLE, SAMPLE, SAMPLE]
    sql = "WITH " + ",\n".join(ctes) + "\n" + "\nUNION ALL\n".join(selects)
    return sql, params


def search(
    *,
    text: str,
    filters: Filters | None = None,
    sort: str = "relevance",
    page: int = 1,
    per_page: int = PER_PAGE,
    with_facets: bool = True,
    offset: int | None = None,
    browse: bool = False,
) -> SearchResult:
    """Search the catalogue; an empty query with no filters finds nothing, unless ``browse``
    (then every record, newest first). ``offset`` (the API's) overrides ``page``.

    Statements: the exact barcode/call-number lookup (plain queries only), one statement for
    the page's ids, total and facets, and the page's records; when nothing is found, one more
    for a "Did you mean" suggestion."""
    filters = filters or Filters()
    parsed = parse_query(text)
    sort = sort if sort in SORTS else "relevance"
    if offset is not None:
        offset = max(0, min(offset, MAX_PAGE * per_page))
        page = offset // per_page + 1
    else:
        page = max(1, min(page, MAX_PAGE))
        offset = (page - 1) * per_page
    if parsed.is_empty and not filters.active() and not browse:
        return SearchResult(parsed, [], 0, 1, per_page, Facets(), sort)
    sql, params = _statement(parsed, filters, sort, offset, per_page, with_facets)
    facets = Facets()
    page_ids: list[int] = []
    total = window = 0
    capped = False
    with _read_connection().cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    for kind, key, number in rows:
        if kind == "page":
            page_ids.append(int(key))
        elif kind == "total":
            total = number
        elif kind == "window":
            window = number
        elif kind == "capped":
            capped = True
        elif kind in ("library", "available"):
            getattr(facets, kind)[int(key)] = number
        elif kind == "decade":
            if key is not None:
                facets.decade.append((int(key), number))
        else:
            getattr(facets, kind).append((key, number))
    for name in ("media_type", "language", "audience"):
        getattr(facets, name).sort(key=lambda pair: (-pair[1], pair[0] or ""))
    facets.decade.sort(reverse=True)
    by_id = Record.objects.defer("marc", "search_vector", "summary").in_bulk(page_ids)
    records = [by_id[i] for i in page_ids if i in by_id]
    return SearchResult(
        parsed,
        records,
        min(total, SAMPLE),
        page,
        per_page,
        facets,
        sort,
        broad=total > SAMPLE or capped,
        window=window,
        suggestion=did_you_mean(parsed) if total == 0 and not capped and parsed.terms else "",
    )


def _read_connection():
    """The primary, or the OPAC's replica where the router allows it (config/replica.py)."""
    return connections[router.db_for_read(Record)]


def did_you_mean(parsed: ParsedQuery) -> str:
    """The query with each word the catalogue does not know replaced by a known word one
    doubled, dropped or swapped letter away (``sommmar`` → ``sommar``, ``smomar`` → ``sommar``),
    the one found in most records (up to 50 counted). One statement of GIN probes, run only
    when a search found nothing. "" when there is nothing to suggest."""
    words = list(dict.fromkeys(w for t in parsed.terms for w in t.words if w.isalpha()))[:4]
    pairs: list[tuple[str, str]] = []
    for word in words:
        pairs.append((word, word))
        pairs += [(word, c) for c in spelling_candidates(word)[:120]]
    if not pairs:
        return ""
    with _read_connection().cursor() as cursor:
        # Only words in titles, authors and subjects (weights A-C) are suggested.
        cursor.execute(
            """
            SELECT w.word, w.cand,
                   (SELECT count(*) FROM (SELECT 1 FROM catalog_record
                      WHERE search_vector @@ w.q LIMIT 50) x) AS n
              FROM unnest(%s::text[], %s::text[], %s::tsquery[]) AS w(word, cand, q)
            """,
            [
                [w for w, _c in pairs],
                [c for _w, c in pairs],
                [f"{quote(c)}:ABC" for _w, c in pairs],
            ],
        )
        rows = cursor.fetchall()
    found = {(w, c): n for w, c, n in rows}
    fixes: dict[str, str] = {}
    for word in words:
        if found.get((word, word)):
            continue
        best = max(
            ((n, c) for (w, c), n in found.items() if w == word and c != word and n),
            default=None,
        )
        if best:
            fixes[word] = best[1]
    if not fixes:
        return ""
    return " ".join(fixes.get(w, w) for t in parsed.terms for w in t.words)


VOWELS = "aeiouyåäö"


def spelling_candidates(word: str) -> list[str]:
    """Words one edit away: a letter dropped (a doubled one typed), two neighbours swapped, a
    letter doubled, a vowel missing."""
    drops = [word[:i] + word[i + 1 :] for i in range(len(word))]
    swaps = [
        word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        for i in range(len(word) - 1)
        if word[i] != word[i + 1]
    ]
    doubles = [word[: i + 1] + word[i] + word[i + 1 :] for i in range(len(word))]
    inserts = [word[:i] + ch + word[i:] for i in range(1, len(word)) for ch in VOWELS]
    out = [c for c in dict.fromkeys([*drops, *swaps, *doubles, *inserts]) if len(c) > 2]
    return [c for c in out if c != word]


def suggest(*, text: str, limit: int = 8) -> list[tuple[int, str]]:
    """As-you-type: titles whose words start with what has been typed so far."""
    parsed = parse_query(text)
    if not parsed.terms or len(parsed.terms[-1].words[-1]) < 2:
        return []
    qs = _apply_tsquery(Record.objects.all(), parsed, prefix=True)
    return list(qs.order_by(Lower("title_sort")).values_list("id", "title")[:limit])
