"""PURE: the earliest-arriving path for an item over the weekly transport timetable.

A time-dependent Dijkstra: every library gets the earliest moment the item can be there; from
the library with the smallest such moment we try every link out of it, take that link's next
usable departure and note when it arrives. Because every departure of a link takes the same
time, an earlier start never arrives later, so the first time we settle the destination it is
the earliest possible arrival. See docs/routing.md for the rules in words.

No models, settings or clock: the service builds a ``Network`` and passes ``now``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from heapq import heappop, heappush
from types import MappingProxyType
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _

from libraries.calendar import Calendar, is_open

STOCKHOLM = ZoneInfo("Europe/Stockholm")
# How far ahead we look for a departure before giving up (covers a long summer closure).
HORIZON_DAYS = 60
# Time to receive, sort and repack an item at a hub before it can leave again.
CONNECTION = timedelta(minutes=30)


@dataclass(frozen=True)
class Link:
    id: int
    origin: str
    destination: str
    weekdays: frozenset[int]
    departs: time
    duration: timedelta
    kind: str = "van"


@dataclass(frozen=True)
class Network:
    links: tuple[Link, ...]
    # library code -> opening calendar; a library without a calendar is never open.
    calendars: Mapping[str, Calendar] = field(default_factory=lambda: MappingProxyType({}))
    tz: ZoneInfo = STOCKHOLM


@dataclass(frozen=True)
class Hop:
    link_id: int
    origin: str
    destination: str
    departs: datetime
    arrives: datetime
    kind: str = "van"

    def as_json(self) -> dict:
        return {
            "link": self.link_id,
            "from": self.origin,
            "to": self.destination,
            "departs": self.departs.isoformat(),
            "arrives": self.arrives.isoformat(),
            "kind": self.kind,
        }


@dataclass(frozen=True)
class Route:
    hops: tuple[Hop, ...]

    @property
    def arrives(self) -> datetime:
        return self.hops[-1].arrives

    @property
    def stops(self) -> tuple[str, ...]:
        return tuple(hop.destination for hop in self.hops)


class NoRoute(Exception):
    """No path: ``reason`` is a code, ``missing`` lists what would be needed, in words."""

    def __init__(self, reason: str, message: str, missing: tuple[str, ...] = ()):
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.missing = missing


def departure_runs(network: Network, link: Link, day: date) -> bool:
    """Does the link's departure on ``day`` carry items?

    It must be one of its weekdays, the library it leaves must be open that day (someone loads
    the crate) and the library it reaches must be open on the day it arrives (someone receives).
    """
    if day.weekday() not in link.weekdays:
        return False
    origin = network.calendars.get(link.origin)
    destination = network.calendars.get(link.destination)
    if origin is None or destination is None or not is_open(origin, day):
        return False
    return is_open(destination, arrival_of(network, link, day).date())


def departure_of(network: Network, link: Link, day: date) -> datetime:
    return datetime.combine(day, link.departs, tzinfo=network.tz)


def arrival_of(network: Network, link: Link, day: date) -> datetime:
    """Departure plus travel time, counted in real (UTC) time so a DST change is no trap."""
    departs = departure_of(network, link, day).astimezone(UTC)
    return (departs + link.duration).astimezone(network.tz)


def next_departure(network: Network, link: Link, ready: datetime) -> datetime | None:
    """The link's first running departure at or after ``ready``, within the horizon."""
    day = ready.astimezone(network.tz).date()
    for _offset in range(HORIZON_DAYS + 1):
        if departure_runs(network, link, day):
            departs = departure_of(network, link, day)
            if departs >= ready:
                return departs
        day += timedelta(days=1)
    return None


def plan_route(network: Network, *, start: str, destination: str, now: datetime) -> Route:
    """The earliest-arriving route from ``start`` (the item is there at ``now``) to ``destination``.

    Ties on arrival go to fewer hops, then to the alphabetically first library codes.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if start == destination:
        raise NoRoute("already_there", str(_("The item is already at its destination.")))
    out: dict[str, list[Link]] = {}
    for link in network.links:
        out.setdefault(link.origin, []).append(link)

    best: dict[str, datetime] = {start: now}
    came_by: dict[str, Hop] = {}
    done: set[str] = set()
    queue: list[tuple[datetime, int, str]] = [(now, 0, start)]
    while queue:
        at, hops, here = heappop(queue)
        if here in done:
            continue
        done.add(here)
        if here == destination:
            return Route(_trace(came_by, start, destination))
        ready = at if here == start else at + CONNECTION
        for link in out.get(here, ()):
            if link.destination in done:
                continue
            departs = next_departure(network, link, ready)
            if departs is None:
                continue
            arrives = arrival_of(network, link, departs.date())
            known = best.get(link.destination)
            if known is None or arrives < known:
                best[link.destination] = arrives
                came_by[link.destination] = Hop(
                    link.id, here, link.destination, departs, arrives, link.kind
                )
                heappush(queue, (arrives, hops + 1, link.destination))
    raise _explain(network, out, start=start, destination=destination)


def _trace(came_by: Mapping[str, Hop], start: str, destination: str) -> tuple[Hop, ...]:
    hops: list[Hop] = []
    here = destination
    while here != start:
        hop = came_by[here]
        hops.append(hop)
        here = hop.origin
    return tuple(reversed(hops))


def _explain(
    network: Network, out: Mapping[str, list[Link]], *, start: str, destination: str
) -> NoRoute:
    """Say why there is no route: which links are missing, or that nothing runs for a while."""
    reachable = {start}
    frontier = [start]
    while frontier:
        here = frontier.pop()
        for link in out.get(here, ()):
            if link.destination not in reachable:
                reachable.add(link.destination)
                frontier.append(link.destination)
    missing: list[str] = []
    if start not in out:
        missing.append(str(_("no active link leaves %(code)s") % {"code": start}))
    if not any(link.destination == destination for link in network.links):
        missing.append(str(_("no active link reaches %(code)s") % {"code": destination}))
    if destination not in reachable:
        if not missing:
            missing.append(
                str(
                    _("no chain of links from %(start)s (reaches %(reached)s) to %(dest)s")
                    % {
                        "start": start,
                        "reached": ", ".join(sorted(reachable - {start})) or "-",
                        "dest": destination,
                    }
                )
            )
        return NoRoute(
            "no_link",
            str(
                _("No route from %(start)s to %(dest)s: %(missing)s.")
                % {"start": start, "dest": destination, "missing": "; ".join(missing)}
            ),
            tuple(missing),
        )
    missing.append(
        str(
            _("no departure towards %(dest)s within %(days)s days (closed days or inactive runs)")
            % {"dest": destination, "days": HORIZON_DAYS}
        )
    )
    return NoRoute(
        "no_departure",
        str(
            _("No route from %(start)s to %(dest)s: %(missing)s.")
            % {"start": start, "dest": destination, "missing": "; ".join(missing)}
        ),
        tuple(missing),
    )
