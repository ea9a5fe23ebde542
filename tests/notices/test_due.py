"""Table tests of the pure "which notices are due on day D" functions (no database)."""

from __future__ import annotations

from datetime import date
from types import MappingProxyType

import pytest

from libraries.calendar import Calendar
from notices import due

WEEKDAYS = Calendar()  # Mon-Fri, closed on Swedish public holidays
# Friday 7 March 2025 is the due day in most rows; Mon 10 .. Fri 14 the next week.
DUE = date(2025, 3, 7)


def facts(**overrides) -> due.LoanFacts:
    values = {
        "loan_id": 1,
        "patron_id": 2,
        "due_day": DUE,
        "due_soon_days": 3,
        "levels": (7, 21),
        "bill_after_days": 35,
        "wants_due_soon": True,
        "sent": frozenset(),
    }
    values.update(overrides)
    return due.LoanFacts(**values)


def kind_level(result):
    return None if result is None else (result.kind, result.level)


@pytest.mark.parametrize(
    ("today", "overrides", "expected"),
    [
        # Due soon: three open days before Friday 7 March is Tuesday 4 March.
        (date(2025, 3, 3), {}, None),
        (date(2025, 3, 4), {}, (due.DUE_SOON, 0)),
        (date(2025, 3, 6), {}, (due.DUE_SOON, 0)),  # a missed run is caught up
        (date(2025, 3, 4), {"wants_due_soon": False}, None),  # not opted in
        (date(2025, 3, 4), {"due_soon_days": 0}, None),  # the rule sends none
        (date(2025, 3, 5), {"sent": frozenset({(due.DUE_SOON, 0)})}, None),  # sent already
        (DUE, {}, None),  # the due day itself
        # Level 1 on the 7th open day after Fri 7 March: Mon 10 … Tue 18 March.
        (date(2025, 3, 17), {}, None),
        (date(2025, 3, 18), {}, (due.OVERDUE, 1)),
        (date(2025, 3, 19), {"sent": frozenset({(due.OVERDUE, 1)})}, None),
        # Level 2 on the 21st open day: Mon 7 April.
        (date(2025, 4, 4), {"sent": frozenset({(due.OVERDUE, 1)})}, None),
        (date(2025, 4, 7), {"sent": frozenset({(due.OVERDUE, 1)})}, (due.OVERDUE, 2)),
        # A missed level 1 is not sent once level 2 is reached: only the highest level.
        (date(2025, 4, 7), {}, (due.OVERDUE, 2)),
        # Never a lower level after a higher one.
        (date(2025, 4, 8), {"sent": frozenset({(due.OVERDUE, 2)})}, None),
        # The bill on the 35th open day after the due day (Easter 18-21 April 2025 is closed).
        (date(2025, 4, 25), {"sent": frozenset({(due.OVERDUE, 2)})}, None),
        (date(2025, 4, 29), {"sent": frozenset({(due.OVERDUE, 2)})}, (due.BILL, 0)),
        (date(2025, 5, 5), {"sent": frozenset({(due.BILL, 0)})}, None),
        (date(2025, 4, 29), {"bill_after_days": 0, "sent": frozenset({(due.OVERDUE, 2)})}, None),
        # Local override: one reminder after 3 open days, no bill.
        (date(2025, 3, 12), {"levels": (3,), "bill_after_days": 0}, (due.OVERDUE, 1)),
        (
            date(2025, 6, 2),
            {"levels": (3,), "bill_after_days": 0, "sent": frozenset({(due.OVERDUE, 1)})},
            None,
        ),
        (date(2025, 3, 12), {"levels": ()}, None),  # "0": no reminders
        # Closed day (a Saturday): nothing falls due, Monday's run catches up.
        (date(2025, 3, 15), {"levels": (5,)}, None),
        (date(2025, 3, 17), {"levels": (5,)}, (due.OVERDUE, 1)),
    ],
)
def test_loan_notice_on_day(today, overrides, expected):
    assert kind_level(due.loan_notice(facts(**overrides), today=today, calendar=WEEKDAYS)) == (
        expected
    )


def test_renewed_loan_starts_over_with_its_new_due_day():
    # Level 1 was sent for the old due day; renewed to 4 April, nothing is due until then,
    # and what was sent for 7 March does not count for the new due day.
    renewed = facts(due_day=date(2025, 4, 4), sent=frozenset())
    assert due.loan_notice(renewed, today=date(2025, 3, 18), calendar=WEEKDAYS) is None
    assert kind_level(due.loan_notice(renewed, today=date(2025, 4, 1), calendar=WEEKDAYS)) == (
        due.DUE_SOON,
        0,
    )


def test_offsets_count_open_days_of_the_governing_library():
    # Closed on Mondays and on 12 March (an exception): the 7th open day moves two days later.
    calendar = Calendar(
        open_weekdays=frozenset({1, 2, 3, 4}),
        exceptions=MappingProxyType({date(2025, 3, 12): False}),
    )
    reminders = [
        day
        for day in (date(2025, 3, d) for d in range(8, 31))
        if due.loan_notice(facts(), today=day, calendar=calendar) is not None
    ]
    # Open: 11, 13, 14, 18, 19, 20, 21 → the 7th is Fri 21 March.
    assert reminders[0] == date(2025, 3, 21)


def test_no_reminder_falls_due_on_a_closed_day():
    for day in (date(2025, 3, d) for d in range(1, 31)):
        result = due.loan_notice(facts(levels=(1, 2, 3)), today=day, calendar=WEEKDAYS)
        if result is not None:
            assert day.weekday() < 5


@pytest.mark.parametrize(
    ("today", "sent", "expected"),
    [
        (date(2025, 3, 10), frozenset(), [due.HOLD_READY]),  # catch-up of a lost notice
        (date(2025, 3, 10), frozenset({due.HOLD_READY}), []),
        (date(2025, 3, 12), frozenset({due.HOLD_READY}), [due.HOLD_EXPIRING]),  # 2 open days
        (date(2025, 3, 13), frozenset({due.HOLD_READY, due.HOLD_EXPIRING}), []),
        (date(2025, 3, 15), frozenset({due.HOLD_READY}), []),  # past the deadline
    ],
)
def test_hold_notices(today, sent, expected):
    found = due.hold_notices(
        hold_id=5,
        patron_id=2,
        on_shelf=True,
        deadline_day=date(2025, 3, 14),
        warn_days=2,
        today=today,
        calendar=WEEKDAYS,
        sent=sent,
    )
    assert [d.kind for d in found] == expected


@pytest.mark.parametrize(
    ("today", "sent", "expected"),
    [
        (date(2025, 3, 1), False, False),
        (date(2025, 3, 2), False, True),  # 30 days before 1 April
        (date(2025, 3, 20), True, False),
        (date(2025, 4, 2), False, False),  # already expired
    ],
)
def test_card_notice(today, sent, expected):
    found = due.card_notice(
        patron_id=1, expiry=date(2025, 4, 1), warn_days=30, today=today, already_sent=sent
    )
    assert (found is not None) is expected


@pytest.mark.parametrize(
    ("preferred", "email", "phone", "address", "expected"),
    [
        ("sms", "a@b.se", "0701", True, "sms"),
        ("sms", "a@b.se", "", True, "email"),
        ("email", "", "0701", True, "sms"),
        ("email", "", "", True, "letter"),
        ("letter", "a@b.se", "", True, "letter"),
        ("email", "", "", False, None),
    ],
)
def test_channel_falls_back_to_what_reaches_the_patron(preferred, email, phone, address, expected):
    assert (
        due.channel_for(preferred=preferred, email=email, phone=phone, has_address=address)
        == expected
    )
