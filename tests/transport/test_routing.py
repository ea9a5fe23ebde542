"""The pure route planner, as tables over the demo network (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from libraries.calendar import Calendar
from libraries.consortium import LIBRARIES
from transport.demo import DEMO_LINKS
from transport.routing import Link, Network, NoRoute, plan_route

TZ = ZoneInfo("Europe/Stockholm")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def demo_links(without: set[tuple[str, str]] = frozenset()) -> tuple[Link, ...]:
    return tuple(
        Link(i, a, b, frozenset(days), departs, timedelta(minutes=minutes), kind)
        for i, (a, b, kind, days, departs, minutes, _note) in enumerate(DEMO_LINKS, start=1)
        if (a, b) not in without
    )


def demo_network(closed: dict[str, list[str]] | None = None, **kwargs) -> Network:
    closed = closed or {}
    calendars = {
        code: Calendar(
            open_weekdays=frozenset(days),
            exceptions=MappingProxyType(
                {date.fromisoformat(d): False for d in closed.get(code, [])}
            ),
        )
        for code, _n, _k, _m, _c, _p, _pop, days in LIBRARIES
    }
    return Network(links=kwargs.get("links", demo_links()), calendars=MappingProxyType(calendars))


@pytest.mark.parametrize(
    ("case", "start", "destination", "now", "closed", "expected"),
    [
        (
            "seed: Karlskoga book returned in Kristinehamn on a Monday goes via Storfors",
            "KHM",
            "KGA",
            "2025-03-10 10:15",
            {},
            [
                ("KHM", "STO", "2025-03-10 14:00", "2025-03-10 14:40"),
                ("STO", "KGA", "2025-03-11 10:00", "2025-03-11 10:45"),
            ],
        ),
        (
            "returned after the Monday van left: the Tuesday book bus and Degerfors are faster",
            "KHM",
            "KGA",
            "2025-03-10 16:00",
            {},
            [
                ("KHM", "DEG", "2025-03-11 08:30", "2025-03-11 10:00"),
                ("DEG", "KGA", "2025-03-11 12:30", "2025-03-11 12:55"),
            ],
        ),
        (
            "a Degerfors book in Kristinehamn rides the book bus",
            "KHM",
            "DEG",
            "2025-03-10 10:15",
            {},
            [("KHM", "DEG", "2025-03-11 08:30", "2025-03-11 10:00")],
        ),
        (
            "Storfors closed on Tuesday: the van from Storfors does not run, the bus does",
            "KHM",
            "KGA",
            "2025-03-10 10:15",
            {"STO": ["2025-03-11"]},
            [
                ("KHM", "DEG", "2025-03-11 08:30", "2025-03-11 10:00"),
                ("DEG", "KGA", "2025-03-11 12:30", "2025-03-11 12:55"),
            ],
        ),
        (
            "Storfors closed on Monday: the item cannot be received there that day",
            "KHM",
            "STO",
            "2025-03-10 10:15",
            {"STO": ["2025-03-10"]},
            [("KHM", "STO", "2025-03-12 14:00", "2025-03-12 14:40")],
        ),
        (
            "Ascension Day (Thursday) stops the Storfors–Karlskoga van; it waits for Tuesday",
            "KHM",
            "KGA",
            "2025-05-28 10:00",
            {},
            [
                ("KHM", "STO", "2025-05-28 14:00", "2025-05-28 14:40"),
                ("STO", "KGA", "2025-06-03 10:00", "2025-06-03 10:45"),
            ],
        ),
        (
            "Hällefors is reached only on Wednesdays, through Karlskoga",
            "KHM",
            "HFS",
            "2025-03-10 10:15",
            {},
            [
                ("KHM", "STO", "2025-03-10 14:00", "2025-03-10 14:40"),
                ("STO", "KGA", "2025-03-11 10:00", "2025-03-11 10:45"),
                ("KGA", "HFS", "2025-03-12 09:00", "2025-03-12 10:00"),
            ],
        ),
        (
            "returned on the book bus: unloaded at the depot, then the Wednesday van",
            "BUS",
            "KGA",
            "2025-03-11 11:00",
            {},
            [
                ("BUS", "KHM", "2025-03-11 17:00", "2025-03-11 17:30"),
                ("KHM", "STO", "2025-03-12 14:00", "2025-03-12 14:40"),
                ("STO", "KGA", "2025-03-13 10:00", "2025-03-13 10:45"),
            ],
        ),
        (
            "a hub needs 30 minutes to repack: the same-day van back is missed",
            "STO",
            "DEG",
            "2025-03-11 09:50",
            {},
            [
                ("STO", "KGA", "2025-03-11 10:00", "2025-03-11 10:45"),
                ("KGA", "DEG", "2025-03-12 11:00", "2025-03-12 11:25"),
            ],
        ),
        (
            "a departure at exactly now is still caught",
            "DEG",
            "KGA",
            "2025-03-10 12:30",
            {},
            [("DEG", "KGA", "2025-03-10 12:30", "2025-03-10 12:55")],
        ),
    ],
)
def test_earliest_arrival_routes(case, start, destination, now, closed, expected):
    route = plan_route(demo_network(closed), start=start, destination=destination, now=at(now))
    got = [(h.origin, h.destination, h.departs, h.arrives) for h in route.hops]
    assert got == [(a, b, at(d), at(r)) for a, b, d, r in expected], case


def test_book_bus_hops_say_they_are_the_book_bus():
    route = plan_route(demo_network(), start="KHM", destination="DEG", now=at("2025-03-10 10:15"))
    assert [hop.kind for hop in route.hops] == ["bookbus"]


def test_travel_time_over_the_spring_dst_change_counts_real_hours():
    # 23:30 Saturday + 6 h across the night the clocks go forward: 06:30, not 05:30.
    every_day = Calendar(open_weekdays=frozenset(range(7)), observes_public_holidays=False)
    network = Network(
        links=(Link(1, "A", "B", frozenset(range(7)), time(23, 30), timedelta(hours=6)),),
        calendars=MappingProxyType({"A": every_day, "B": every_day}),
    )
    route = plan_route(network, start="A", destination="B", now=at("2025-03-29 20:00"))
    assert route.hops[0].arrives == at("2025-03-30 06:30")
    # Same-zone subtraction in Python is wall-clock time; real elapsed time is measured in UTC.
    hop = route.hops[0]
    assert hop.arrives.astimezone(UTC) - hop.departs.astimezone(UTC) == timedelta(hours=6)


def test_autumn_dst_change():
    every_day = Calendar(open_weekdays=frozenset(range(7)), observes_public_holidays=False)
    network = Network(
        links=(Link(1, "A", "B", frozenset(range(7)), time(23, 30), timedelta(hours=6)),),
        calendars=MappingProxyType({"A": every_day, "B": every_day}),
    )
    route = plan_route(network, start="A", destination="B", now=at("2025-10-25 20:00"))
    assert route.hops[0].arrives == at("2025-10-26 04:30")


@pytest.mark.parametrize(
    ("without", "start", "destination", "reason", "missing_text"),
    [
        ({("KGA", "HFS")}, "KHM", "HFS", "no_link", "no active link reaches HFS"),
        ({("HFS", "KGA")}, "HFS", "KHM", "no_link", "no active link leaves HFS"),
        (
            {("KHM", "STO"), ("KHM", "DEG"), ("KHM", "BUS")},
            "KHM",
            "KGA",
            "no_link",
            "no active link leaves KHM",
        ),
        ({("STO", "KGA"), ("DEG", "KGA")}, "KHM", "KGA", "no_link", "no chain of links"),
    ],
)
def test_missing_links_are_named(without, start, destination, reason, missing_text):
    network = demo_network(links=demo_links(without))
    with pytest.raises(NoRoute) as refused:
        plan_route(network, start=start, destination=destination, now=at("2025-03-10 10:00"))
    assert refused.value.reason == reason
    assert any(missing_text in text for text in refused.value.missing)
    assert missing_text in refused.value.message


def test_a_long_closure_means_no_departure_within_the_horizon():
    summer = [(date(2025, 6, 1) + timedelta(days=n)).isoformat() for n in range(90)]
    network = demo_network({"HFS": summer})
    with pytest.raises(NoRoute) as refused:
        plan_route(network, start="KGA", destination="HFS", now=at("2025-06-01 10:00"))
    assert refused.value.reason == "no_departure"


def test_already_at_destination_is_refused():
    with pytest.raises(NoRoute) as refused:
        plan_route(demo_network(), start="KGA", destination="KGA", now=at("2025-03-10 10:00"))
    assert refused.value.reason == "already_there"


def test_naive_now_is_a_programming_error():
    with pytest.raises(ValueError):
        plan_route(demo_network(), start="KHM", destination="KGA", now=datetime(2025, 3, 10))


@pytest.fixture(autouse=True)
def _english():
    """The reasons are translatable; these tables check the English source text."""
    with translation.override("en"):
        yield
