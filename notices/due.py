"""PURE: which notices are due on a day, for one loan, hold or card.

A notice is worked out from plain facts the service reads in bulk; time is a parameter. Day
offsets of loan notices count the open days of the library whose lending rules govern the loan
(see docs/notices.md):

- due soon: ``due_soon_days`` open days before the due day (only for patrons who opted in);
- overdue reminder level n: on the ``levels[n-1]``-th open day after the due day;
- replacement bill: on the ``bill_after_days``-th open day after the due day; the loan is then
  marked lost.

Nothing falls due on a day the governing library is closed: the next open day's run catches
up. A missed run is caught up too, but only the highest level reached is sent (never level 1
and level 2 on one day), and a level is never sent after a higher one. A renewed loan has a new
due day, so what was sent for the old one does not count; a returned loan is not asked about.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from libraries.calendar import Calendar, add_open_days, is_open

DUE_SOON = "due_soon"
OVERDUE = "overdue"
BILL = "bill"
HOLD_READY = "hold_ready"
HOLD_EXPIRING = "hold_expiring"
CARD_EXPIRING = "card_expiring"
KINDS = (DUE_SOON, OVERDUE, BILL, HOLD_READY, HOLD_EXPIRING, CARD_EXPIRING)
LOAN_KINDS = frozenset({DUE_SOON, OVERDUE, BILL})


@dataclass(frozen=True)
class LoanFacts:
    loan_id: int
    patron_id: int
    due_day: date  # in the rules library's time zone
    due_soon_days: int
    levels: tuple[int, ...]  # open days after the due day of reminder levels 1..N
    bill_after_days: int  # 0 = never
    wants_due_soon: bool
    # (kind, level) already sent for this loan and this due day
    sent: frozenset[tuple[str, int]] = frozenset()


@dataclass(frozen=True)
class Due:
    """A notice that is due: what about (loan/hold/patron), which kind and level."""

    kind: str
    level: int
    patron_id: int
    ref_day: date  # the due day, the pickup deadline or the card's expiry day
    loan_id: int | None = None
    hold_id: int | None = None


def open_days_before(calendar: Calendar, day: date, count: int) -> date:
    """The day ``count`` open days before ``day`` (``day`` itself does not count)."""
    return _open_days_before(calendar, day, count)


@lru_cache(maxsize=4096)
def _open_days_before(calendar: Calendar, day: date, count: int) -> date:
    result = day
    for _ in range(count):
        result -= timedelta(days=1)
        for _guard in range(400):
            if is_open(calendar, result):
                break
            result -= timedelta(days=1)
    return result


@lru_cache(maxsize=4096)
def _nth_open_day_after(calendar: Calendar, day: date, count: int) -> date:
    return add_open_days(calendar, day, count)


def loan_notice(facts: LoanFacts, *, today: date, calendar: Calendar) -> Due | None:
    """The notice an open loan is due for today, or None."""
    if not is_open(calendar, today):
        return None

    def due(kind: str, level: int) -> Due:
        return Due(kind, level, facts.patron_id, facts.due_day, loan_id=facts.loan_id)

    if today < facts.due_day:
        if not (facts.wants_due_soon and facts.due_soon_days > 0):
            return None
        if (DUE_SOON, 0) in facts.sent:
            return None
        if open_days_before(calendar, facts.due_day, facts.due_soon_days) <= today:
            return due(DUE_SOON, 0)
        return None
    if today == facts.due_day:
        return None
    if facts.sent and any(kind == BILL for kind, _level in facts.sent):
        return None
    if facts.bill_after_days > 0:
        bill_day = _nth_open_day_after(calendar, facts.due_day, facts.bill_after_days)
        if bill_day <= today:
            return due(BILL, 0)
    reached = 0
    for number, days in enumerate(facts.levels, start=1):
        if _nth_open_day_after(calendar, facts.due_day, days) <= today:
            reached = number
    if reached == 0:
        return None
    highest_sent = max((lvl for kind, lvl in facts.sent if kind == OVERDUE), default=0)
    return due(OVERDUE, reached) if reached > highest_sent else None


def hold_notices(
    *,
    hold_id: int,
    patron_id: int,
    on_shelf: bool,
    deadline_day: date | None,
    warn_days: int,
    today: date,
    calendar: Calendar,
    sent: frozenset[str],
) -> list[Due]:
    """Hold ready (a catch-up when the event-driven notice was lost) and hold about to expire:
    ``warn_days`` open days before the last pickup day."""
    if not on_shelf or deadline_day is None or today > deadline_day:
        return []
    result = []
    if HOLD_READY not in sent:
        result.append(Due(HOLD_READY, 0, patron_id, deadline_day, hold_id=hold_id))
    elif (
        HOLD_EXPIRING not in sent
        and warn_days > 0
        and is_open(calendar, today)
        and today < deadline_day
        and open_days_before(calendar, deadline_day, warn_days) <= today
    ):
        result.append(Due(HOLD_EXPIRING, 0, patron_id, deadline_day, hold_id=hold_id))
    return result


def card_notice(
    *, patron_id: int, expiry: date, warn_days: int, today: date, already_sent: bool
) -> Due | None:
    """Card about to expire: ``warn_days`` calendar days before (the card belongs to no one
    library's calendar); once per expiry date."""
    if already_sent or warn_days <= 0 or not (today <= expiry <= today + timedelta(warn_days)):
        return None
    return Due(CARD_EXPIRING, 0, patron_id, expiry)


def channel_for(*, preferred: str, email: str, phone: str, has_address: bool) -> str | None:
    """The patron's chosen channel if it can reach them, else e-mail, SMS, letter; None if
    nothing can."""
    usable = {"email": bool(email), "sms": bool(phone), "letter": has_address}
    if usable.get(preferred):
        return preferred
    return next((channel for channel in ("email", "sms", "letter") if usable[channel]), None)
