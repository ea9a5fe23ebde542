"""End to end over HTTP against gunicorn (2 gthread workers × 4 threads, as in production;
DEBUG off) on 127.0.0.1 only: desk operations one at a time, and a bounded mixed load
(circulation at a fixed rate plus OPAC users with think time). Stdlib http.client; every loop
stops by itself."""

from __future__ import annotations

import http.client
import json
import os
import random
import secrets
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from importlib import import_module
from pathlib import Path
from urllib.parse import urlencode

from bench import fixtures
from bench.search_bench import QUERIES
from bench.stats import Series

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(workers: int = 2, threads: int = 4):
    """gunicorn with production-like settings (threaded workers as docker-compose.yml runs
    them, DEBUG off, a secret key, persistent DB connections) on a free loopback port;
    stopped on exit."""
    from django.conf import settings
    from django.db import connection

    from config.dburl import url_from_database

    db = connection.settings_dict
    port = _free_port()
    env = {
        **os.environ,
        # The database this process uses (under pytest: the test database).
        "DATABASE_URL": url_from_database(db),
        "DJANGO_DEBUG": "0",
        # The session written by staff_headers() is signed with this process's key.
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
    }
    # DEBUG off serves static files through the manifest storage: it needs collectstatic.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT, env=env, check=True,
    )  # fmt: skip
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    log = open(ROOT / "bench" / "results" / "gunicorn.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"{HOST}:{port}",
         "--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads),
         "--timeout", "60", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if _request(port, "GET", "/healthz", None, {})[0] == 200:
                    break
            except OSError:
                time.sleep(0.3)
        else:
            raise RuntimeError("gunicorn did not answer /healthz within 60 s")
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def staff_headers() -> dict:
    """A logged-in staff session (written to the session store as a login would) and a CSRF
    token pair, as a browser at the desk would send them."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    user = fixtures.bench_user()
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    csrf = secrets.token_hex(16)
    return {
        "Cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}; "
        f"{settings.CSRF_COOKIE_NAME}={csrf}",
        "X-CSRFToken": csrf,
        "Content-Type": "application/json",
    }


def _request(port: int, method: str, path: str, body: dict | None, headers: dict):
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request(method, path, json.dumps(body) if body is not None else None, headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def timed_request(port, method, path, body, headers, series: Series, expect: int):
    started = time.perf_counter()
    try:
        status, content = _request(port, method, path, body, headers)
    except OSError as error:
        series.errors += 1
        series.note = str(error)[:200]
        return None
    series.add((time.perf_counter() - started) * 1000)
    if status != expect:
        series.errors += 1
        series.note = f"{path} {status}: {content[:160]!r}"
        return None
    return json.loads(content) if content and method == "POST" else content


def run_desk_http(port: int, n: int, warmup: int = 10) -> dict[str, Series]:
    headers = staff_headers()
    cards = fixtures.normal_cards(200)
    items = fixtures.available_items(n + warmup, offset_seed=13 + int(time.time()))
    desks = fixtures.desks(cards, items)
    out = {k: Series(f"http_{k}") for k in ("checkout", "renew", "checkin")}
    warm = Series("warmup")
    loans = []
    for k, d in enumerate(desks):
        body = {"card": d.card, "barcode": d.barcode, "library": d.library}
        s = warm if k < warmup else out["checkout"]
        loan = timed_request(port, "POST", "/api/v1/checkouts/", body, headers, s, 201)
        loans.append(loan["id"] if loan else None)
    from bench.circulation_bench import _due_tomorrow

    _due_tomorrow([loan_id for loan_id in loans if loan_id])  # else refused as too soon
    for k, (d, loan_id) in enumerate(zip(desks, loans, strict=True)):
        if loan_id:
            s = warm if k < warmup else out["renew"]
            path = f"/api/v1/loans/{loan_id}/renew/"
            timed_request(port, "POST", path, {"library": d.library}, headers, s, 200)
    for k, d in enumerate(desks):
        s = warm if k < warmup else out["checkin"]
        body = {"barcode": d.barcode, "library": d.library}
        timed_request(port, "POST", "/api/v1/checkins/", body, headers, s, 200)
    return out


def run_mixed(port: int, *, seconds: float, circ_rate: float, opac_users: int) -> dict:
    """``circ_rate`` checkouts/check-ins per second (open loop: scheduled, not waiting for the
    previous one) plus ``opac_users`` threads searching with 0.5–3.5 s think time."""
    headers = staff_headers()
    pairs = int(seconds * circ_rate / 2) + 15
    desks = fixtures.desks(
        fixtures.normal_cards(300),
        fixtures.available_items(pairs, offset_seed=17 + int(time.time())),
    )
    circ, opac = Series("mixed_circulation"), Series("mixed_opac")
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def circ_op(k: int) -> None:
        # Even: a checkout; odd: the check-in of the item lent ten checkouts (0.8 s) earlier
        # (the first ten check-ins find items on the shelf, which is harmless).
        lag = 10
        d = desks[(k // 2 + (0 if k % 2 else lag)) % len(desks)]
        if k % 2 == 0:
            body, path, expect = (
                {"card": d.card, "barcode": d.barcode, "library": d.library},
                "/api/v1/checkouts/",
                201,
            )
        else:
            body, path, expect = (
                {"barcode": d.barcode, "library": d.library},
                "/api/v1/checkins/",
                200,
            )
        local = Series("x")
        timed_request(port, "POST", path, body, headers, local, expect)
        with lock:
            circ.ms += local.ms
            circ.errors += local.errors
            circ.note = local.note or circ.note

    def opac_user(seed: int) -> None:
        rng = random.Random(seed)
        while time.monotonic() < stop_at:
            _label, params = rng.choice(QUERIES)
            local = Series("x")
            timed_request(port, "GET", "/sok/?" + urlencode(params), None, {}, local, 200)
            with lock:
                opac.ms += local.ms
                opac.errors += local.errors
                opac.note = local.note or opac.note
            time.sleep(rng.uniform(0.5, 3.5))

    users = [threading.Thread(target=opac_user, args=(i,), daemon=True) for i in range(opac_users)]
    for t in users:
        t.start()
    # Checkout k and check-in k+1 of the same item alternate; each op runs in its own thread
    # so a slow answer does not delay the schedule (bounded: seconds × rate threads in all).
    workers = []
    started = time.monotonic()
    k = 0
    while time.monotonic() < stop_at and k < 2 * (len(desks) - 10):
        due = started + k / circ_rate
        time.sleep(max(0.0, due - time.monotonic()))
        t = threading.Thread(target=circ_op, args=(k,), daemon=True)
        t.start()
        workers.append(t)
        k += 1
    for t in workers + users:
        t.join(timeout=60)
    all_ms = Series("mixed_all")
    all_ms.ms = circ.ms + opac.ms
    all_ms.errors = circ.errors + opac.errors
    return {
        "seconds": seconds,
        "circ_rate": circ_rate,
        "opac_users": opac_users,
        "achieved_rps": round((len(circ.ms) + len(opac.ms)) / seconds, 1),
        "series": {s.name: s for s in (all_ms, circ, opac)},
    }
