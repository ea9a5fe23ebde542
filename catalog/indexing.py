"""Set-based upkeep of the denormalised search columns (one UPDATE for many records)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.utils import timezone

# Title (A) in Swedish stemming and unstemmed; authors (B) unstemmed and stemmed (so "Lindgren"
# and "Lindgrens" both find her); subjects (C) stemmed; series, summary, publisher, responsibility,
# classification and ISBNs (D). See docs/catalog.md.
SEARCH_VECTOR_SQL = """
    setweight(to_tsvector('swedish', coalesce(title, '') || ' ' || coalesce(subtitle, '')), 'A')
 || setweight(to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(subtitle, '')), 'A')
 || setweight(to_tsvector('simple', array_to_string(authors, ' ')), 'B')
 || setweight(to_tsvector('swedish', array_to_string(authors, ' ')), 'B')
 || setweight(to_tsvector('swedish', array_to_string(subjects, ' ')), 'C')
 || setweight(to_tsvector('simple', array_to_string(subjects, ' ')), 'C')
 || setweight(to_tsvector('swedish',
        coalesce(series, '') || ' ' || coalesce(responsibility, '') || ' '
        || coalesce(publisher, '') || ' ' || left(coalesce(summary, ''), 4000)), 'D')
 || setweight(to_tsvector('simple',
        coalesce(series, '') || ' ' || coalesce(sab, '') || ' ' || coalesce(dewey, '') || ' '
        || array_to_string(isbns, ' ')), 'D')
"""


def refresh_search_vectors(record_ids: Iterable[int]) -> None:
    ids = list(record_ids)
    if not ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE catalog_record SET search_vector = {SEARCH_VECTOR_SQL} WHERE id = ANY(%s)",  # noqa: S608
            [ids],
        )


def refresh_library_ids(record_ids: Iterable[int]) -> None:
    """Recompute which libraries own a copy of each record (the "library" facet). The record's
    ``updated_at`` moves too: its holdings changed, so OAI-PMH harvesters fetch it again."""
    ids = list(record_ids)
    if not ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE catalog_record r
               SET library_ids = coalesce(
                   (SELECT array_agg(DISTINCT i.home_library_id ORDER BY i.home_library_id)
                      FROM catalog_item i
                     WHERE i.record_id = r.id AND i.status <> 'withdrawn'),
                   '{}'),
                   updated_at = %s
             WHERE r.id = ANY(%s)
            """,
            [timezone.now(), ids],
        )
