"""PURE: which library fetches which copy for which hold; pickup deadlines; hold slips.

Targeting (docs/hold-targeting.md): holds are served oldest first. For each hold, the copies on
the shelf that may fill it are those of its title (or the one copy it asks for), of an item type
the pickup library's rules let be held, at a library open today. A copy already at the pickup
library wins. Otherwise the copy whose transport route reaches the pickup library earliest wins;
when several libraries tie, the one with the fewest picks in this run wins, and among those the
choice rotates with the hold's number, so the same library is not always asked first.

No models, no settings, no clock: the service passes plain values, the network and ``now``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from libraries.calendar import Calendar, add_open_days, is_open
from transport import routing


@dataclass(frozen=True)
class WaitingHold:
    hold_id: int
    record_id: int
    pickup: str  # library code
    category_id: int  # the patron's category (holdability may depend on it)
    requested_item_id: int | None = None  # an item-level hold


@dataclass(frozen=True)
class Copy:
    """A copy on the shelf (available) somewhere."""

    item_id: int
    record_id: int
    library: str  # where it is now
    item_type_id: int


@dataclass(frozen=True)
class Target:
    hold_id: int
    item_id: int
    library: str  # the library that fetches the copy (its pick list)
    arrives: datetime | None  # when the copy can be at the pickup library; None = already there

    @property
    def local(self) -> bool:
        return self.arrives is None


class ArrivalTimes:
    """Earliest arrival between two libraries, each pair planned once per run (≤ 36 plans)."""

    def __init__(self, network: routing.Network, now: datetime):
        self.network = network
        self.now = now
        self._cache: dict[tuple[str, str], datetime | None] = {}

    def __call__(self, start: str, destination: str) -> datetime | None:
        key = (start, destination)
        if key not in self._cache:
            try:
                route = routing.plan_route(
                    self.network, start=start, destination=destination, now=self.now
                )
            except routing.NoRoute:
                self._cache[key] = None
            else:
                self._cache[key] = route.arrives
        return self._cache[key]


def fillable(hold: WaitingHold, copy: Copy, not_holdable: frozenset[tuple[str, int, int]]) -> bool:
    """May this copy fill this hold? Same title, the requested copy if any, a holdable type."""
    if copy.record_id != hold.record_id:
        return False
    if hold.requested_item_id is not None and copy.item_id != hold.requested_item_id:
        return False
    return (hold.pickup, hold.category_id, copy.item_type_id) not in not_holdable


def _fair_pick(libraries: Sequence[str], *, hold_id: int, picks: Mapping[str, int]) -> str:
    """Among tied libraries: fewest picks so far; the rest rotate by hold number."""
    ordered = sorted(libraries)
    start = hold_id % len(ordered)
    rotated = ordered[start:] + ordered[:start]
    return min(rotated, key=lambda code: picks.get(code, 0))  # min keeps the first of equals


def choose_targets(
    holds: Iterable[WaitingHold],
    copies: Iterable[Copy],
    *,
    network: routing.Network,
    now: datetime,
    not_holdable: frozenset[tuple[str, int, int]] = frozenset(),
    picks: Mapping[str, int] | None = None,
) -> list[Target]:
    """Give each hold (in queue order) at most one copy; a copy goes to at most one hold.

    ``picks`` is each library's pick-list length before this run (fair spreading starts there).
    Holds no copy can reach are left out of the answer.
    """
    today = now.astimezone(network.tz).date()
    open_today: dict[str, bool] = {}

    def is_open_today(code: str) -> bool:
        if code not in open_today:
            calendar = network.calendars.get(code)
            open_today[code] = calendar is not None and is_open(calendar, today)
        return open_today[code]

    by_record: dict[int, list[Copy]] = defaultdict(list)
    for copy in sorted(copies, key=lambda c: c.item_id):
        by_record[copy.record_id].append(copy)
    arrival = ArrivalTimes(network, now)
    counts: dict[str, int] = dict(picks or {})
    taken: set[int] = set()
    targets: list[Target] = []
    for hold in holds:
        candidates = [
            copy
            for copy in by_record.get(hold.record_id, ())
            if copy.item_id not in taken
            and fillable(hold, copy, not_holdable)
            and is_open_today(copy.library)
        ]
        if not candidates:
            continue
        local = [copy for copy in candidates if copy.library == hold.pickup]
        if local:
            chosen, arrives = local[0], None
        else:
            times = {
                code: arrival(code, hold.pickup) for code in {copy.library for copy in candidates}
            }
            reachable = {code: t for code, t in times.items() if t is not None}
            if not reachable:
                continue
            arrives = min(reachable.values())
            library = _fair_pick(
                [code for code, t in reachable.items() if t == arrives],
                hold_id=hold.hold_id,
                picks=counts,
            )
            chosen = next(copy for copy in candidates if copy.library == library)
        taken.add(chosen.item_id)
        counts[chosen.library] = counts.get(chosen.library, 0) + 1
        targets.append(Target(hold.hold_id, chosen.item_id, chosen.library, arrives))
    return targets


def first_fillable(
    holds: Sequence[WaitingHold], copy: Copy, not_holdable: frozenset[tuple[str, int, int]]
) -> WaitingHold | None:
    """At check-in: the first hold in queue order this copy may fill."""
    return next((hold for hold in holds if fillable(hold, copy, not_holdable)), None)


def pickup_deadline(calendar: Calendar, *, today: date, open_days: int, tz: ZoneInfo) -> datetime:
    """The end of the ``open_days``-th open day after today at the pickup library."""
    last_day = add_open_days(calendar, today, max(open_days, 1))
    return datetime.combine(last_day, time(23, 59, 59), tzinfo=tz)


def short_card(number: str) -> str:
    """A card number on a hold slip: only its last four characters."""
    number = (number or "").strip()
    return f"…{number[-4:]}" if len(number) > 4 else number


def slip_name(*, first_name: str, last_name: str, shows_name: bool) -> str:
    """The name on a hold slip: only when the library chose to print names."""
    return f"{first_name} {last_name}".strip() if shows_name else ""
