"""Shared fixtures: the consortium's fixed data, staff personas, a real Celery worker, a browser."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from config.queues import queue_names
from libraries import access
from libraries.models import Library, StaffRole

ROOT = Path(__file__).resolve().parent.parent
# Worker logs go here; a fresh clone has no .data/ until the embedded services or a worker run.
(ROOT / ".data").mkdir(exist_ok=True)
CHROMIUM = "/usr/bin/chromium"
DEMO_PASSWORD = "test-pass-123"


def with_deadlock_retry(original, *, tries: int = 10):
    """A transactional test ends with TRUNCATE of every table. A real Celery worker (or a SIP2
    server thread) may still be finishing a task the test queued, and PostgreSQL can pick the
    TRUNCATE as a deadlock victim: let the worker finish and try again instead of failing the
    test that already passed."""
    from django.core.management.base import CommandError
    from django.db import OperationalError

    def teardown(self):
        for attempt in range(tries):
            try:
                return original(self)
            except (OperationalError, CommandError) as exc:
                # flush wraps the deadlock in a CommandError that names only the database
                if "deadlock" not in f"{exc} {exc.__cause__}" or attempt == tries - 1:
                    raise
                with contextlib.suppress(Exception):  # best effort: the retry is what counts
                    settle_celery()  # let the worker finish what the test queued
                time.sleep(0.2)
        return None

    return teardown


def _retry_flush_on_deadlock() -> None:
    from django.test import TransactionTestCase

    TransactionTestCase._fixture_teardown = with_deadlock_retry(
        TransactionTestCase._fixture_teardown
    )


_retry_flush_on_deadlock()


@pytest.fixture(autouse=True)
def _redis_health():
    """A test that stopped a (private) Redis leaves this process's "Redis was down lately"
    memory behind; the next test starts with Redis healthy again."""
    from config import cache as redis_cache
    from libraries import enqueue

    redis_cache.health.reset()
    enqueue.reset()


@pytest.fixture(autouse=True)
def _consortium(request):
    """Transactional tests truncate tables, migrations' rows included: put the fixed data back."""
    from circulation import config_cache
    from circulation.defaults import ensure_all as ensure_common_rules
    from libraries.consortium import ensure_all
    from transport import network_cache

    network_cache.reset()  # the last test's network was rolled back or truncated
    config_cache.reset()  # ... and so were its lending rules, calendars and settings
    access.reset_access()  # ... and its staff roles

    if "transactional_db" in request.fixturenames or "live_server" in request.fixturenames:
        ensure_all()
        ensure_common_rules()  # the common lending rules every checkout needs
    elif request.node.get_closest_marker("django_db") or "db" in request.fixturenames:
        request.getfixturevalue("db")
        ensure_all()
        ensure_common_rules()
    # Putting the fixed data back is no change to the reference data the caches hold.
    network_cache.reset()
    config_cache.reset()
    access.reset_access()


@pytest.fixture(autouse=True)
def _own_throttles(monkeypatch):
    """Every test client comes from 127.0.0.1: give each test its own throttle counters."""
    import uuid

    monkeypatch.setattr("libraries.throttle.KEY_SALT", uuid.uuid4().hex[:8] + ":")


@pytest.fixture
def libraries(db) -> dict[str, Library]:
    return {lib.code: lib for lib in Library.objects.all()}


def make_staff(username: str, *roles: tuple[str | None, str]):
    """A staff user with roles given as (library code or None, role)."""
    user = get_user_model().objects.create_user(
        username=username, password=DEMO_PASSWORD, first_name=username.title()
    )
    for code, role in roles:
        library = Library.objects.get(code=code) if code else None
        StaffRole.objects.create(user=user, library=library, role=role)
    # As after the commit that made them: the per-thread copy of roles may keep them.
    access.reset_access()
    return user


@pytest.fixture
def desk_staff_karlskoga(db):
    return make_staff("desk_kga", ("KGA", StaffRole.Role.DESK))


@pytest.fixture
def desk_staff_kristinehamn(db):
    return make_staff("desk_khm", ("KHM", StaffRole.Role.DESK))


@pytest.fixture
def pool_staff(db):
    """Works in the staff pool: desk role at Degerfors and Storfors."""
    return make_staff("pool", ("DEG", StaffRole.Role.DESK), ("STO", StaffRole.Role.DESK))


