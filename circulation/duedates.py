"""PURE: due dates and overdue fines, from the rules library's opening calendar.

Due date: the day of checkout (or renewal) in the library's time zone, plus the loan period in
calendar days; if the library is closed that day, the next day it is open. The item is due at the
end of that day (23:59:59 local time), so a daylight-saving change in between never moves it.

Overdue: count the days the rules library is open after the due day, up to and including the
day of return; the first ``grace_days`` of those are free; each further open day costs the fine
per day, at most the cap per item. See docs/lending-rules.md.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from libraries.calendar import Calendar, next_open_day, open_days_between

END_OF_DAY = time(23, 59, 59)


def end_of_day(day: date, tz: ZoneInfo) -> datetime:
    """23:59:59 local time on ``day`` (no Swedish DST change happens near midnight)."""
    return datetime.combine(day, END_OF_DAY, tzinfo=tz)


def due_at(*, start: datetime, loan_period_days: int, calendar: Calendar, tz: ZoneInfo) -> datetime:
    """When a loan made (or renewed) at ``start`` is due."""
    if start.tzinfo is None:
        raise ValueError("start must be an aware datetime")
    nominal = start.astimezone(tz).date() + timedelta(days=loan_period_days)
    return end_of_day(next_open_day(calendar, nominal), tz)


def overdue_open_days(
    *, due: datetime, returned: datetime, calendar: Calendar, tz: ZoneInfo, grace_days: int = 0
) -> int:
    """Open days late after the grace days: open days in (due day, return day]."""
    due_day = due.astimezone(tz).date()
    return_day = returned.astimezone(tz).date()
    if return_day <= due_day:
        return 0
    return max(0, open_days_between(calendar, due_day, return_day) - grace_days)


def overdue_fine(*, open_days_late: int, fine_per_day: Decimal, fine_cap: Decimal) -> Decimal:
    """The fine for ``open_days_late`` billable days, never above the cap."""
    if open_days_late <= 0:
        return Decimal("0.00")
    return min(fine_per_day * open_days_late, fine_cap).quantize(Decimal("0.01"))


def renewal_moves_due(*, current_due: datetime, renewed_due: datetime, tz: ZoneInfo) -> bool:
    """Would a renewal give the patron more time? Only if it moves the due *day* later.

    A renewal the day after checkout (or after an earlier renewal) usually lands on the same
    due day: it must not be made, or it would use up one of the loan's renewals for nothing.
    """
    return renewed_due.astimezone(tz).date() > current_due.astimezone(tz).date()
