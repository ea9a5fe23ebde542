"""Due dates over closed days, holidays and DST changes; overdue fines by open days."""

from datetime import UTC, date, datetime
from decimal import Decimal
from types import MappingProxyType
from zoneinfo import ZoneInfo

import pytest

from circulation.duedates import due_at, overdue_fine, overdue_open_days, renewal_moves_due
from libraries.calendar import Calendar

STHLM = ZoneInfo("Europe/Stockholm")
MON_FRI = Calendar(open_weekdays=frozenset(range(5)))
MON_SAT = Calendar(open_weekdays=frozenset(range(6)))


def local(y, m, d, h=12, minute=0):
    return datetime(y, m, d, h, minute, tzinfo=STHLM)


@pytest.mark.parametrize(
    ("start", "days", "calendar", "due_day"),
    [
        # Plain: Wednesday + 28 days is a Wednesday.
        (local(2025, 1, 15), 28, MON_FRI, date(2025, 2, 12)),
        # Lands on a Saturday: Mon-Fri library moves it to Monday, Mon-Sat keeps Saturday.
        (local(2025, 1, 11), 7, MON_FRI, date(2025, 1, 20)),
        (local(2025, 1, 11), 7, MON_SAT, date(2025, 1, 18)),
        # Lands on Christmas Eve 2025 (Wednesday): Julafton, Juldagen, Annandag jul closed → Mon 29.
        (local(2025, 11, 26), 28, MON_FRI, date(2025, 12, 29)),
        # Lands on Långfredagen 2025 (18 April): Easter closes Fri-Mon → Tuesday 22 April.
        (local(2025, 3, 21), 28, MON_SAT, date(2025, 4, 22)),
        # Midsommarafton 2025 is Friday 20 June → Monday 23 June (Saturday is Midsommardagen).
        (local(2025, 6, 6), 14, MON_SAT, date(2025, 6, 23)),
        # Late in the evening counts as that local day, not the UTC day.
        (datetime(2025, 1, 14, 23, 30, tzinfo=UTC), 7, MON_FRI, date(2025, 1, 22)),
    ],
)
def test_due_day(start, days, calendar, due_day):
    due = due_at(start=start, loan_period_days=days, calendar=calendar, tz=STHLM)
    assert due.astimezone(STHLM).date() == due_day
    assert (due.astimezone(STHLM).hour, due.astimezone(STHLM).minute) == (23, 59)


def test_exception_closes_a_normal_day_and_due_date_moves_on():
    closed = Calendar(
        open_weekdays=frozenset(range(5)),
        exceptions=MappingProxyType({date(2025, 2, 12): False}),
    )
    due = due_at(start=local(2025, 1, 15), loan_period_days=28, calendar=closed, tz=STHLM)
    assert due.astimezone(STHLM).date() == date(2025, 2, 13)


def test_exception_opens_a_holiday():
    open_on_holiday = Calendar(
        open_weekdays=frozenset(range(5)),
        exceptions=MappingProxyType({date(2025, 12, 26): True}),
    )
    due = due_at(start=local(2025, 11, 28), loan_period_days=28, calendar=open_on_holiday, tz=STHLM)
    assert due.astimezone(STHLM).date() == date(2025, 12, 26)


@pytest.mark.parametrize(
    ("start", "days", "due_day", "utc_offset_hours"),
    [
        # Over the spring change (30 March 2025): due at 23:59:59 CEST, UTC+2.
        (local(2025, 3, 27), 7, date(2025, 4, 3), 2),
        # Over the autumn change (26 October 2025): due at 23:59:59 CET, UTC+1.
        (local(2025, 10, 22), 7, date(2025, 10, 29), 1),
        # Checked out in the hour that repeats on the autumn night (02:30 happens twice).
        (datetime(2025, 10, 26, 0, 30, tzinfo=UTC), 7, date(2025, 11, 3), 1),
        # Checked out just after the spring jump (03:30 CEST exists, 02:30 does not).
        (datetime(2025, 3, 30, 1, 30, tzinfo=UTC), 1, date(2025, 3, 31), 2),
    ],
)
def test_due_dates_across_dst_changes(start, days, due_day, utc_offset_hours):
    due = due_at(start=start, loan_period_days=days, calendar=MON_FRI, tz=STHLM)
    in_stockholm = due.astimezone(STHLM)
    assert in_stockholm.date() == due_day
    assert in_stockholm.time().isoformat() == "23:59:59"
    assert in_stockholm.utcoffset().total_seconds() == utc_offset_hours * 3600


