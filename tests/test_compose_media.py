"""Uploads under docker compose: web stores a MARC file, the worker reads it. Both must see the
same folder (a shared named volume) and the image's user must be able to write it."""

from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def app_env() -> dict:
    return COMPOSE["x-app"]["environment"]


def media_dir() -> str:
    return app_env()["GRANSLOS_MEDIA_DIR"]


def mounts(service: str) -> dict[str, str]:
    """container path → named volume of a service."""
    found = {}
    for entry in COMPOSE["services"][service].get("volumes", []):
        volume, path = entry.split(":")[:2]
        found[path] = volume
    return found


def image_user() -> str:
    return re.findall(r"^USER (\S+)", DOCKERFILE, re.M)[-1]


def test_web_and_worker_share_one_named_volume_at_the_media_dir():
    path = media_dir()
    assert path.startswith("/") and not path.startswith("/app")  # /app belongs to root
    volume = mounts("web").get(path)
    assert volume is not None and volume == mounts("worker").get(path)
    assert volume in COMPOSE["volumes"]
    # The environment reaches both (web and worker merge the shared app environment).
    for service in ("web", "worker"):
        env = COMPOSE["services"][service]["environment"]
        assert env["GRANSLOS_MEDIA_DIR"] == path


def test_the_image_creates_the_media_dir_for_its_user():
    path = media_dir()
    assert f"ENV GRANSLOS_MEDIA_DIR={path}" in DOCKERFILE
    user = image_user()
    assert user == "granslos"
    assert re.search(r'mkdir -p [^\n]*"\$GRANSLOS_MEDIA_DIR"', DOCKERFILE)
    parent = str(Path(path).parent)
    assert re.search(rf"chown -R {user} {re.escape(parent)}\b", DOCKERFILE)


SCRIPT = """
import sys, django
django.setup()
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
mode, name = sys.argv[1], sys.argv[2]
print(settings.MEDIA_ROOT)
if mode == "web":
    print(default_storage.save(name, ContentFile(b"00026nam a2200025 a 4500")))
else:
    with default_storage.open(name, "rb") as fh:
        print(fh.read().decode())
"""


def run_as_app(mode: str, name: str, env: dict, uid: int | None) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, mode, name],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        user=uid,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.split("\n")


@pytest.fixture
def root_dir():
    """A temporary root another user can traverse (pytest's tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="granslos-compose-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_an_upload_stored_by_web_is_read_by_the_worker(root_dir):
    """The compose paths and user, mirrored under a temporary root: web (one process) stores
    the file through the app's storage, the worker (another process) reads it."""
    tmp_path = root_dir
    volume = tmp_path / media_dir().lstrip("/")
    volume.mkdir(parents=True)
    uid = None
    if os.geteuid() == 0:  # as the image does: a non-root user that owns only the volume
        uid = pwd.getpwnam("nobody").pw_uid
        os.chown(volume, uid, -1)  # the image chowns only its media folder
    env = {
        **os.environ,
        "GRANSLOS_MEDIA_DIR": str(volume),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    root, saved = run_as_app("web", "marc-imports/upload.mrc", env, uid)[:2]
    assert root == str(volume)
    assert (volume / saved).is_file()
    if uid is not None:
        assert (volume / saved).stat().st_uid == uid
    assert run_as_app("worker", saved, env, uid)[1] == "00026nam a2200025 a 4500"


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to try another user")
def test_the_old_default_under_app_was_not_writable_by_the_image_user(root_dir):
    """Why the volume is outside /app: a root-owned /app/.data refuses the image's user."""
    app = root_dir / "app"
    (app / ".data").mkdir(parents=True)
    for folder in (app, app / ".data"):
        folder.chmod(0o755)
    env = {
        **os.environ,
        "GRANSLOS_MEDIA_DIR": str(app / ".data" / "media"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, "web", "marc-imports/x.mrc"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        user=pwd.getpwnam("nobody").pw_uid,
        check=False,
    )
    assert result.returncode != 0 and "PermissionError" in result.stderr
