"""Per-client throttles shared by every process (Redis), and the client's address.

A throttle counts requests per client in a fixed window in Redis (one INCR, the key expires with
the window), so all web processes share the count. Redis is a cache here, not the source of
truth: when it is down, the throttle lets the request through (fails open) and logs it; the
per-card PIN lockout lives in PostgreSQL (``patrons.opac_auth``) and holds regardless.

The client's address is ``REMOTE_ADDR``, unless the site runs behind ``GRANSLOS_TRUSTED_PROXIES``
reverse proxies (default 0): then the address the outermost trusted proxy saw, i.e. the n-th
entry from the right of ``X-Forwarded-For``. Entries further left are written by the client and
are never trusted.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
# Part of every key; tests give each test its own, so one test's attempts never throttle another's.
KEY_SALT = ""


@dataclass(frozen=True)
class Throttle:
    scope: str
    limit: int  # requests per window per client
    window: int  # seconds


# OPAC login: attempts from one client, whatever the card.
OPAC_LOGIN = Throttle("opac-login", limit=30, window=15 * 60)
# Look-ups by card number (API, desk): far above what a desk scans, far below enumeration.
CARD_LOOKUP = Throttle("card-lookup", limit=120, window=60)


def trusted_proxies() -> int:
    return int(settings.GRANSLOS.get("TRUSTED_PROXIES", 0))


def client_address(request: HttpRequest) -> str:
    """The client's IP address (see the module docstring for proxies)."""
    proxies = trusted_proxies()
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < proxies:
        return forwarded[0] if forwarded else remote
    return forwarded[-proxies]


def allow(throttle: Throttle, client: str) -> bool:
    """Count this request; False once the client is over the limit in this window."""
    digest = hashlib.sha256(client.encode()).hexdigest()[:24]
    key = f"throttle:{throttle.scope}:{KEY_SALT}{digest}"
    try:
        cache.add(key, 0, timeout=throttle.window)
        count = cache.incr(key)
    except (RedisError, OSError):  # Redis down or unreachable: fail open
        log.warning("throttle %s: Redis unavailable, request let through", throttle.scope)
        return True
    return count <= throttle.limit
