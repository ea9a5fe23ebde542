"""Reads of the transport network's tables: links and calendars as planner input, library
short names, floating rules. ``network_cache`` keeps them per process; ``selectors`` re-exports
them (so callers look every read up in one place) and answers from the cache.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from types import MappingProxyType

from libraries.models import CalendarException, Library
from transport import routing
from transport.models import FloatingRule, TransportLink


def load_network(*, now: datetime) -> routing.Network:
    """Active links and every library's calendar around ``now`` (three queries)."""
    links = tuple(
        routing.Link(
            id=link.id,
            origin=link.from_library.code,
            destination=link.to_library.code,
            weekdays=frozenset(link.weekdays),
            departs=link.departure_time,
            duration=link.duration,
            kind=link.kind,
        )
        for link in TransportLink.objects.active().select_related("from_library", "to_library")
    )
    today = now.astimezone(routing.STOCKHOLM).date()
    window = (today - timedelta(days=2), today + timedelta(days=routing.HORIZON_DAYS + 5))
    exceptions: dict[int, dict[date, bool]] = defaultdict(dict)
    for row in CalendarException.objects.filter(date__range=window).values(
        "library_id", "date", "is_open"
    ):
        exceptions[row["library_id"]][row["date"]] = row["is_open"]
    calendars = {
        lib.code: lib.calendar(exceptions.get(lib.id, {})) for lib in Library.objects.all()
    }
    return routing.Network(links=links, calendars=MappingProxyType(calendars))


def short_name(library: Library) -> str:
    """'Storfors' for Storfors bibliotek; the book bus keeps its name."""
    if library.kind == Library.Kind.LIBRARY:
        return library.municipality
    return library.name


def library_names() -> dict[str, str]:
    return {lib.code: short_name(lib) for lib in Library.objects.all()}


def floating_pairs() -> set[tuple[int, int | None]]:
    """(library id, item type id or None for all) of every floating rule."""
    return set(FloatingRule.objects.values_list("library_id", "item_type_id"))
