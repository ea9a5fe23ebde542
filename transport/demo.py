"""The demo transport network from DOMAIN.md, with realistic departure times (idempotent)."""

from __future__ import annotations

from datetime import time, timedelta

MON, TUE, WED, THU, FRI = range(5)

# from, to, kind, weekdays, departs, minutes, note
DEMO_LINKS = [
    ("KHM", "STO", "van", [MON, WED, FRI], time(14, 0), 40, "Värmland county run"),
    ("STO", "KHM", "van", [MON, WED, FRI], time(15, 0), 40, "Värmland county run"),
    ("STO", "KGA", "van", [TUE, THU], time(10, 0), 45, "Storfors is the hub into Örebro county"),
    ("KGA", "STO", "van", [TUE, THU], time(8, 30), 45, "Storfors is the hub into Örebro county"),
    ("KGA", "DEG", "van", [MON, TUE, WED, THU, FRI], time(11, 0), 25, "neighbours"),
    ("DEG", "KGA", "van", [MON, TUE, WED, THU, FRI], time(12, 30), 25, "neighbours"),
    ("KGA", "HFS", "van", [WED], time(9, 0), 60, ""),
    ("HFS", "KGA", "van", [WED], time(13, 0), 60, ""),
    ("KHM", "DEG", "bookbus", [TUE], time(8, 30), 90, "the shared book bus"),
    ("DEG", "KHM", "bookbus", [TUE], time(14, 30), 90, "the shared book bus"),
    # The book bus as a service point: returns made on board are unloaded at its depot in
    # Kristinehamn in the evening; items for the bus are loaded in the morning.
    ("BUS", "KHM", "bookbus", [TUE, THU], time(17, 0), 30, "book bus unloads at the depot"),
    ("KHM", "BUS", "bookbus", [TUE, THU], time(8, 0), 30, "book bus loads at the depot"),
]


def create_demo_network(*, stdout=None) -> int:
    """Create the demo links that are missing; returns how many were created."""
    from libraries.models import Library
    from transport.models import TransportLink

    libraries = {lib.code: lib for lib in Library.objects.all()}
    created = 0
    for origin, destination, kind, days, departs, minutes, note in DEMO_LINKS:
        if origin not in libraries or destination not in libraries:
            continue
        _link, was_created = TransportLink.objects.get_or_create(
            from_library=libraries[origin],
            to_library=libraries[destination],
            departure_time=departs,
            defaults={
                "kind": kind,
                "weekdays": days,
                "duration": timedelta(minutes=minutes),
                "note": note,
            },
        )
        created += was_created
    if stdout is not None:
        stdout.write(f"transport: {created} demo links created\n")
    return created
