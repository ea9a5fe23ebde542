"""A per-process copy of the transport network, checked against a version number in Redis.

Why: a check-in that sends an item away plans its route at the desk. Loading the network (links,
every library's calendar exceptions, names, floating rules) from PostgreSQL costs five statements,
yet the network changes a few times a year. Each process keeps one snapshot per day and asks
Redis (one GET, no SQL) whether it is still current; any write to the tables it is built from
bumps the version after commit (``transport.apps`` connects the model signals to
``invalidate`` — cache bookkeeping only, no domain logic). A snapshot is also dropped after
``MAX_AGE`` seconds, so even a raw SQL edit is seen within minutes.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.db import connection, transaction

from transport import routing

VERSION_KEY = "transport:network-version"
MAX_AGE = 300.0


@dataclass(frozen=True)
class Snapshot:
    network: routing.Network
    names: dict[str, str]  # library code -> short name for the desk
    floating: frozenset[tuple[int, int | None]]  # (library id, item type id or None = all)
    day: object
    version: str | None
    loaded_at: float


_local = threading.local()


def snapshot(*, now: datetime) -> Snapshot:
    """The network as of ``now``'s day, from this process's copy when it is still current."""
    from transport import selectors

    day = now.astimezone(routing.STOCKHOLM).date()
    version = cache.get(VERSION_KEY)
    current: Snapshot | None = getattr(_local, "snapshot", None)
    if (
        current is not None
        and current.day == day
        and current.version == version
        and time.monotonic() - current.loaded_at < MAX_AGE
    ):
        return current
    fresh = Snapshot(
        network=selectors.load_network(now=now),
        names=selectors.library_names(),
        floating=frozenset(selectors.floating_pairs()),
        day=day,
        version=version,
        loaded_at=time.monotonic(),
    )
    if getattr(_local, "dirty", False):
        if connection.in_atomic_block:
            # This transaction changed the network and has not committed: use what it sees,
            # but keep no copy (it may still roll back).
            return fresh
        _local.dirty = False  # that transaction ended without committing
    _local.snapshot = fresh
    return fresh


def invalidate(**_signal_kwargs) -> None:
    """This process sees the change at once; every process reloads once it is committed."""
    clear_local()
    _local.dirty = True
    transaction.on_commit(_bump)


def _bump() -> None:
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    clear_local()
    _local.dirty = False


def clear_local() -> None:
    """Forget this thread's copy."""
    _local.snapshot = None


def reset() -> None:
    """Forget the copy and any pending change (tests: the last test's data was rolled back)."""
    clear_local()
    _local.dirty = False
