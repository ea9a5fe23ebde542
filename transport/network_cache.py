"""A per-process copy of the transport network, checked against a version number in Redis.

Why: a check-in that sends an item away plans its route at the desk. Loading the network (links,
every library's calendar exceptions, names, floating rules) from PostgreSQL costs five statements,
yet the network changes a few times a year. ``libraries.snapshots`` keeps one copy per thread
and day; any write to the tables it is built from bumps the version after commit
(``transport.apps`` connects the model signals — cache bookkeeping only, no domain logic).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from libraries.snapshots import VersionedSnapshot
from transport import network, routing

VERSION_KEY = "transport:network-version"


@dataclass(frozen=True)
class Snapshot:
    network: routing.Network
    names: dict[str, str]  # library code -> short name for the desk
    floating: frozenset[tuple[int, int | None]]  # (library id, item type id or None = all)


def _build(day: date) -> Snapshot:
    now = datetime.combine(day, time(12), tzinfo=routing.STOCKHOLM)
    return Snapshot(
        network=network.load_network(now=now),
        names=network.library_names(),
        floating=frozenset(network.floating_pairs()),
    )


_snapshot: VersionedSnapshot[Snapshot] = VersionedSnapshot(VERSION_KEY, _build)


def snapshot(*, now: datetime) -> Snapshot:
    """The network as of ``now``'s day, from this process's copy when it is still current."""
    return _snapshot.get(now.astimezone(routing.STOCKHOLM).date())


def connect(*models) -> None:
    _snapshot.connect(*models, uid="transport-network")


invalidate = _snapshot.invalidate
_bump = _snapshot.bump
clear_local = _snapshot.clear_local
reset = _snapshot.reset
