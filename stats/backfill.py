"""Build circulation events from the loan, hold and transfer tables, for the history before the
event log began (``backfill_events``). Set-based: one INSERT … SELECT, in time order.

Only what the tables still know can be rebuilt: a loan whose patron link was cut keeps no
borrower facts (category, age band, municipality stay empty); a loan keeps only its number of
renewals and the time of the last one, so its renewals are dated then and placed at the library
where the loan was made. Events are built only for moments before the first logged event (or
before ``until``), so running it twice adds nothing.
"""

# ruff: noqa: S608 - every statement is fixed text: table names from the models, values as
# parameters.
from __future__ import annotations

from datetime import datetime

from django.db import connection, transaction

from circulation.holds.models import Hold
from circulation.models import Loan
from events.models import CirculationEvent, Kind
from events.services import age_band_sql, day_sql
from stats import rollups
from transport.models import Transfer, TransferEvent

_EVENTS = CirculationEvent._meta.db_table
_LOAN, _HOLD = Loan._meta.db_table, Hold._meta.db_table
_TRANSFER, _TRANSFER_EVENT = Transfer._meta.db_table, TransferEvent._meta.db_table
_COLUMNS = (
    "kind, occurred_at, day, library_id, owning_library_id, other_library_id, item_type_id,"
    " media_type, audience, patron_category_id, age_band, patron_municipality, duration_seconds"
)


def _age(moment: str) -> str:
    return f"EXTRACT(YEAR FROM ({moment}) AT TIME ZONE 'Europe/Stockholm')::int - p.birth_year"


def _select(
    kind: str,
    *,
    source: str,
    moment: str,
    library: str,
    other="NULL::bigint",
    duration="NULL::int",
    item="x.item_id",
) -> str:
    """The SELECT of ``kind`` events from ``source`` (aliased x: item_id, patron_id)."""
    return (
        f"SELECT '{kind}', {moment}, {day_sql(moment)}, {library}, i.home_library_id, {other},"
        " i.item_type_id, COALESCE(r.media_type, ''), COALESCE(r.audience, ''), p.category_id,"
        f" {age_band_sql(_age(moment))}, COALESCE(home.municipality, ''), {duration}"
        f" FROM {source}"
        f" LEFT JOIN catalog_item i ON i.id = {item}"
        " JOIN catalog_record r ON r.id = COALESCE(x.record_id, i.record_id)"
        " LEFT JOIN patrons_patron p ON p.id = x.patron_id"
        " LEFT JOIN libraries_library home ON home.id = p.home_library_id"
        f" WHERE {moment} IS NOT NULL AND {moment} < %(until)s"
    )


def _seconds(later: str, earlier: str) -> str:
    return f"GREATEST(0, EXTRACT(EPOCH FROM {later} - {earlier}))::int"


_NO_RECORD = "NULL::bigint AS record_id"
STATEMENTS = {
    Kind.CHECKOUT: _select(
        Kind.CHECKOUT,
        source=f"(SELECT l.*, {_NO_RECORD} FROM {_LOAN} l) x",
        moment="x.checked_out_at",
        library="x.checkout_library_id",
    ),
    Kind.RENEWAL: _select(
        Kind.RENEWAL,
        source=f"(SELECT l.*, {_NO_RECORD}, generate_series(1, l.renewals) AS n"
        f" FROM {_LOAN} l WHERE l.renewals > 0) x",
        moment="x.last_renewed_at",
        library="x.checkout_library_id",
    ),
    Kind.RETURN: _select(
        Kind.RETURN,
        source=f"(SELECT l.*, {_NO_RECORD} FROM {_LOAN} l WHERE l.end_reason = 'returned') x",
        moment="x.returned_at",
        library="x.returned_library_id",
        other="x.checkout_library_id",
    ),
    # A hold placed on a title has no copy: media type and audience come from the record.
    Kind.HOLD_PLACED: _select(
        Kind.HOLD_PLACED,
        source=f"{_HOLD} x",
        moment="x.placed_at",
        library="x.pickup_library_id",
        item="x.requested_item_id",
    ),
    Kind.HOLD_READY: _select(
        Kind.HOLD_READY,
        source=f"{_HOLD} x",
        moment="x.shelved_at",
        library="x.pickup_library_id",
        duration=_seconds("x.shelved_at", "x.placed_at"),
    ),
    # A crate left: logged per transfer in the transport log (state "in transit").
    Kind.TRANSFER_SENT: _select(
        Kind.TRANSFER_SENT,
        source=f"(SELECT e.at, e.library_id, t.item_id, t.to_library_id, {_NO_RECORD},"
        f" NULL::bigint AS patron_id FROM {_TRANSFER_EVENT} e"
        f" JOIN {_TRANSFER} t ON t.id = e.transfer_id WHERE e.state = 'in_transit') x",
        moment="x.at",
        library="x.library_id",
        other="x.to_library_id",
    ),
    Kind.TRANSFER_ARRIVED: _select(
        Kind.TRANSFER_ARRIVED,
        source=f"(SELECT t.*, {_NO_RECORD}, NULL::bigint AS patron_id FROM {_TRANSFER} t"
        " WHERE t.state = 'arrived') x",
        moment="x.closed_at",
        library="x.to_library_id",
        other="x.from_library_id",
        duration=_seconds("x.closed_at", "x.created_at"),
    ),
}


def first_logged_event() -> datetime | None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT min(occurred_at) FROM {_EVENTS}")
        return cursor.fetchone()[0]


@transaction.atomic
def backfill(*, now: datetime, until: datetime | None = None) -> dict[str, int]:
    """Insert the events that happened before ``until`` (default: the first logged event, or
    ``now`` when none is logged). Returns the rows written per kind; refreshes the rollups."""
    first_logged = first_logged_event()
    # Never past the first logged event: what follows it is in the log already.
    until = min(filter(None, [until, first_logged])) if (until or first_logged) else now
    with connection.cursor() as cursor:
        # One statement, in time order: the rows land in day order, as live events do, so the
        # BRIN index on the day serves the backfilled history too.
        cursor.execute(
            f"INSERT INTO {_EVENTS} ({_COLUMNS}) SELECT * FROM ("
            + " UNION ALL ".join(STATEMENTS.values())
            + ") AS backfilled ORDER BY 2",
            {"until": until},
        )
        cursor.execute(
            f"SELECT kind, count(*) FROM {_EVENTS} WHERE occurred_at < %s GROUP BY kind", [until]
        )
        found = dict(cursor.fetchall())
        written = {str(kind): found.get(str(kind), 0) for kind in STATEMENTS}
        cursor.execute(f"SELECT min(day) FROM {_EVENTS}")
        first = cursor.fetchone()[0]
    if first is not None:
        rollups.refresh(start=first, end=rollups.local_today(until))
    return written
