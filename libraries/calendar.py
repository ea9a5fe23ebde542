"""PURE: opening calendars — is a library open on a day, and which is the next open day.

A library is open on a day when the day is one of its weekly open weekdays, is not a Swedish
public holiday (if the library observes them), unless an exception for that exact date says
otherwise. Exceptions win over everything: an admin can close a normal Tuesday or open on a
holiday. No clock and no database here: callers pass the day and a ``Calendar`` value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from types import MappingProxyType

MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY = range(7)
WEEKDAYS = frozenset({MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY})
# How far ahead we look before deciding a library never opens (a year and a bit).
HORIZON_DAYS = 400


class NeverOpen(Exception):
    """The calendar has no open day within the horizon."""


@dataclass(frozen=True)
class Calendar:
    open_weekdays: frozenset[int] = WEEKDAYS
    observes_public_holidays: bool = True
    # date -> True (open that day) / False (closed that day)
    exceptions: Mapping[date, bool] = field(default_factory=lambda: MappingProxyType({}))

    def __hash__(self) -> int:
        return hash((self.open_weekdays, self.observes_public_holidays, tuple(self.exceptions)))


def easter_sunday(year: int) -> date:
    """Gregorian Easter (the anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _first_weekday_on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


@lru_cache(maxsize=64)
def swedish_public_holidays(year: int) -> Mapping[date, str]:
    """Swedish public holidays (allmänna helgdagar) and the eves libraries close on.

    Names are Swedish, as on a Swedish calendar.
    """
    easter = easter_sunday(year)
    midsummer_eve = _first_weekday_on_or_after(date(year, 6, 19), FRIDAY)
    days = {
        date(year, 1, 1): "Nyårsdagen",
        date(year, 1, 6): "Trettondedag jul",
        easter - timedelta(days=2): "Långfredagen",
        easter - timedelta(days=1): "Påskafton",
        easter: "Påskdagen",
        easter + timedelta(days=1): "Annandag påsk",
        date(year, 5, 1): "Första maj",
        easter + timedelta(days=39): "Kristi himmelsfärdsdag",
        easter + timedelta(days=49): "Pingstdagen",
        date(year, 6, 6): "Sveriges nationaldag",
        midsummer_eve: "Midsommarafton",
        midsummer_eve + timedelta(days=1): "Midsommardagen",
        _first_weekday_on_or_after(date(year, 10, 31), SATURDAY): "Alla helgons dag",
        date(year, 12, 24): "Julafton",
        date(year, 12, 25): "Juldagen",
        date(year, 12, 26): "Annandag jul",
        date(year, 12, 31): "Nyårsafton",
    }
    return MappingProxyType(days)


def holiday_name(day: date) -> str | None:
    return swedish_public_holidays(day.year).get(day)


def is_open(calendar: Calendar, day: date) -> bool:
    if day in calendar.exceptions:
        return calendar.exceptions[day]
    if calendar.observes_public_holidays and day in swedish_public_holidays(day.year):
        return False
    return day.weekday() in calendar.open_weekdays


def next_open_day(calendar: Calendar, day: date, *, include_today: bool = True) -> date:
    """The first open day on or after ``day`` (after it, when ``include_today`` is False)."""
    candidate = day if include_today else day + timedelta(days=1)
    for _ in range(HORIZON_DAYS):
        if is_open(calendar, candidate):
            return candidate
        candidate += timedelta(days=1)
    raise NeverOpen(f"no open day within {HORIZON_DAYS} days of {day.isoformat()}")


def add_open_days(calendar: Calendar, day: date, count: int) -> date:
    """The day that is ``count`` open days after ``day`` (``day`` itself does not count)."""
    result = day
    for _ in range(count):
        result = next_open_day(calendar, result, include_today=False)
    return result


def open_days_between(calendar: Calendar, start: date, end: date) -> int:
    """How many open days lie in the half-open range (start, end]."""
    count = 0
    day = start + timedelta(days=1)
    while day <= end:
        if is_open(calendar, day):
            count += 1
        day += timedelta(days=1)
    return count
