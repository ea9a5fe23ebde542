"""Pick the patrons and items each benchmark uses from the generated consortium (reads only)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from bench.generator import BENCH_USER


@dataclass(frozen=True)
class Desk:
    card: str
    barcode: str
    library: str  # code of the library the item is at (its home): checkout and plain check-in
    elsewhere: str  # another library (not floating): check-in there starts a transfer


def _rows(sql: str, params=None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def normal_cards(limit: int) -> list[str]:
    """Active cards of adults in good standing: valid card, no fee, no block, few loans, none
    overdue (so every checkout succeeds)."""
    return [
        row[0]
        for row in _rows(
            """
            SELECT c.number
              FROM patrons_patron p
              JOIN patrons_patroncategory pc ON pc.id = p.category_id AND pc.code = 'ADULT'
              JOIN patrons_card c ON c.patron_id = p.id AND c.status = 'active'
             WHERE p.expiry_date > current_date + 30 AND p.staff_note = ''
               AND NOT EXISTS (SELECT 1 FROM circulation_fee f
                                WHERE f.patron_id = p.id AND f.state = 'open')
               AND NOT EXISTS (SELECT 1 FROM patrons_patronblock b
                                WHERE b.patron_id = p.id AND b.removed_at IS NULL)
               AND (SELECT count(*) FROM circulation_loan l
                     WHERE l.patron_id = p.id AND l.returned_at IS NULL) < 5
               AND NOT EXISTS (
                   SELECT 1 FROM circulation_loan l WHERE l.patron_id = p.id
                      AND l.returned_at IS NULL AND l.due_at < now() + interval '2 days')
             ORDER BY md5(p.id::text)
             LIMIT %s
            """,
            [limit],
        )
    ]


def marked_cards(note: str) -> list[str]:
    return [
        row[0]
        for row in _rows(
            """SELECT c.number FROM patrons_patron p
                 JOIN patrons_card c ON c.patron_id = p.id AND c.status = 'active'
                WHERE p.staff_note = %s ORDER BY p.id""",
            [note],
        )
    ]


def marked_patron_ids(note: str) -> list[int]:
    return [r[0] for r in _rows("SELECT id FROM patrons_patron WHERE staff_note = %s", [note])]


def available_items(limit: int, *, offset_seed: int = 0) -> list[tuple[str, str, str]]:
    """(barcode, home library code, another library code) of loanable books on the shelf at
    home, of titles nobody waits for (their check-in catches no hold), in a stable
    pseudo-random order; ``offset_seed`` picks a different slice."""
    rows = _rows(
        """
        SELECT i.barcode, h.code,
               (SELECT o.code FROM libraries_library o
                 WHERE o.id <> h.id AND o.kind = 'library'
                   AND NOT EXISTS (SELECT 1 FROM transport_floatingrule f WHERE f.library_id = o.id)
                 ORDER BY md5(o.code || i.id::text) LIMIT 1)
          FROM catalog_item i
          JOIN libraries_library h ON h.id = i.home_library_id
          JOIN catalog_itemtype t ON t.id = i.item_type_id AND t.code = 'BOOK'
         WHERE i.status = 'available' AND i.current_library_id = i.home_library_id
           AND NOT EXISTS (SELECT 1 FROM circulation_loan l
                            WHERE l.item_id = i.id AND l.returned_at IS NULL)
           AND NOT EXISTS (SELECT 1 FROM circulation_hold h
                            WHERE h.record_id = i.record_id AND h.state = 'waiting')
         ORDER BY md5(i.id::text || %s)
         LIMIT %s
        """,
        [str(offset_seed), limit],
    )
    return [(r[0], r[1], r[2]) for r in rows]


def hold_checkins(limit: int, *, seed: int = 0) -> list[tuple[str, str]]:
    """(barcode, library code) of lent books whose title has a waiting hold, one per title, with
    the pickup library of the title's first title-level, not paused hold in queue order:
    checking the copy in there catches that hold and puts the copy on the hold shelf."""
    rows = _rows(
        """
        WITH lent AS (
            SELECT i.id, i.barcode, i.record_id,
                   row_number() OVER (PARTITION BY i.record_id ORDER BY i.id) AS k
              FROM circulation_loan l
              JOIN catalog_item i ON i.id = l.item_id
              JOIN catalog_itemtype t ON t.id = i.item_type_id AND t.code = 'BOOK'
             WHERE l.returned_at IS NULL
               AND EXISTS (SELECT 1 FROM circulation_hold h
                            WHERE h.record_id = i.record_id AND h.state = 'waiting')
               AND NOT EXISTS (SELECT 1 FROM circulation_hold h
                                WHERE h.requested_item_id = i.id AND h.state = 'waiting')
        ), queue AS (
            SELECT h.record_id, h.pickup_library_id,
                   row_number() OVER (PARTITION BY h.record_id ORDER BY h.queue_key, h.id) AS k
              FROM circulation_hold h
             WHERE h.state = 'waiting' AND h.requested_item_id IS NULL
               AND (h.suspended_until IS NULL OR h.suspended_until < current_date)
        )
        SELECT lent.barcode, lib.code
          FROM lent
          JOIN queue USING (record_id, k)
          JOIN libraries_library lib ON lib.id = queue.pickup_library_id
         WHERE lent.k = 1
         ORDER BY md5(lent.id::text || %s)
         LIMIT %s
        """,
        [str(seed), limit],
    )
    return [(r[0], r[1]) for r in rows]


def desks(cards: list[str], items: list[tuple[str, str, str]]) -> list[Desk]:
    """Pair items with cards round-robin."""
    return [
        Desk(cards[k % len(cards)], barcode, home, other)
        for k, (barcode, home, other) in enumerate(items)
    ]


def bench_user():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=BENCH_USER)
