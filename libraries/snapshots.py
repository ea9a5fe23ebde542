"""Per-process copies of reference data that changes a few times a year, checked against a
version number in Redis.

Why: the desk's hot paths read the same small tables on every scan (the transport network,
lending rules, opening calendars, consortium settings, the logged-in user). Reading them from
PostgreSQL costs a statement each, and building the ORM queries and model instances costs more
than PostgreSQL needs to answer them. Each thread keeps one copy per day and asks Redis (one
GET, no SQL) whether it is still current, at most once per ``check_every`` seconds (a check-in
that sends a book away reads the network four times; one GET is enough).

How a change is seen: a write to a table a snapshot is made of bumps that snapshot's version
key after commit (model signals connected with ``connect`` call ``invalidate`` — cache
bookkeeping only, no domain logic), so every other thread and process rebuilds at its next
version check, within ``check_every`` seconds. The writing thread sees its own uncommitted
change at once and keeps no copy until it commits (a rollback leaves nothing behind). A copy is
also dropped after ``max_age`` seconds, so even a raw SQL edit is seen within minutes.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")


@dataclass(frozen=True)
class _Copy(Generic[T]):
    value: T
    day: date
    version: str | None
    loaded_at: float


class VersionedSnapshot(Generic[T]):
    """``get(day)`` returns ``build(day)``, rebuilt only when the version key or the day changes
    (or the copy is older than ``max_age`` seconds)."""

    def __init__(
        self,
        version_key: str,
        build: Callable[[date], T],
        *,
        max_age: float = 300.0,
        check_every: float = 1.0,
    ):
        self.version_key = version_key
        self.build = build
        self.max_age = max_age
        self.check_every = check_every
        self._local = threading.local()

    def get(self, day: date) -> T:
        current: _Copy[T] | None = getattr(self._local, "copy", None)
        now = time.monotonic()
        if current is None or current.day != day or now - current.loaded_at >= self.max_age:
            version = cache.get(self.version_key)
        elif now - getattr(self._local, "checked_at", 0.0) < self.check_every:
            return current.value  # version checked less than check_every seconds ago
        else:
            version = cache.get(self.version_key)
            if current.version == version:
                self._local.checked_at = now
                return current.value
        fresh = _Copy(self.build(day), day, version, now)
        if getattr(self._local, "dirty", False):
            if connection.in_atomic_block:
                # This transaction changed the data and has not committed: use what it sees,
                # but keep no copy (it may still roll back).
                return fresh.value
            self._local.dirty = False  # that transaction ended without committing
        self._local.copy = fresh
        self._local.checked_at = now
        return fresh.value

    def invalidate(self, **_signal_kwargs) -> None:
        """This thread sees the change at once; every process rebuilds once it is committed."""
        self.clear_local()
        self._local.dirty = True
        transaction.on_commit(self.bump)

    def bump(self) -> None:
        cache.set(self.version_key, uuid.uuid4().hex, timeout=None)
        self.clear_local()
        self._local.dirty = False

    def clear_local(self) -> None:
        """Forget this thread's copy."""
        self._local.copy = None

    def reset(self) -> None:
        """Forget the copy and any pending change (tests: the last test's data was rolled back)."""
        self.clear_local()
        self._local.dirty = False

    def connect(self, *models, uid: str) -> None:
        """Invalidate on every save and delete of these models (QuerySet.update() sends no
        signal: code that changes these tables with it calls ``invalidate`` itself)."""
        for model in models:
            name = f"{uid}-{model._meta.label_lower}"
            post_save.connect(self.invalidate, sender=model, dispatch_uid=f"{name}-save")
            post_delete.connect(self.invalidate, sender=model, dispatch_uid=f"{name}-delete")
