"""OPAC and search reads from a PostgreSQL streaming replica (``DATABASE_REPLICA_URL``).

With the variable set, the settings add a second database alias ``replica``, this router and
the ``read_from_replica`` middleware. Without it nothing here is installed: one alias, every
query on the primary.

Which reads go to the replica: only those of a request the middleware marked as eligible, and
only while no transaction is open on the primary. A request is eligible when

- its method is safe (GET, HEAD, OPTIONS): a write request reads what it is about to change,
  from the primary;
- its path is a public catalogue page or a search interface (``REPLICA_PATHS``: the OPAC home,
  search, record pages, public lists, SRU, OAI-PMH, the API's record search and record), never
  a desk page (``/staff/``), a patron's own account pages or the API's circulation endpoints;
- it carries no ``Authorization`` header (API tokens belong to staff, who read their own writes);
- the client did not write a moment ago: every write request (and a safe one that wrote through
  the ORM) gets a short-lived cookie ``PRIMARY_COOKIE``; while it lasts (``sticky_seconds()``,
  10 s by default, well above a streaming replica's usual sub-second lag) that client reads the
  primary everywhere. A patron who just placed a hold or renewed a loan sees it at once.

Everything else (Celery tasks, management commands, the desk, every write) uses the primary:
the router sends every write there and answers the primary for reads outside eligible requests.
Migrations run on the primary only; the replica gets them by streaming.

Raw SQL that reads for the OPAC (``catalog.search``) asks the router for its connection with
``connections[router.db_for_read(Record)]``, so it follows the same rule.
"""

from __future__ import annotations

import contextvars
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

REPLICA = "replica"
PRIMARY_COOKIE = "granslos_primary"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Public catalogue pages and search interfaces; "/" (the OPAC home) is matched exactly.
REPLICA_PATHS = (
    "/sok/",
    "/post/",
    "/listor/",
    "/sru",
    "/oai",
    "/api/v1/records/",
)


def sticky_seconds() -> int:
    return int(getattr(settings, "DATABASE_REPLICA_STICKY_SECONDS", 10))


@dataclass
class _RequestState:
    eligible: bool
    wrote: bool = False


_state: contextvars.ContextVar[_RequestState | None] = contextvars.ContextVar(
    "granslos_replica_state", default=None
)


def is_replica_path(path: str) -> bool:
    return path == "/" or path.startswith(REPLICA_PATHS)


def eligible(request: HttpRequest, *, now: float) -> bool:
    """May this request's reads go to the replica? (See the module docstring.)"""
    if request.method not in SAFE_METHODS or "HTTP_AUTHORIZATION" in request.META:
        return False
    if not is_replica_path(request.path):
        return False
    try:
        until = float(request.COOKIES.get(PRIMARY_COOKIE, "0"))
    except ValueError:
        until = 0.0
    return until <= now


def read_from_replica(get_response: Callable[[HttpRequest], HttpResponse]):
    """Marks the request's reads as replica-eligible; after a write, sets the sticky cookie."""

    def middleware(request: HttpRequest) -> HttpResponse:
        now = time.time()
        state = _RequestState(eligible=eligible(request, now=now))
        token = _state.set(state)
        try:
            response = get_response(request)
        finally:
            _state.reset(token)
        if state.wrote or request.method not in SAFE_METHODS:
            seconds = sticky_seconds()
            response.set_cookie(
                PRIMARY_COOKIE,
                str(int(now) + seconds),
                max_age=seconds,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response

    return middleware


# A replica that cannot be reached is skipped (reads go to the primary) for this long before this
# process tries it again: the OPAC stays up when a standby is down, only a little slower.
REPLICA_RETRY_SECONDS = 30.0
_replica_down_until = 0.0


def replica_usable(*, now: float | None = None) -> bool:
    """Can this process read the replica? An open connection gets Django's once-per-request
    health check here (``CONN_HEALTH_CHECKS``: the check the first cursor would run anyway) and
    is dropped when broken; without one it connects, and a failure sends reads to the primary
    for ``REPLICA_RETRY_SECONDS`` (logged once per failure)."""
    global _replica_down_until
    now = time.monotonic() if now is None else now
    if now < _replica_down_until:
        return False
    connection = connections[REPLICA]
    connection.close_if_health_check_failed()
    if connection.connection is not None:
        return True
    try:
        connection.ensure_connection()
    except Exception as exc:  # any failure to connect: the primary answers instead
        _replica_down_until = now + REPLICA_RETRY_SECONDS
        logger.warning(
            "read replica unreachable (%r): reads go to the primary for %.0f s",
            exc,
            REPLICA_RETRY_SECONDS,
        )
        return False
    return True


def reset() -> None:
    """Forget a replica failure (tests)."""
    global _replica_down_until
    _replica_down_until = 0.0


class ReplicaRouter:
    """Reads of eligible requests → ``replica`` (when it can be reached); everything else → the
    primary."""

    def db_for_read(self, model, **hints) -> str:
        state = _state.get()
        if (
            state is not None
            and state.eligible
            and REPLICA in connections.settings
            and not connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            if replica_usable():
                return REPLICA
            state.eligible = False  # the rest of this request reads the primary too
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints) -> str:
        state = _state.get()
        if state is not None:
            # The rest of this request, and this client for a while, read the primary.
            state.eligible = False
            state.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # the same database, one copy behind

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS
