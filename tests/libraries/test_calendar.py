from datetime import date
from types import MappingProxyType

import pytest

from libraries import calendar as cal

MON_FRI = cal.Calendar()
MON_SAT = cal.Calendar(open_weekdays=frozenset(range(6)))


@pytest.mark.parametrize(
    ("year", "easter"),
    [
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2027, date(2027, 3, 28)),
        (2038, date(2038, 4, 25)),
    ],
)
def test_easter_sunday(year, easter):
    assert cal.easter_sunday(year) == easter


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2026, 1, 1), "Nyårsdagen"),
        (date(2026, 1, 6), "Trettondedag jul"),
        (date(2026, 4, 3), "Långfredagen"),
        (date(2026, 4, 6), "Annandag påsk"),
        (date(2026, 5, 1), "Första maj"),
        (date(2026, 5, 14), "Kristi himmelsfärdsdag"),
        (date(2026, 6, 6), "Sveriges nationaldag"),
        (date(2026, 6, 19), "Midsommarafton"),
        (date(2026, 6, 20), "Midsommardagen"),
        (date(2026, 10, 31), "Alla helgons dag"),
        (date(2025, 11, 1), "Alla helgons dag"),
        (date(2026, 12, 24), "Julafton"),
        (date(2026, 12, 25), "Juldagen"),
        (date(2026, 12, 26), "Annandag jul"),
        (date(2026, 12, 31), "Nyårsafton"),
        (date(2027, 6, 25), "Midsommarafton"),
        (date(2026, 6, 18), None),
        (date(2026, 11, 30), None),
    ],
)
def test_swedish_public_holidays(day, name):
    assert cal.holiday_name(day) == name


@pytest.mark.parametrize(
    ("calendar", "day", "open_"),
    [
        (MON_FRI, date(2026, 11, 30), True),  # Monday
        (MON_FRI, date(2026, 11, 28), False),  # Saturday
        (MON_SAT, date(2026, 11, 28), True),  # Saturday at a Mon–Sat library
        (MON_FRI, date(2026, 12, 25), False),  # Christmas Day, a Friday
        (cal.Calendar(observes_public_holidays=False), date(2026, 12, 25), True),
        (
            cal.Calendar(exceptions=MappingProxyType({date(2026, 11, 30): False})),
            date(2026, 11, 30),
            False,
        ),
        (
            cal.Calendar(exceptions=MappingProxyType({date(2026, 12, 26): True})),
            date(2026, 12, 26),
            True,
        ),
        (cal.Calendar(open_weekdays=frozenset({1, 3})), date(2026, 12, 1), True),  # bus on Tuesday
        (cal.Calendar(open_weekdays=frozenset({1, 3})), date(2026, 12, 2), False),
    ],
)
def test_is_open(calendar, day, open_):
    assert cal.is_open(calendar, day) is open_


@pytest.mark.parametrize(
    ("calendar", "day", "include_today", "expected"),
    [
        (MON_FRI, date(2026, 11, 30), True, date(2026, 11, 30)),
        (MON_FRI, date(2026, 11, 30), False, date(2026, 12, 1)),
        (MON_FRI, date(2026, 11, 28), True, date(2026, 11, 30)),  # weekend → Monday
        (MON_FRI, date(2026, 12, 24), True, date(2026, 12, 28)),  # Christmas → Monday 28th
        (MON_FRI, date(2026, 12, 31), True, date(2027, 1, 4)),  # New Year → Monday
        (MON_FRI, date(2026, 4, 2), False, date(2026, 4, 7)),  # Easter: Fri..Mon closed
        (
            cal.Calendar(exceptions=MappingProxyType({date(2026, 12, 28): False})),
            date(2026, 12, 24),
            True,
            date(2026, 12, 29),
        ),
    ],
)
def test_next_open_day(calendar, day, include_today, expected):
    assert cal.next_open_day(calendar, day, include_today=include_today) == expected


def test_next_open_day_raises_for_a_library_that_never_opens():
    with pytest.raises(cal.NeverOpen):
        cal.next_open_day(cal.Calendar(open_weekdays=frozenset()), date(2026, 1, 1))


@pytest.mark.parametrize(
    ("day", "count", "expected"),
    [
        (date(2026, 11, 27), 1, date(2026, 11, 30)),  # Friday + 1 open day → Monday
        (date(2026, 12, 22), 3, date(2026, 12, 29)),  # over Christmas
        (date(2026, 11, 30), 0, date(2026, 11, 30)),
    ],
)
def test_add_open_days(day, count, expected):
    assert cal.add_open_days(MON_FRI, day, count) == expected


def test_open_days_between_counts_only_open_days():
    # Mon 21 Dec .. Sun 3 Jan 2027: open 21, 22, 23, 28, 29, 30 → (21, 3] counts 22,23,28,29,30
    assert cal.open_days_between(MON_FRI, date(2026, 12, 21), date(2027, 1, 3)) == 5
