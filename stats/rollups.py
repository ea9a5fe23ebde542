"""Daily rollups of the circulation events: built by Celery beat, read by the reports.

A day is rolled up once it is over (Swedish time). ``RollupState.complete_through`` says up to
which day the rollups are complete; the reports add the raw events of the days after it, so a
report always equals a direct count of the events (tests/stats/test_rollups.py).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import connection, transaction

from events.models import CirculationEvent
from events.services import TIME_ZONE
from stats.models import DailyRollup, RollupState

# The event attributes a rollup row keeps (everything but the time and the duration).
DIMENSIONS = (
    "kind",
    "library_id",
    "owning_library_id",
    "other_library_id",
    "item_type_id",
    "media_type",
    "audience",
    "patron_category_id",
    "age_band",
    "patron_municipality",
)
# The grains rolled up: each report's grouping (and scope columns) is covered by one of them.
GRAINS = {
    "library": ("library_id",),
    "media": ("library_id", "media_type", "audience"),
    "owning": ("owning_library_id", "library_id"),
    "home": ("patron_municipality", "library_id"),
    "link": ("other_library_id", "library_id"),
    "type": ("owning_library_id", "item_type_id"),
    "borrower": ("library_id", "patron_category_id", "age_band"),
}


def grain_for(columns) -> str:
    """The smallest grain holding all ``columns`` (besides the kind)."""
    wanted = set(columns) - {"kind"}
    fits = [(len(dims), name) for name, dims in GRAINS.items() if wanted <= set(dims)]
    if not fits:
        raise ValueError(f"no rollup grain holds {sorted(wanted)}")
    return min(fits)[1]


def _grain_insert(name: str) -> str:
    dims = GRAINS[name]
    keys = ", ".join(("kind", *dims))
    return (
        f"INSERT INTO {_ROLLUP} (grain, day, {keys}, events, duration_sum, duration_count)"  # noqa: S608
        f" SELECT '{name}', day, {keys}, count(*), sum(duration_seconds),"
        f" count(duration_seconds) FROM {_EVENTS}"
        f" WHERE day BETWEEN %s AND %s GROUP BY day, {keys}"
    )


_ROLLUP = DailyRollup._meta.db_table
_EVENTS = CirculationEvent._meta.db_table


def local_today(now: datetime) -> date:
    from zoneinfo import ZoneInfo

    return now.astimezone(ZoneInfo(TIME_ZONE)).date()


@transaction.atomic
def rebuild(*, start: date, end: date) -> int:
    """Recount the days ``start``..``end`` from the events (idempotent). Returns rows written."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {_ROLLUP} WHERE day BETWEEN %s AND %s", [start, end])  # noqa: S608
        written = 0
        for name in GRAINS:
            cursor.execute(_grain_insert(name), [start, end])
            written += cursor.rowcount
        return written


def _first_event_day() -> date | None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT min(day) FROM {_EVENTS}")  # noqa: S608
        return cursor.fetchone()[0]


def complete_through() -> date:
    state = RollupState.objects.filter(id=1).first()
    return state.complete_through if state else RollupState().complete_through


@transaction.atomic
def roll_up(*, now: datetime) -> tuple[date, date] | None:
    """Roll up every finished day not rolled up yet (through yesterday). Idempotent: the beat
    job may run often and twice; returns the days rolled up, or None."""
    state, _created = RollupState.objects.select_for_update().get_or_create(id=1)
    end = local_today(now) - timedelta(days=1)
    start = state.complete_through + timedelta(days=1)
    if start > end:
        return None
    first = _first_event_day()
    if first is not None and first > start:
        start = min(first, end)
    rebuild(start=start, end=end)
    state.complete_through = end
    state.save(update_fields=["complete_through"])
    return start, end


@transaction.atomic
def refresh(*, start: date, end: date) -> None:
    """After events were added for past days (the backfill): recount those already rolled up."""
    state, _created = RollupState.objects.select_for_update().get_or_create(id=1)
    end = min(end, state.complete_through)
    if start <= end:
        rebuild(start=start, end=end)
