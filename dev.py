#!/usr/bin/env python3
"""Gränslös developer launcher — needs only Python 3.11+ (standard library only).

  python3 dev.py run     set up .venv, migrate, seed the demo if empty, start web + worker + beat
  python3 dev.py test    set up .venv, run the whole test suite (extra arguments go to pytest)
  python3 dev.py setup   only create/refresh .venv

The virtualenv is (re)installed when pyproject.toml changes (a hash stamp in .venv). With no
DATABASE_URL / REDIS_URL in the environment the embedded PostgreSQL and Redis are started once
here and their URLs handed to every child process, so web, worker and beat share them.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PY = VENV / "bin" / "python"
STAMP = VENV / ".granslos-installed"
DATA = Path(os.environ.get("GRANSLOS_DATA_DIR", ROOT / ".data")).resolve()
HOST, PORT = "127.0.0.1", int(os.environ.get("PORT", "8000"))


def say(message: str) -> None:
    print(f"[dev] {message}", flush=True)


def requirements_hash() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def ensure_venv() -> None:
    """Create .venv and install .[dev] on first use, re-install when pyproject.toml changed."""
    if sys.version_info < (3, 11):  # noqa: UP036 — dev.py may be started by an older python3
        sys.exit("Gränslös needs Python 3.11 or newer")
    if not PY.exists():
        say(f"creating virtualenv in {VENV}")
        try:
            venv.EnvBuilder(with_pip=True, clear=VENV.exists()).create(VENV)
        except subprocess.CalledProcessError:
            sys.exit(
                "could not create a virtualenv with pip (Debian/Ubuntu: apt install python3-venv)"
            )
    wanted = requirements_hash()
    if STAMP.exists() and STAMP.read_text().strip() == wanted:
        return
    say("installing dependencies (pip install .[dev]) — first run takes a few minutes")
    started = time.monotonic()
    pip = [str(PY), "-m", "pip", "--disable-pip-version-check"]
    subprocess.run([*pip, "install", "--quiet", "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "install", "--quiet", f"{ROOT}[dev]"], check=True, cwd=ROOT)
    STAMP.write_text(wanted + "\n")
    say(f"dependencies installed in {time.monotonic() - started:.0f} s")


def manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run([str(PY), "manage.py", *args], cwd=ROOT, env=env, check=True)


def embedded_running() -> bool:
    return (DATA / "postgres" / "postmaster.pid").exists() or (
        DATA / "redis" / "redis.sock"
    ).exists()


def service_env() -> tuple[dict[str, str], bool]:
    """The environment for children: configured services, or the embedded ones started here.

    Returns the environment and whether the embedded services were started by this call (and
    should be stopped when we stop).
    """
    env = dict(os.environ)
    if env.get("DATABASE_URL") and env.get("REDIS_URL"):
        return env, False
    was_running = embedded_running()
    for name, function in (("DATABASE_URL", "postgres_url"), ("REDIS_URL", "redis_url")):
        if not env.get(name):
            say(f"starting embedded {'PostgreSQL' if name == 'DATABASE_URL' else 'Redis'}")
            env[name] = subprocess.run(
                [str(PY), "-c", f"from config import embedded; print(embedded.{function}())"],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout.strip()
    return env, not was_running


def stop_embedded(env: dict[str, str]) -> None:
    say("stopping embedded PostgreSQL and Redis (data is kept in .data/)")
    subprocess.run(
        [str(PY), "-c", "from config import embedded; embedded.stop()"], cwd=ROOT, env=env
    )


def stop_all(children: list[subprocess.Popen], grace: float = 10.0) -> None:
    """SIGTERM every child's process group, wait, then SIGKILL whatever is left."""
    for child in children:
        if child.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for child in children:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
    for child in children:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)  # also ends grandchildren left in the group
        child.wait()


def run(args: list[str]) -> int:
    ensure_venv()
    env, started_embedded = service_env()
    env.setdefault("DJANGO_DEBUG", "1")
    env.setdefault("PYTHONUNBUFFERED", "1")
    DATA.mkdir(parents=True, exist_ok=True)
    children: list[subprocess.Popen] = []

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    # Explicit handlers: a shell that starts us in the background leaves SIGINT ignored.
    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)
    try:
        say("migrating the database")
        manage("migrate", "--noinput", env=env)
        manage("seed_demo", "--if-empty", env=env)
        manage("collectstatic", "--noinput", "--verbosity", "0", env=env)
        logins = subprocess.run(
            [str(PY), "manage.py", "seed_demo", "--logins"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.rstrip()
        commands = {
            "web": [str(PY), "manage.py", "runserver", f"{HOST}:{PORT}"],
            "worker": [str(PY), "-m", "celery", "-A", "config", "worker", "--loglevel", "INFO"],
            "beat": [
                str(PY),
                "-m",
                "celery",
                "-A",
                "config",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                str(DATA / "celerybeat-schedule"),
            ],
        }
        for name, command in commands.items():
            say(f"starting {name}: {' '.join(command[1:])}")
            # Own process group each: Ctrl-C reaches only us, and we stop each group in turn.
            children.append(subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True))
        time.sleep(2)
        print(
            f"\n  Gränslös is running:\n"
            f"    OPAC (public)   http://{HOST}:{PORT}/\n"
            f"    Staff desk      http://{HOST}:{PORT}/staff/login/\n"
            f"    API docs        http://{HOST}:{PORT}/api/docs/\n"
            f"    Health          http://{HOST}:{PORT}/healthz\n\n"
            f"  Demo logins:\n{logins}\n\n  Press Ctrl-C to stop.\n",
            flush=True,
        )
        while True:
            for name, child in zip(commands, children, strict=True):
                if child.poll() is not None:
                    say(f"{name} exited with code {child.returncode}; stopping the others")
                    return 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        say("stopping web, worker and beat")
        return 0
    except subprocess.CalledProcessError as exc:
        say(f"failed: {' '.join(map(str, exc.cmd))} (exit {exc.returncode})")
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not skip cleanup
        stop_all(children)
        if started_embedded:
            stop_embedded(env)
        say("stopped")


def test(args: list[str]) -> int:
    ensure_venv()
    env = dict(os.environ)
    env.setdefault("PYTHONUNBUFFERED", "1")
    uses_embedded = not (env.get("DATABASE_URL") and env.get("REDIS_URL"))
    stop_after = uses_embedded and not embedded_running()
    if uses_embedded:
        say("no DATABASE_URL/REDIS_URL: tests use the embedded PostgreSQL and Redis")
    if not Path("/usr/bin/chromium").exists():
        say("no /usr/bin/chromium: browser tests will be skipped (apt-get install chromium)")
    DATA.mkdir(parents=True, exist_ok=True)  # worker logs of the tests go there
    command = [str(PY), "-m", "pytest", *args]
    if not any(arg.startswith("-m") for arg in args):
        command[3:3] = ["-m", "not slow"]  # scale tests run only when asked for: -m slow
    say(" ".join(command[1:]))
    started = time.monotonic()
    try:
        code = subprocess.run(command, cwd=ROOT, env=env).returncode
    finally:
        if stop_after:
            stop_embedded(env)
    say(f"test suite finished in {time.monotonic() - started:.0f} s with exit code {code}")
    if code == 5:
        say("pytest collected no tests: that counts as a failure")
        return 1
    return code


def main() -> int:
    commands = {"run": run, "test": test, "setup": lambda args: ensure_venv() or 0}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__)
        return 2
    os.chdir(ROOT)
    return commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
