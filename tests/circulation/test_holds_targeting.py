"""Hold targeting as tables: the pure module, the demo network, no database."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

import pytest

from circulation.holds import rules as hold_rules
from libraries.calendar import Calendar
from libraries.consortium import LIBRARIES
from transport import routing
from transport.demo import DEMO_LINKS

TZ = ZoneInfo("Europe/Stockholm")
MONDAY = datetime(2025, 3, 10, 10, 15, tzinfo=TZ)  # before the 14:00 van from Kristinehamn
BOOK = 1


def network(closed: dict[str, list] | None = None) -> routing.Network:
    calendars = {
        code: Calendar(
            open_weekdays=frozenset(days),
            exceptions=MappingProxyType(dict.fromkeys((closed or {}).get(code, []), False)),
        )
        for code, _n, _k, _m, _c, _p, _pop, days in LIBRARIES
    }
    links = tuple(
        routing.Link(
            id=i,
            origin=a,
            destination=b,
            weekdays=frozenset(days),
            departs=departs,
            duration=timedelta(minutes=minutes),
            kind=kind,
        )
        for i, (a, b, kind, days, departs, minutes, _note) in enumerate(DEMO_LINKS, start=1)
    )
    return routing.Network(links=links, calendars=MappingProxyType(calendars))


def hold(hold_id, pickup, record=1, item=None, category=1):
    return hold_rules.WaitingHold(hold_id, record, pickup, category, item)


def copy(item_id, library, record=1, item_type=BOOK):
    return hold_rules.Copy(item_id, record, library, item_type)


def choose(hold_list, copies, *, now=MONDAY, closed=None, **kw):
    targets = hold_rules.choose_targets(hold_list, copies, network=network(closed), now=now, **kw)
    return [(t.hold_id, t.item_id, t.library) for t in targets]


@pytest.mark.parametrize(
    ("pickup", "copies", "expected_library"),
    [
        # a copy already at the pickup library wins, even the highest item id
        ("KGA", [copy(1, "DEG"), copy(9, "KGA")], "KGA"),
        ("HFS", [copy(1, "KGA"), copy(2, "HFS")], "HFS"),
        # earliest arrival: to Storfors, Kristinehamn's Monday van (14:40) beats Karlskoga's
        # Tuesday run (09:15)
        ("STO", [copy(1, "KGA"), copy(2, "KHM")], "KHM"),
        # to Degerfors, Karlskoga's daily van (Mon 11:25) beats the Tuesday book bus from KHM
        ("DEG", [copy(1, "KHM"), copy(2, "KGA")], "KGA"),
        # to Karlskoga, Degerfors' Monday van beats Kristinehamn's way round by Storfors
        ("KGA", [copy(1, "KHM"), copy(2, "DEG")], "DEG"),
    ],
)
def test_local_copy_first_then_earliest_arrival(pickup, copies, expected_library):
    [(_hold_id, _item, library)] = choose([hold(1, pickup)], copies)
    assert library == expected_library


def test_book_bus_is_a_pickup_library_and_serves_its_own_copy_on_its_days():
    tuesday = datetime(2025, 3, 11, 7, 0, tzinfo=TZ)
    assert choose([hold(1, "BUS")], [copy(1, "KHM"), copy(2, "BUS")], now=tuesday) == [
        (1, 2, "BUS")
    ]
    # Monday the bus does not run: Kristinehamn's copy rides out on Tuesday morning
    assert choose([hold(1, "BUS")], [copy(1, "KHM"), copy(2, "BUS")]) == [(1, 1, "KHM")]


def test_earliest_arrival_is_reported_with_the_route_time():
    [target] = hold_rules.choose_targets(
        [hold(1, "STO")], [copy(1, "KHM")], network=network(), now=MONDAY
    )
    assert target.arrives == datetime(2025, 3, 10, 14, 40, tzinfo=TZ)
    assert not target.local
    [local] = hold_rules.choose_targets(
        [hold(1, "KHM")], [copy(1, "KHM")], network=network(), now=MONDAY
    )
    assert local.local and local.arrives is None


@pytest.mark.parametrize(
    ("hold_ids", "picks", "expected"),
    [
        # DEG and KHM both reach Hällefors on Wednesday 10:00: the hold number rotates the
        # first choice, so neither library is always asked first
        ([2], None, ["DEG"]),
        ([3], None, ["KHM"]),
        # two holds in one run: the second goes to the library with fewer picks
        ([2, 4], None, ["DEG", "KHM"]),
        ([3, 5], None, ["KHM", "DEG"]),
        # a library with a long pick list already is spared
        ([2], {"DEG": 4}, ["KHM"]),
        ([3], {"KHM": 1}, ["DEG"]),
    ],
)
def test_ties_are_spread_fairly(hold_ids, picks, expected):
    hold_list = [hold(h, "HFS", record=h) for h in hold_ids]
    copies = [copy(10 * h + 1, "DEG", record=h) for h in hold_ids] + [
        copy(10 * h + 2, "KHM", record=h) for h in hold_ids
    ]
    chosen = choose(hold_list, copies, picks=picks)
    assert [library for _h, _i, library in chosen] == expected


def test_ties_never_always_pick_the_lowest_id():
    """Over many holds the two tied libraries each get about half."""
    hold_list = [hold(h, "HFS", record=h) for h in range(1, 41)]
    copies = [copy(100 + h, "DEG", record=h) for h in range(1, 41)] + [
        copy(200 + h, "KHM", record=h) for h in range(1, 41)
    ]
    libraries = [library for _h, _i, library in choose(hold_list, copies)]
    assert libraries.count("DEG") == libraries.count("KHM") == 20


@pytest.mark.parametrize(
    ("closed", "copies", "expected"),
    [
        # Karlskoga closed today: Kristinehamn fetches instead (Storfors pickup)
        ({"KGA": [MONDAY.date()]}, [copy(1, "KGA"), copy(2, "KHM")], ["KHM"]),
        # the local copy's library is closed today: someone else fetches
        ({"STO": [MONDAY.date()]}, [copy(1, "STO"), copy(2, "KHM")], ["KHM"]),
        # every holding library closed: nobody is asked today
        ({"KHM": [MONDAY.date()], "KGA": [MONDAY.date()]}, [copy(1, "KGA"), copy(2, "KHM")], []),
    ],
)
def test_libraries_closed_today_are_skipped(closed, copies, expected):
    chosen = choose([hold(1, "STO")], copies, closed=closed)
    assert [library for _h, _i, library in chosen] == expected


def test_sunday_nobody_is_open_so_nothing_is_targeted():
    sunday = datetime(2025, 3, 9, 12, 0, tzinfo=TZ)
    assert choose([hold(1, "STO")], [copy(1, "KHM")], now=sunday) == []


def test_oldest_hold_gets_the_only_copy_and_a_copy_serves_one_hold():
    chosen = choose([hold(1, "KGA"), hold(2, "KGA")], [copy(7, "KGA")])
    assert chosen == [(1, 7, "KGA")]


def test_item_level_hold_takes_only_the_requested_copy():
    copies = [copy(1, "KGA"), copy(2, "KHM")]
    assert choose([hold(1, "KGA", item=2)], copies) == [(1, 2, "KHM")]
    assert choose([hold(1, "KGA", item=3)], copies) == []


def test_item_types_the_rules_do_not_let_be_held_are_skipped():
    copies = [copy(1, "KGA", item_type=5), copy(2, "KHM", item_type=BOOK)]
    chosen = choose([hold(1, "KGA")], copies, not_holdable=frozenset({("KGA", 1, 5)}))
    assert chosen == [(1, 2, "KHM")]


def test_a_library_without_links_is_never_asked():
    isolated = hold_rules.Copy(1, 1, "XYZ", BOOK)
    assert choose([hold(1, "KGA")], [isolated]) == []


def test_routes_are_planned_once_per_library_pair():
    arrival = hold_rules.ArrivalTimes(network(), MONDAY)
    calls = []
    original = routing.plan_route

    def counting(*args, **kwargs):
        calls.append(kwargs["start"])
        return original(*args, **kwargs)

    routing.plan_route = counting
    try:
        for _ in range(100):
            arrival("KHM", "HFS")
    finally:
        routing.plan_route = original
    assert calls == ["KHM"]


@pytest.mark.parametrize(
    ("number", "shown"),
    [("1234567890", "…7890"), ("1234", "1234"), ("", "")],
)
def test_slip_shows_a_shortened_card_number(number, shown):
    assert hold_rules.short_card(number) == shown


@pytest.mark.parametrize(("shows", "name"), [(True, "Astrid Lind"), (False, "")])
def test_slip_name_only_when_the_library_chose_so(shows, name):
    assert hold_rules.slip_name(first_name="Astrid", last_name="Lind", shows_name=shows) == name


def test_pickup_deadline_counts_open_days():
    # Wednesday + 3 open days of a Mon–Fri library = Monday (the weekend does not count)
    calendar = Calendar(open_weekdays=frozenset(range(5)))
    deadline = hold_rules.pickup_deadline(
        calendar, today=datetime(2025, 3, 12).date(), open_days=3, tz=TZ
    )
    assert deadline == datetime(2025, 3, 17, 23, 59, 59, tzinfo=TZ)
