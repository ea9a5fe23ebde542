"""The one writer of circulation events: one INSERT … SELECT per call, inside the caller's
transaction, whatever the number of items.

The descriptive columns (item type, media type, audience, the borrower's category, age band
and home municipality) are read by the INSERT itself from the item/record/patron rows, so a
service adds exactly one statement and passes only ids. No patron id is stored.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection

from catalog.models import Item, Record
from events.models import CirculationEvent, Kind
from libraries.models import Library
from patrons.models import Patron

TIME_ZONE = "Europe/Stockholm"


def age_band_sql(age: str) -> str:
    """The SQL CASE that turns an age expression (NULL: unknown) into one of ``AGE_BANDS``."""
    return (
        f"CASE WHEN ({age}) IS NULL THEN '' WHEN ({age}) < 6 THEN '0-5'"
        f" WHEN ({age}) < 13 THEN '6-12' WHEN ({age}) < 18 THEN '13-17'"
        f" WHEN ({age}) < 65 THEN '18-64' ELSE '65+' END"
    )


def day_sql(moment: str) -> str:
    """The SQL for the Swedish date of a timestamptz expression."""
    return f"(({moment}) AT TIME ZONE '{TIME_ZONE}')::date"


_INSERT_SQL = f"""
INSERT INTO {CirculationEvent._meta.db_table}
    (kind, occurred_at, day, library_id, owning_library_id, other_library_id, item_type_id,
     media_type, audience, patron_category_id, age_band, patron_municipality, duration_seconds)
SELECT %(kind)s, %(at)s, (%(at)s::timestamptz AT TIME ZONE '{TIME_ZONE}')::date, %(library)s,
       i.home_library_id, %(other)s, i.item_type_id,
       COALESCE(r.media_type, ''), COALESCE(r.audience, ''), p.category_id,
       {age_band_sql("a.age")},
       COALESCE(home.municipality, ''), %(duration)s
  FROM unnest(%(items)s::bigint[], %(records)s::bigint[]) AS v(item_id, record_id)
  LEFT JOIN {Item._meta.db_table} i ON i.id = v.item_id
  LEFT JOIN {Record._meta.db_table} r ON r.id = COALESCE(v.record_id, i.record_id)
  LEFT JOIN {Patron._meta.db_table} p ON p.id = %(patron)s
  LEFT JOIN {Library._meta.db_table} home ON home.id = p.home_library_id
  LEFT JOIN LATERAL (
       SELECT EXTRACT(YEAR FROM %(at)s::timestamptz AT TIME ZONE '{TIME_ZONE}')::int
              - p.birth_year AS age) a ON true
"""  # noqa: S608 - table names from the models, values as parameters


def record(
    kind: Kind | str,
    *,
    at: datetime,
    library_id: int,
    item_ids: list[int] | tuple[int, ...] = (),
    record_id: int | None = None,
    patron_id: int | None = None,
    other_library_id: int | None = None,
    duration: timedelta | None = None,
) -> None:
    """Log ``kind`` at ``library_id``: one row per item of ``item_ids`` (or one row for the
    title ``record_id`` when no copy is concerned, e.g. a hold on a title). One statement."""
    statement = insert_statement(
        kind, at=at, library_id=library_id, item_ids=item_ids, record_id=record_id,
        patron_id=patron_id, other_library_id=other_library_id, duration=duration,
    )  # fmt: skip
    if statement is None:
        return
    with connection.cursor() as cursor:
        cursor.execute(*statement)


# The same INSERT with its parameters named ev_*: a service that writes other rows in one
# statement (the desk's checkout, check-in and renewal) puts it in a WITH clause of its own.
_PREFIXED_INSERT_SQL = _INSERT_SQL.replace("%(", "%(ev_")


def insert_statement(
    kind: Kind | str,
    *,
    at: datetime,
    library_id: int,
    item_ids: list[int] | tuple[int, ...] = (),
    record_id: int | None = None,
    patron_id: int | None = None,
    other_library_id: int | None = None,
    duration: timedelta | None = None,
    prefixed: bool = False,
) -> tuple[str, dict] | None:
    """The SQL and parameters that ``record`` runs (None: nothing to log). ``prefixed``: the
    parameters are named ``ev_*``, so the INSERT can be a data-modifying WITH clause of a
    larger statement (it reads the item and patron rows as they were before that statement)."""
    if item_ids:
        items, records = list(item_ids), [None] * len(item_ids)
    elif record_id is not None:
        items, records = [None], [record_id]
    else:
        return None
    seconds = None if duration is None else max(0, int(duration.total_seconds()))
    params = {
        "kind": str(kind),
        "at": at,
        "library": library_id,
        "other": other_library_id,
        "items": items,
        "records": records,
        "patron": patron_id,
        "duration": seconds,
    }
    if prefixed:
        return _PREFIXED_INSERT_SQL, {f"ev_{k}": v for k, v in params.items()}
    return _INSERT_SQL, params
