"""The targeting run: which library fetches which copy for the waiting holds (pick lists).

The pure choice is ``circulation.holds.rules.choose_targets``; this module reads the waiting
holds and free copies set-based and writes the chosen targets (docs/hold-targeting.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Count

from catalog.models import Item
from circulation import config_cache
from circulation.holds import rules
from circulation.holds.models import Hold
from libraries.models import Library
from transport import network_cache

TARGETING_LOCK = 7_000_001  # pg advisory lock: one targeting run at a time
# Pick-list lines written per statement: one statement for any realistic run (20,000 holds with
# 7,000 targets at T1 wrote 2 statements with chunks of 5,000; the arrays stay well under 1 MB).
WRITE_CHUNK = 50_000


@dataclass(frozen=True)
class TargetingReport:
    holds_considered: int
    targeted: int
    cleared: int


@transaction.atomic
def run_targeting(*, now: datetime, hold_ids: list[int] | None = None) -> TargetingReport:
    """Put the waiting holds' copies on the libraries' pick lists (the pure ``rules`` module
    chooses). Set-based: a fixed number of statements (8 once the network snapshot is cached)
    whatever the number of holds, up to 50,000 targets written (bench/hold_bench.py)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [TARGETING_LOCK])
    # Pick-list lines whose copy left the shelf meanwhile (lent, missing) are dropped first.
    cleared = (
        Hold.objects.waiting()
        .filter(target_item__isnull=False)
        .exclude(target_item__status=Item.Status.AVAILABLE)
        .update(target_item=None, target_library=None, targeted_at=None)
    )
    today = now.astimezone(ZoneInfo("Europe/Stockholm")).date()
    waiting = Hold.objects.waiting().not_suspended(today=today).filter(target_item__isnull=True)
    if hold_ids is not None:
        waiting = waiting.filter(pk__in=hold_ids)
    hold_rows = list(
        waiting.in_queue_order().values_list(
            "id", "record_id", "pickup_library__code", "patron__category_id", "requested_item_id"
        )
    )
    if not hold_rows:
        return TargetingReport(0, 0, cleared)
    waiting_holds = [rules.WaitingHold(*row) for row in hold_rows]
    copies = [
        rules.Copy(*row)
        for row in Item.objects.filter(
            status=Item.Status.AVAILABLE,
            item_type__not_for_loan=False,
            record_id__in=waiting.values("record_id"),
        )
        .exclude(
            pk__in=Hold.objects.waiting().filter(target_item__isnull=False).values("target_item")
        )
        .values_list("id", "record_id", "current_library__code", "item_type_id")
    ]
    libraries = {lib.code: lib for lib in Library.objects.all()}
    picks = dict(
        Hold.objects.waiting()
        .filter(target_library__isnull=False)
        .values_list("target_library__code")
        .annotate(n=Count("id"))
        .values_list("target_library__code", "n")
    )
    pairs = {(h.pickup, h.category_id) for h in waiting_holds}
    types = {c.item_type_id for c in copies}
    config = config_cache.config()
    not_holdable = frozenset(
        (pickup, category, item_type)
        for pickup, category in pairs
        for item_type in types
        if not config.effective(
            library_id=libraries[pickup].pk,
            category_id=category,
            item_type_id=item_type,
        ).holdable
    )
    targets = rules.choose_targets(
        waiting_holds,
        copies,
        network=network_cache.snapshot(now=now).network,
        now=now,
        not_holdable=not_holdable,
        picks=picks,
    )
    written = 0
    for start in range(0, len(targets), WRITE_CHUNK):
        chunk = targets[start : start + WRITE_CHUNK]
        with connection.cursor() as cursor:
            cursor.execute(
                """
                UPDATE circulation_hold AS h
                   SET target_item_id = v.item, target_library_id = v.library, targeted_at = %s
                  FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[]) AS v(hold, item, library)
                 WHERE h.id = v.hold AND h.state = 'waiting' AND h.target_item_id IS NULL
                """,
                [
                    now,
                    [t.hold_id for t in chunk],
                    [t.item_id for t in chunk],
                    [libraries[t.library].pk for t in chunk],
                ],
            )
            written += cursor.rowcount
    return TargetingReport(len(waiting_holds), written, cleared)
