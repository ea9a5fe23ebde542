"""Reads for the statistics: event sums from the rollups (plus the raw events of the days not
rolled up yet), item counts, transfers in transit. Each function is a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connection
from django.db.models import Count, Q

from catalog.models import Item
from events.models import CirculationEvent
from stats import rollups
from stats.models import DailyRollup, Population
from transport.models import Transfer

_ROLLUP = DailyRollup._meta.db_table
_EVENTS = CirculationEvent._meta.db_table


@dataclass(frozen=True)
class Scope:
    """Which events a report may count: all (None) or those touching these libraries in one of
    ``columns`` (e.g. where it happened, or whose item it was)."""

    library_ids: tuple[int, ...] | None
    municipalities: tuple[str, ...] = ()

    def sql(self, columns: Sequence[str]) -> tuple[str, list]:
        if self.library_ids is None:
            return "", []
        parts = [f"{column} = ANY(%s)" for column in columns]
        params: list = [list(self.library_ids)] * len(columns)
        if self.municipalities and "patron_municipality" in columns:
            parts[columns.index("patron_municipality")] = "patron_municipality = ANY(%s)"
            params[columns.index("patron_municipality")] = list(self.municipalities)
        return " AND (" + " OR ".join(parts) + ")", params


ALL = Scope(None)


@dataclass(frozen=True)
class Sum:
    key: tuple
    events: int
    duration_sum: int | None
    duration_count: int

    @property
    def mean_duration(self) -> float | None:
        if not self.duration_count or self.duration_sum is None:
            return None
        return self.duration_sum / self.duration_count


def event_sums(
    *,
    kinds: Iterable[str],
    start: date,
    end: date,
    group_by: Sequence[str],
    scope: Scope = ALL,
    scope_columns: Sequence[str] = ("library_id",),
    rolled_through: date | None = None,
) -> list[Sum]:
    """Events of ``kinds`` on days ``start``..``end`` counted per ``group_by`` (rollup
    dimensions). One query (and one for ``rolled_through``, the rollups' watermark, unless
    given): the rollups up to the last rolled-up day, the raw events after it."""
    columns = [c for c in group_by if c in rollups.DIMENSIONS]
    if len(columns) != len(group_by):
        raise ValueError(f"not a dimension: {group_by}")
    keys = ", ".join(columns) if columns else "NULL::int"
    grouping = f"GROUP BY {keys}" if columns else ""
    where, params = scope.sql(list(scope_columns))
    scoped = scope.library_ids is not None
    grain = rollups.grain_for([*columns, *(scope_columns if scoped else ())])
    # Rollups up to the day they are complete through, raw events after it. The day is read
    # first and passed as a value: inside the statement the planner could not narrow the raw
    # part by it (a sequential scan of millions of events), and a period that is rolled up
    # entirely does not touch the events at all.
    done = rollups.complete_through() if rolled_through is None else rolled_through
    kinds = list(kinds)
    parts, args = [], []
    if start <= done:
        parts.append(
            f"SELECT {keys}, events AS n, duration_sum AS d, duration_count AS c FROM {_ROLLUP}"  # noqa: S608
            f" WHERE grain = %s AND kind = ANY(%s) AND day BETWEEN %s AND %s {where}"
        )
        args += [grain, kinds, start, min(end, done), *params]
    if end > done:
        parts.append(
            f"SELECT {keys}, 1 AS n, duration_seconds AS d,"  # noqa: S608
            " (duration_seconds IS NOT NULL)::int AS c"
            f" FROM {_EVENTS} WHERE kind = ANY(%s) AND day BETWEEN %s AND %s {where}"
        )
        args += [kinds, max(start, done + timedelta(days=1)), end, *params]
    sql = (
        f"SELECT {keys}, sum(n)::bigint, sum(d)::bigint, sum(c)::bigint"  # noqa: S608
        f" FROM ({' UNION ALL '.join(parts)}) AS s {grouping}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        rows = cursor.fetchall()
    width = max(len(columns), 1)
    return [
        Sum(tuple(row[:width]) if columns else (), row[width] or 0, row[width + 1], row[width + 2])
        for row in rows
        if row[width]
    ]


def populations(*, year: int) -> dict[int, int]:
    """Inhabitants per library for ``year``: the edited figure, else the library's default."""
    from libraries.models import Library

    edited = dict(Population.objects.filter(year=year).values_list("library_id", "inhabitants"))
    return {
        lib.id: edited.get(lib.id, lib.population)
        for lib in Library.objects.members()
        if edited.get(lib.id, lib.population)
    }


def item_counts(
    *, since: datetime, library_ids: tuple[int, ...] | None
) -> dict[tuple[int, int], tuple[int, int]]:
    """Per (home library, item type): items that can circulate, and how many of them were
    acquired before ``since`` and not borrowed since then. One query."""
    items = Item.objects.exclude(status__in=[Item.Status.WITHDRAWN, Item.Status.LOST])
    if library_ids is not None:
        items = items.filter(home_library_id__in=library_ids)
    idle = (Q(last_borrowed_at__isnull=True) | Q(last_borrowed_at__lt=since)) & Q(
        created_at__lt=since
    )
    return {
        (row["home_library_id"], row["item_type_id"]): (row["n"], row["idle"])
        for row in items.values("home_library_id", "item_type_id").annotate(
            n=Count("id"), idle=Count("id", filter=idle)
        )
    }


_IN_TRANSIT_SQL = f"""
WITH days AS (SELECT d::date AS day FROM generate_series(%(start)s::date, %(end)s::date,
                                                         interval '1 day') AS d),
     t AS (SELECT (created_at AT TIME ZONE %(tz)s)::date AS began,
                  (closed_at AT TIME ZONE %(tz)s)::date AS ended
             FROM {Transfer._meta.db_table}
            WHERE state <> 'cancelled' {{scope}}
              AND created_at < (%(end)s::date + 1)
              AND (closed_at IS NULL OR closed_at >= %(start)s::date - 1)),
     began AS (SELECT began AS day, count(*) AS n FROM t GROUP BY began),
     ended AS (SELECT ended AS day, count(*) AS n FROM t WHERE ended IS NOT NULL GROUP BY ended)
SELECT days.day,
       (SELECT count(*) FROM t WHERE began < %(start)s AND (ended IS NULL OR ended >= %(start)s))
       + sum(coalesce(began.n, 0) - coalesce(ended.n, 0)) OVER (ORDER BY days.day)
  FROM days LEFT JOIN began USING (day) LEFT JOIN ended USING (day)
 ORDER BY days.day
"""  # noqa: S608


def in_transit_per_day(
    *, start: date, end: date, library_ids: tuple[int, ...] | None
) -> list[tuple[date, int]]:
    """Items in a transfer (started, not arrived) at the end of each day. One query.

    An item that starts and arrives on the same day is not counted for that day."""
    scope = ""
    params = {"start": start, "end": end, "tz": rollups.TIME_ZONE}
    if library_ids is not None:
        scope = "AND (from_library_id = ANY(%(libs)s) OR to_library_id = ANY(%(libs)s))"
        params["libs"] = list(library_ids)
    with connection.cursor() as cursor:
        cursor.execute(_IN_TRANSIT_SQL.replace("{scope}", scope), params)
        return [(day, int(n)) for day, n in cursor.fetchall()]
