"""Set-based upkeep of the denormalised search columns (one UPDATE for many records).

The search vector is built in Python (``catalog.text``, the same tokenizer the query uses) and
written as a tsvector literal; see docs/catalog.md, "Tokens".
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.utils import timezone

from catalog.text import search_vector

# The Record columns the search vector is built from (keyword arguments of search_vector).
VECTOR_FIELDS = (
    "title",
    "subtitle",
    "authors",
    "subjects",
    "series",
    "responsibility",
    "publisher",
    "summary",
    "sab",
    "dewey",
    "isbns",
    "language",
)


def vector_of(record) -> str:
    """The tsvector literal of a Record instance (saved or not)."""
    return search_vector(**{name: getattr(record, name) or "" for name in VECTOR_FIELDS})


def refresh_search_vectors(record_ids: Iterable[int]) -> None:
    """Rebuild the search vectors of these records: one SELECT, one UPDATE."""
    ids = list(record_ids)
    if not ids:
        return
    columns = ", ".join(VECTOR_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, {columns} FROM catalog_record WHERE id = ANY(%s)",  # noqa: S608
            [ids],
        )
        rows = cursor.fetchall()
        if not rows:
            return
        vectors = [
            search_vector(**{n: v or "" for n, v in zip(VECTOR_FIELDS, row[1:], strict=True)})
            for row in rows
        ]
        cursor.execute(
            """
            UPDATE catalog_record r SET search_vector = v.vector::tsvector
              FROM unnest(%s::bigint[], %s::text[]) AS v(id, vector)
             WHERE r.id = v.id
            """,
            [[row[0] for row in rows], vectors],
        )


def rebuild_all_search_vectors(*, batch_size: int = 2000, progress=None) -> int:
    """Every record's vector again (after a tokenizer change), in id order, batch by batch
    (each batch its own transaction when run outside one). Returns the number of records."""
    last, done = 0, 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM catalog_record WHERE id > %s ORDER BY id LIMIT %s",
                [last, batch_size],
            )
            ids = [row[0] for row in cursor.fetchall()]
        if not ids:
            return done
        refresh_search_vectors(ids)
        done += len(ids)
        last = ids[-1]
        if progress:
            progress(done)


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
