"""DATABASE_URL ⇄ Django's DATABASES entry, both ways.

The settings read DATABASE_URL with ``database_from_url``; a child process (a Celery worker a
test starts, a second login process, gunicorn under test) gets its DATABASE_URL from
``url_from_database(connection.settings_dict)``: the same spelling, so a unix socket folder (the
embedded PostgreSQL) and a host:port both survive the round trip.
"""

from __future__ import annotations

import os
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit


def database_from_url(url: str) -> dict:
    """postgresql://user:pass@host:port/name?host=/socket/dir → Django DATABASES entry."""
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ValueError(
            "DATABASE_URL must be a postgresql:// URL (PostgreSQL is the only database)"
        )
    query = parse_qs(parts.query)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")) or "granslos",
        "USER": unquote(parts.username or "postgres"),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": query.get("host", [parts.hostname or ""])[0],
        "PORT": str(parts.port or ""),
        # Persistent connections: each process keeps its connection between requests.
        "CONN_MAX_AGE": int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        "CONN_HEALTH_CHECKS": True,
        # A broad catalogue search takes the first 1,000 matches a scan finds, so that scan must
        # return them in the same order every time: a scan that joins another one already under
        # way would start mid-table, and a parallel plan's Gather interleaves its workers' rows
        # in whatever order they finish (measured at T2: "kärlek" at Storfors sampled a different
        # 1,001 records per request). Either way facets and relevance pages would change between
        # two identical requests. Parallel workers bought nothing on 2 shared cores either
        # (docs/performance.md, "Search, round two"). Set per connection: no extra statement.
        "OPTIONS": {"options": "-c synchronize_seqscans=off -c max_parallel_workers_per_gather=0"},
        "TEST": {"NAME": os.environ.get("TEST_DATABASE_NAME") or None},
    }


def url_from_database(db: dict) -> str:
    """The DATABASE_URL for a DATABASES entry (e.g. ``connection.settings_dict``, whose NAME is
    the test database once the test run set it up). Inverse of ``database_from_url``."""
    user = quote(db.get("USER") or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    host, port = db.get("HOST") or "", str(db.get("PORT") or "")
    name = quote(db["NAME"], safe="")
    if host.startswith("/"):  # a unix socket folder: libpq takes it as ?host=
        return f"postgresql://{user}{password}@/{name}?{urlencode({'host': host})}"
    netloc = f"{host}:{port}" if port else host
    return f"postgresql://{user}{password}@{netloc}/{name}"
