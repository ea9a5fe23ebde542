"""Plan 10,000 returned items across the consortium with the pure route planner; report the time.

    .venv/bin/python bench/routing_bench.py [--items 10000] [--seed 1]

Items are returned at a random library (the five and the book bus) at a random moment over a
year of opening days, each bound for a random other home library, over the demo network with
Swedish public holidays. Goal: at most 10 s for 10,000 items.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from types import MappingProxyType

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    from libraries.calendar import Calendar
    from libraries.consortium import LIBRARIES
    from transport.demo import DEMO_LINKS
    from transport.routing import STOCKHOLM, Link, Network, NoRoute, plan_route

    links = tuple(
        Link(i, a, b, frozenset(days), departs, timedelta(minutes=minutes), kind)
        for i, (a, b, kind, days, departs, minutes, _note) in enumerate(DEMO_LINKS, start=1)
    )
    calendars = {row[0]: Calendar(open_weekdays=frozenset(row[7])) for row in LIBRARIES}
    network = Network(links=links, calendars=MappingProxyType(calendars))
    codes = sorted(calendars)
    rng = random.Random(args.seed)
    start = datetime(2025, 1, 1, tzinfo=STOCKHOLM)
    requests = []
    for _n in range(args.items):
        here, home = rng.sample(codes, 2)
        when = start + timedelta(minutes=rng.randrange(365 * 24 * 60))
        requests.append((here, home, when))

    began = time.perf_counter()
    hops = refused = 0
    for here, home, when in requests:
        try:
            hops += len(plan_route(network, start=here, destination=home, now=when).hops)
        except NoRoute:
            refused += 1
    elapsed = time.perf_counter() - began
    print(
        f"planned {args.items - refused} of {args.items} returned items "
        f"({hops} hops, {refused} without a route) in {elapsed:.2f} s "
        f"({elapsed / args.items * 1e6:.0f} µs per item); goal ≤ 10 s"
    )


if __name__ == "__main__":
    main()
