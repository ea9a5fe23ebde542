"""OPAC and search reads go to a real PostgreSQL streaming replica; writes and the desk never do.

The test starts its own primary (initdb on a free port, the test database copied into it with
pg_dump) and a streaming replica of it (pg_basebackup -R -X stream), points Django's
``default`` at that primary and adds the ``replica`` alias, router and middleware as
``DATABASE_REPLICA_URL`` would (config/replica.py). Replay on the replica is then paused: what
is written afterwards exists only on the primary, so a page that shows it read the primary and
a page that does not read the replica. Everything (servers, folders) is removed afterwards.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from django.db import connections
from django.test import RequestFactory, override_settings
from rest_framework.authtoken.models import Token

from catalog.indexing import refresh_search_vectors
from circulation.holds.models import Hold
from config import replica as replica_module
from config.replica import PRIMARY_COOKIE, REPLICA, ReplicaRouter, _state, eligible, replica_usable
from libraries.models import Library
from patrons.services import set_pin
from tests.circulation.factories import ItemFactory, PatronFactory, RecordFactory
from tests.conftest import make_staff

BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
REPLICA_SETTINGS = {
    "DATABASE_ROUTERS": ["config.replica.ReplicaRouter"],
    "DATABASE_REPLICA_STICKY_SECONDS": 10,
}


# --- Which requests may read the replica (no server needed) --------------------------------


@pytest.mark.parametrize(
    ("method", "path", "headers", "expected"),
    [
        ("GET", "/", {}, True),
        ("GET", "/sok/", {}, True),
        ("HEAD", "/post/12/", {}, True),
        ("GET", "/sru", {}, True),
        ("GET", "/oai", {}, True),
        ("GET", "/api/v1/records/", {}, True),
        ("GET", "/api/v1/records/", {"HTTP_AUTHORIZATION": "Token abc"}, False),  # staff
        ("POST", "/sok/", {}, False),
        ("GET", "/staff/catalog/", {}, False),
        ("GET", "/konto/lan/", {}, False),
        ("GET", "/api/v1/loans/", {}, False),
        ("GET", "/reservationer/", {}, False),
    ],
)
def test_which_requests_may_read_the_replica(method, path, headers, expected):
    request = RequestFactory().generic(method, path, **headers)
    assert eligible(request, now=time.time()) is expected


def test_a_recent_write_keeps_the_client_on_the_primary():
    request = RequestFactory().get("/sok/")
    request.COOKIES[PRIMARY_COOKIE] = str(int(time.time()) + 5)
    assert eligible(request, now=time.time()) is False
    assert eligible(request, now=time.time() + 6) is True


def test_migrations_run_on_the_primary_only():
    router = ReplicaRouter()
    assert router.allow_migrate("default", "catalog") is True
    assert router.allow_migrate(REPLICA, "catalog") is False
    assert router.db_for_write(None) == "default"
    assert _state.get() is None and router.db_for_read(None) == "default"  # no request: primary


# --- A real streaming replica -----------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root, run its binaries as the postgres user."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=120, **kwargs)


def _psql(port: int, db: str, sql: str) -> str:
    out = _run(
        [
            str(BIN / "psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-U",
            "postgres",
            "-d",
            db,
            "-XAtq",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            sql,
        ]
    )
    return out.stdout.strip()


def _start(data: Path, port: int, sockets: Path) -> None:
    with (data / "postgresql.conf").open("a") as conf:
        conf.write(
            f"\nport = {port}\nlisten_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{sockets}'\nfsync = off\nshared_buffers = 32MB\n"
            "max_wal_senders = 4\nwal_level = replica\nhot_standby = on\n"
        )
    _run(
        _as_postgres(
            [
                str(BIN / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(data.parent / f"{data.name}.log"),
                "-w",
                "-t",
                "60",
                "start",
            ]
        )
    )


def _stop(data: Path) -> None:
    if (data / "postmaster.pid").exists():
        subprocess.run(
            _as_postgres([str(BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
            capture_output=True,
            timeout=60,
        )


@pytest.fixture
def streaming_replica(transactional_db):
    """(primary port, replica port, database name), with Django's aliases pointed at them."""
    if not (BIN / "initdb").exists():
        pytest.fail(f"PostgreSQL server binaries not found in {BIN} (set PG_BIN)")
    default = connections["default"]
    name = default.settings_dict["NAME"]
    saved = {k: default.settings_dict[k] for k in ("HOST", "PORT")}
    tmp = Path(tempfile.mkdtemp(prefix="granslos-replica-"))
    primary, replica = tmp / "primary", tmp / "replica"
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(tmp, user.pw_uid, user.pw_gid)
    p_port, r_port = _free_port(), _free_port()
    replica_module.reset()
    try:
        _run(
            _as_postgres(
                [
                    str(BIN / "initdb"),
                    "-D",
                    str(primary),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                    "--no-sync",
                ]
            )
        )
        _start(primary, p_port, tmp)
        # The test database (schema and the consortium's fixed data) into the private primary.
        _psql(p_port, "postgres", f'CREATE DATABASE "{name}"')
        dump = _run(
            [
                str(BIN / "pg_dump"),
                "-h",
                str(saved["HOST"]),
                "-p",
                str(saved["PORT"] or 5432),
                "-U",
                "postgres",
                "--no-owner",
                "--no-privileges",
                name,
            ]
        ).stdout
        _run(
            [
                str(BIN / "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(p_port),
                "-U",
                "postgres",
                "-d",
                name,
                "-XAtq",
                "-v",
                "ON_ERROR_STOP=1",
            ],
            input=dump,
        )
        _run(
            _as_postgres(
                [
                    str(BIN / "pg_basebackup"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(p_port),
                    "-U",
                    "postgres",
                    "-D",
                    str(replica),
                    "-R",
                    "-X",
                    "stream",
                    "-c",
                    "fast",
                ]
            )
        )
        _start(replica, r_port, tmp)
        deadline = time.monotonic() + 30
        while _psql(r_port, name, "SELECT pg_is_in_recovery()") != "t":
            assert time.monotonic() < deadline, "the replica did not start in recovery"
            time.sleep(0.2)
        default.close()
        default.settings_dict.update(HOST="127.0.0.1", PORT=str(p_port))
        connections.settings[REPLICA] = connections.configure_settings(
            {"default": dict(default.settings_dict), REPLICA: dict(default.settings_dict)}
        )[REPLICA]
        connections.settings[REPLICA]["PORT"] = str(r_port)
        # Opened here: the test case allows new connections to its declared aliases only.
        connections[REPLICA].connect()
        from django.conf import settings

        middleware = ["config.replica.read_from_replica", *settings.MIDDLEWARE]
        with override_settings(MIDDLEWARE=middleware, **REPLICA_SETTINGS):
            yield p_port, r_port, name, replica
    finally:
        for alias in (REPLICA, "default"):
            if alias in connections.settings:
                connections[alias].close()
        if REPLICA in connections.settings:
            del connections[REPLICA]
            del connections.settings[REPLICA]
        default.settings_dict.update(saved)
        replica_module.reset()
        _stop(replica)
        _stop(primary)
        shutil.rmtree(tmp, ignore_errors=True)


def _wait_replayed(p_port: int, r_port: int, name: str) -> None:
    target = _psql(p_port, name, "SELECT pg_current_wal_lsn()")
    deadline = time.monotonic() + 30
    while _psql(r_port, name, f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn") != "t":
        assert time.monotonic() < deadline, "the replica did not catch up"
        time.sleep(0.1)


def _record(title: str):
    record = RecordFactory(title=title)
    ItemFactory(record=record, home_library=Library.objects.get(code="KGA"))
    refresh_search_vectors([record.pk])
    return record


@pytest.mark.django_db(transaction=True)
def test_opac_reads_the_replica_desk_and_writes_the_primary(streaming_replica, client):
    from django.test import Client

    p_port, r_port, name, replica_dir = streaming_replica
    first = _record("Replikaprov ett")
    patron = PatronFactory()
    set_pin(patron=patron, pin="2468")
    staff = make_staff("replica-desk", ("KGA", "desk"))
    token = Token.objects.create(user=staff)
    _wait_replayed(p_port, r_port, name)
    assert _psql(r_port, name, "SELECT pg_is_in_recovery()") == "t"
    anonymous = Client()
    assert "Replikaprov ett" in anonymous.get("/sok/", {"q": "replikaprov"}).content.decode()

    # From here on the replica stands still: what is written now exists on the primary only.
    _psql(r_port, name, "SELECT pg_wal_replay_pause()")
    second = _record("Replikaprov två")
    page = anonymous.get("/sok/", {"q": "replikaprov"}).content.decode()
    assert "Replikaprov ett" in page and "Replikaprov två" not in page  # the replica answered
    assert anonymous.get(f"/post/{second.pk}/").status_code == 404  # not replayed yet
    api = anonymous.get("/api/v1/records/", {"q": "replikaprov"}).json()
    assert {r["id"] for r in api["results"]} == {first.pk}
    # The desk (a staff token) reads the primary: both.
    desk = anonymous.get(
        "/api/v1/records/", {"q": "replikaprov"}, HTTP_AUTHORIZATION=f"Token {token.key}"
    ).json()
    assert {r["id"] for r in desk["results"]} == {first.pk, second.pk}

    # A patron logs in and places a hold on the new title: the write lands on the primary
    # (the replica is read-only and paused: it has neither the hold nor the record).
    response = client.post(
        "/konto/logga-in/", {"card_number": patron.cards.get().number, "pin": "2468"}
    )
    assert response.status_code == 302
    response = client.post(
        f"/reservationer/ny/{second.pk}/",
        {"pickup_library": Library.objects.get(code="KGA").pk},
    )
    assert response.status_code == 302
    hold = Hold.objects.get(patron=patron, record=second)
    held = f"SELECT count(*) FROM circulation_hold WHERE id = {hold.pk}"  # noqa: S608
    assert _psql(p_port, name, held) == "1"
    assert _psql(r_port, name, held) == "0"
    # Read-your-writes: the write set the sticky cookie, so this patron's next OPAC pages
    # read the primary and show the new title, while an anonymous visitor's still do not.
    assert PRIMARY_COOKIE in response.cookies
    assert client.get(f"/post/{second.pk}/").status_code == 200
    assert "Replikaprov två" in client.get("/sok/", {"q": "replikaprov"}).content.decode()
    assert "Replikaprov två" not in anonymous.get("/sok/", {"q": "replikaprov"}).content.decode()

    # The replica served the OPAC's reads: its own statistics counted the catalogue scans.
    _psql(r_port, name, "SELECT pg_wal_replay_resume()")
    _wait_replayed(p_port, r_port, name)
    page = anonymous.get("/sok/", {"q": "replikaprov"}).content.decode()
    assert "Replikaprov två" in page  # replayed: the replica has it now

    # The replica goes down: the OPAC keeps answering from the primary (logged, retried later).
    third = _record("Replikaprov tre")
    _stop(replica_dir)
    # What a real request's start does (the test client leaves it out): the replica connection
    # gets its health check again at its next use.
    connections[REPLICA].close_if_unusable_or_obsolete()
    page = anonymous.get("/sok/", {"q": "replikaprov"})
    assert page.status_code == 200 and "Replikaprov tre" in page.content.decode()
    assert anonymous.get(f"/post/{third.pk}/").status_code == 200
    assert replica_usable() is False  # skipped for REPLICA_RETRY_SECONDS