def test_naive_start_is_refused():
    with pytest.raises(ValueError, match="aware"):
        due_at(start=datetime(2025, 1, 1), loan_period_days=7, calendar=MON_FRI, tz=STHLM)


DUE = datetime(2025, 1, 17, 23, 59, 59, tzinfo=STHLM)  # a Friday


@pytest.mark.parametrize(
    ("returned", "grace", "expected"),
    [
        (local(2025, 1, 17, 20), 0, 0),  # on the due day
        (local(2025, 1, 18), 0, 0),  # Saturday: closed, not counted
        (local(2025, 1, 19), 0, 0),  # Sunday
        (local(2025, 1, 20), 0, 1),  # Monday: first open day late
        (local(2025, 1, 24), 0, 5),  # a full week late: five open days
        (local(2025, 1, 24), 2, 3),  # two grace days
        (local(2025, 1, 21), 3, 0),  # still inside the grace
    ],
)
def test_overdue_counts_open_days_after_grace(returned, grace, expected):
    assert (
        overdue_open_days(due=DUE, returned=returned, calendar=MON_FRI, tz=STHLM, grace_days=grace)
        == expected
    )


def test_overdue_skips_holidays():
    due = datetime(2025, 12, 23, 23, 59, 59, tzinfo=STHLM)
    # 24, 25, 26 Dec closed, 27-28 weekend, 29-30 open, 31 Nyårsafton, 1 Jan, 2 Jan open.
    returned = local(2026, 1, 2)
    assert overdue_open_days(due=due, returned=returned, calendar=MON_FRI, tz=STHLM) == 3


@pytest.mark.parametrize(
    ("days", "per_day", "cap", "expected"),
    [
        (0, "5", "100", "0.00"),
        (3, "5", "100", "15.00"),
        (20, "5", "100", "100.00"),  # capped
        (30, "0", "0", "0.00"),  # children
        (3, "2.50", "100", "7.50"),
    ],
)
def test_overdue_fine_is_capped(days, per_day, cap, expected):
    fine = overdue_fine(open_days_late=days, fine_per_day=Decimal(per_day), fine_cap=Decimal(cap))
    assert fine == Decimal(expected)


@pytest.mark.parametrize(
    ("current_due", "renewed_due", "moves"),
    [
        # Renewed the day after checkout: the same due day, a renewal would give nothing.
        (local(2025, 2, 12, 23, 59), local(2025, 2, 12, 23, 59), False),
        # Due later than a renewal would make it (a long loan): nothing to gain either.
        (local(2025, 4, 1, 23, 59), local(2025, 2, 12, 23, 59), False),
        # One day later is more time.
        (local(2025, 2, 12, 23, 59), local(2025, 2, 13, 23, 59), True),
        # Overdue loans always move.
        (local(2025, 1, 2, 23, 59), local(2025, 2, 12, 23, 59), True),
        # Compared as local days: 23:30 UTC on the 12th is already the 13th in Stockholm.
        (local(2025, 2, 13, 0, 30), datetime(2025, 2, 12, 23, 30, tzinfo=UTC), False),
    ],
)
def test_a_renewal_must_move_the_due_day(current_due, renewed_due, moves):
    assert renewal_moves_due(current_due=current_due, renewed_due=renewed_due, tz=STHLM) is moves
