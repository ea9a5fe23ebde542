"""Operations: Celery's delivery settings and beat schedule, log redaction end to end,
production settings (`check --deploy`), and the gunicorn command line of docker-compose.yml."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.db import connection
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent
PERSONNUMMER = "198001011234"
PASSWORD = "pin=4711 hunter2-secret"  # the secret the logs must not show


# --- Celery -------------------------------------------------------------------------------


def test_celery_acknowledges_late_and_prefetches_one_task():
    from config.celery import app

    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_serializer == "json"


def test_beat_schedule_lives_in_code_and_names_registered_tasks():
    from config.celery import app

    app.loader.import_default_modules()  # what a worker does at start: autodiscover tasks
    schedule = app.conf.beat_schedule
    assert schedule, "CELERY_BEAT_SCHEDULE is empty"
    unknown = {
        name: entry["task"] for name, entry in schedule.items() if entry["task"] not in app.tasks
    }
    assert not unknown, f"beat entries name tasks no worker knows: {unknown}"


# --- Logs ---------------------------------------------------------------------------------


@contextlib.contextmanager
def all_log_output():
    """Point every stream handler of every logger at one buffer: what would reach the console."""
    buffer = io.StringIO()
    loggers = [logging.getLogger(), *logging.root.manager.loggerDict.values()]
    handlers = {
        handler
        for logger in loggers
        for handler in getattr(logger, "handlers", [])
        if type(handler) is logging.StreamHandler  # the console; not files, not pytest's capture
    }
    swapped = [(handler, handler.setStream(buffer)) for handler in handlers]
    try:
        yield buffer
    finally:
        for handler, stream in swapped:
            handler.setStream(stream)


@pytest.mark.django_db
def test_failed_login_leaves_no_personnummer_or_password_in_the_logs(
    settings, desk_staff_karlskoga
):
    settings.DEBUG = True  # Django's debug-only console handler would be active in development
    sql_logger = logging.getLogger("django.db.backends")
    old_level, connection.force_debug_cursor = sql_logger.level, True
    sql_logger.setLevel(logging.DEBUG)  # a developer turned SQL logging on: usernames in queries
    try:
        with all_log_output() as logs:
            response = Client().post(
                "/staff/login/", {"username": PERSONNUMMER, "password": PASSWORD}
            )
            assert response.status_code == 200  # the form again, with an error
            assert not response.wsgi_request.user.is_authenticated
            # Without a CSRF token: Django logs a warning about the refused request.
            refused = Client(enforce_csrf_checks=True).post(
                "/staff/login/", {"username": "19800101-1234", "password": PASSWORD}
            )
            assert refused.status_code == 403
            # A 404 whose path carries a personnummer is logged by django.request.
            Client().get(f"/staff/no-such-page/{PERSONNUMMER}/?pin=4711")
    finally:
        sql_logger.setLevel(old_level)
        connection.force_debug_cursor = False
    output = logs.getvalue()
    assert "auth_user" in output and "Forbidden" in output and "Not Found" in output  # logged
    assert "[redacted]" in output
    for secret in (PERSONNUMMER, "19800101-1234", "4711", "hunter2"):
        assert secret not in output, f"{secret!r} leaked into the logs:\n{output}"


# --- Production settings and the production web server --------------------------------------


def production_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="granslos.example",
        DJANGO_CSRF_TRUSTED_ORIGINS="https://granslos.example",
        DATABASE_URL=database_url(),
        REDIS_URL=settings.REDIS_URL,
    )
    return env


def database_url() -> str:
    """A URL for the database this test run uses (the test database once it is set up)."""
    from config.dburl import url_from_database

    return url_from_database(connection.settings_dict)


def test_production_settings_pass_check_deploy_without_warnings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["DJANGO_SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def compose_web_command(port: int) -> list[str]:
    """docker-compose.yml's web command, bound to a free local port instead of 0.0.0.0:8000."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    command = list(compose["services"]["web"]["command"])
    assert command[:2] == ["gunicorn", "config.wsgi"]
    bind = command.index("--bind") + 1
    assert command[bind] == "0.0.0.0:8000"
    command[bind] = f"127.0.0.1:{port}"
    return [sys.executable, "-m", *command]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers={"Host": "granslos.example"})  # noqa: S310

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


@pytest.mark.django_db
def test_compose_gunicorn_command_boots_with_production_settings_and_answers_healthz():
    port = free_port()
    server = subprocess.Popen(
        compose_web_command(port),
        cwd=ROOT,
        env=production_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _, body = get(f"http://127.0.0.1:{port}/healthz")
                break
            # TimeoutError: a worker still booting on a busy machine accepted but did not answer.
            except (ConnectionError, TimeoutError, urllib.error.URLError):
                assert server.poll() is None, server.stdout.read().decode()
                assert time.monotonic() < deadline, "gunicorn did not answer within 60 s"
                time.sleep(0.3)
        assert status == 200, body
        assert body == b'{"status": "ok", "database": "ok", "redis": "ok"}'
        # DEBUG is off and plain http is redirected to https (behind the TLS proxy).
        status, headers, _ = get(f"http://127.0.0.1:{port}/")
        assert status == 301 and headers["Location"] == "https://granslos.example/"
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)


# --- The demo consortium's staff logins ----------------------------------------------------


@pytest.mark.django_db
def test_demo_staff_logins_printed_by_dev_py_work_and_seeding_twice_changes_nothing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
    import re

    from django.contrib.auth import authenticate
    from django.core.management import call_command

    from circulation.management.commands.seed_demo import create_demo_staff
    from libraries.access import load_access
    from libraries.models import StaffRole

    assert create_demo_staff() == 17  # 3 per member library, pool, consortium
    roles = StaffRole.objects.count()
    assert create_demo_staff() == 0 and StaffRole.objects.count() == roles

    out = io.StringIO()
    call_command("seed_demo", "--logins", stdout=out)  # what `python3 dev.py run` prints
    logins = re.findall(r"^ {4}([a-z]+(?:-[a-z]+)?) +(demo-[a-z]+) ", out.getvalue(), re.MULTILINE)
    assert len(logins) == 8
    for username, password in logins:
        assert authenticate(username=username, password=password) is not None, username
    pool = load_access(authenticate(username="pool", password="demo-pool"))
    assert {lib.code for lib in pool.libraries} == {"DEG", "STO"}
    consortium = load_access(authenticate(username="consortium", password="demo-consortium"))
    assert consortium.is_consortium_admin