@pytest.fixture
def admin_storfors(db):
    return make_staff("admin_sto", ("STO", StaffRole.Role.LIBRARY_ADMIN))


@pytest.fixture
def consortium_admin(db):
    return make_staff("consortium", (None, StaffRole.Role.CONSORTIUM_ADMIN))


def staff_client(client, user, library_code: str | None = None):
    """Log a Django test client in as ``user`` working at ``library_code``."""
    client.force_login(user)
    if library_code:
        session = client.session
        session["working_library_id"] = Library.objects.get(code=library_code).id
        session.save()
    return client


# --- A real Celery worker ---------------------------------------------------------------


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """A real ``celery worker`` process on this run's own queue, against the test database."""
    from django.conf import settings
    from django.db import connection

    from config.dburl import url_from_database

    env = dict(os.environ)
    env["DATABASE_URL"] = url_from_database(connection.settings_dict)
    env["REDIS_URL"] = settings.REDIS_URL
    env["CELERY_QUEUE"] = settings.CELERY_TASK_DEFAULT_QUEUE
    (ROOT / ".data").mkdir(exist_ok=True)  # a fresh clone has none
    log = open(ROOT / ".data" / f"worker-{settings.CELERY_TASK_DEFAULT_QUEUE}.log", "w")  # noqa: SIM115
    proc = start_worker(env, log)
    global _session_worker
    _session_worker = proc
    yield proc
    _session_worker = None
    stop_worker(proc)
    log.close()


_session_worker: subprocess.Popen | None = None


def settle_celery(timeout: float = 30) -> None:
    """Before a transactional test's final TRUNCATE: no task it queued may still run.

    Tasks still in this run's queue are dropped (no later test should run them against its own
    data), and if the session's worker (``celery_worker_process``) is running, wait until it
    has finished the ones it already took: a task writing while TRUNCATE locks the tables is
    how the two deadlock. Tests that queue work from another thread (the SIP2 server) call it.
    """
    from django.conf import settings

    from config.celery import app

    with app.connection_for_write() as conn:
        for queue in queue_names(settings.CELERY_TASK_DEFAULT_QUEUE):
            conn.default_channel.queue_purge(queue)
    if _session_worker is None or _session_worker.poll() is not None:
        return
    name = f"test-{os.getpid()}@{os.uname().nodename}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        inspect = app.control.inspect(destination=[name], timeout=2.0)
        busy = [inspect.active(), inspect.reserved()]
        if all(reply is not None and not any(reply.values()) for reply in busy):
            return
        time.sleep(0.1)
    raise RuntimeError(f"the Celery worker still had tasks after {timeout} s")


def start_worker(env: dict, log, *, queues: list[str] | None = None) -> subprocess.Popen:
    """A real worker on this run's queues (all job kinds unless ``queues`` names some)."""
    (ROOT / ".data").mkdir(exist_ok=True)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            # Every job kind's queue of this run (config/queues.py): still the run's own.
            ",".join(queues or queue_names(env["CELERY_QUEUE"])),
            "--concurrency",
            "2",
            "--pool",
            "prefork",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"test-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    from config.celery import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        replies = app.control.ping(
            timeout=0.5, destination=[f"test-{os.getpid()}@{os.uname().nodename}"]
        )
        if replies:
            return proc
        if proc.poll() is not None:
            raise RuntimeError("celery worker exited at start; see .data/worker-*.log")
    raise RuntimeError("celery worker did not answer a ping within 60 s")


def stop_worker(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


# --- A browser ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        pytest.skip(
            f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server):
    # bypass_csp: Playwright's wait_for_function evaluates strings, which the site's CSP forbids;
    # tests/browser/test_content_security_policy.py uses a context that keeps the CSP.
    context = browser.new_context(locale="sv-SE", base_url=live_server.url, bypass_csp=True)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


def warm_reference_caches(now=None) -> None:
    """As a desk that has served requests: the per-process copies of the transport network and
    of the circulation reference data (rules, calendars, settings) are loaded and current, and
    the staff users created so far are committed (their copies are kept once loaded)."""
    from django.utils import timezone

    from circulation import config_cache
    from libraries import auth_backend
    from transport import network_cache

    auth_backend.reset()
    access.reset_access()

    network_cache._bump()
    network_cache.snapshot(now=now or timezone.now())
    config_cache.bump()
    config_cache.config()
