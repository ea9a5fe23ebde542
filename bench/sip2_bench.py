"""SIP2 under load: N terminals at once, each in a checkout → checkin loop over TCP.

    .venv/bin/python -m bench.sip2_bench --terminals 50 --seconds 60 --think-ms 1000 \
        --processes 2 --threads 8

The issue's goal is stated for 50 terminals at T1; the result records what it was measured
with: terminals, think time between a terminal's messages (``--think-ms``, uniform 0.5-1.5x;
0 = flat out), server processes (``--processes``, sharing the port with SO_REUSEPORT) and
worker threads per process (``--threads``), and the load average at start and end (the
machine is shared: compare runs only with their load).

Runs on a database filled by ``manage.py generate_consortium`` (never a real one). The server
runs as its own process (``manage.py sip2_server``), as in production, so the load generator
does not share its interpreter; each terminal is a thread with a blocking socket that logs in
once and then lends and returns books of its library to patrons in good standing. Reports p50,
p95 and p99 per message and messages per second; writes bench/results/sip2-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("CELERY_QUEUE", "bench")

ROOT = Path(__file__).resolve().parent.parent
TERMINAL = "bench-sip2"
PASSWORD = "bench-sip2-2025"
DATE = " " * 18


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terminals", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--warmup", type=float, default=5, help="seconds not recorded")
    parser.add_argument("--library", default="KGA")
    parser.add_argument("--port", type=int, default=6099)
    parser.add_argument("--threads", type=int, default=16, help="server worker threads")
    parser.add_argument("--processes", type=int, default=1, help="server processes (reuse_port)")
    parser.add_argument("--overhead", type=int, default=30, help="in-process pairs; 0: skip")
    parser.add_argument(
        "--think-ms",
        type=float,
        default=0,
        help="pause between a terminal's messages (uniform 0.5-1.5x); 0: flat out",
    )
    return parser.parse_args(argv)


def prepare(library_code: str, terminals: int) -> list[tuple[str, list[str]]]:
    """The terminal account, and for each terminal a card and its own books."""
    from django.contrib.auth import get_user_model

    from bench import fixtures
    from libraries.models import Library
    from sip2.models import Terminal
    from sip2.services import create_terminal

    library = Library.objects.get(code=library_code)
    user = get_user_model().objects.filter(username=TERMINAL).first()
    if user is None:
        create_terminal(
            username=TERMINAL, password=PASSWORD, library=library, pin_required=False,
            name="Benchmark",
        )  # fmt: skip
    else:
        Terminal.objects.filter(user=user).update(library=library, pin_required=False)
    cards = fixtures.normal_cards(terminals)
    items = [
        barcode
        for barcode, home, _other in fixtures.available_items(
            terminals * 40, offset_seed=int(time.time())
        )
        if home == library_code
    ]
    per = max(1, len(items) // terminals)
    return [(cards[k % len(cards)], items[k * per : (k + 1) * per]) for k in range(terminals)]


class Terminal(threading.Thread):
    def __init__(self, port: int, card: str, items: list[str], stop: threading.Event, go):
        super().__init__(daemon=True)
        self.port, self.card, self.items, self.stop, self.go = port, card, items, stop, go
        self.t0 = 0.0
        self.logged_in = threading.Event()
        self.think = 0.0
        self.rng = random.Random(card)
        self.samples: dict[str, list[tuple[float, float]]] = {"11": [], "09": []}
        self.errors = 0
        self.refused = 0

    def ask(self, sock: socket.socket, frame: str) -> bytes:
        sock.sendall(frame.encode())
        data = b""
        while not data.endswith(b"\r"):
            chunk = sock.recv(4096)
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data

    def run(self) -> None:
        try:
            self._run()
        finally:
            self.logged_in.set()  # also when the login failed: the runner waits for everyone

    def _run(self) -> None:
        try:
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=180)
            if not self.ask(sock, f"9300CN{TERMINAL}|CO{PASSWORD}|\r").startswith(b"941"):
                self.errors += 1
                return
            # Logins (a password hash each) are not part of the loop: start together after them.
            self.logged_in.set()
            self.go.wait()
            self.t0 = self.go.t0
            k = 0
            while not self.stop.is_set() and self.items:
                barcode = self.items[k % len(self.items)]
                k += 1
                for code, frame in (
                    ("11", f"11NN{DATE}{DATE}AO|AA{self.card}|AB{barcode}|AC|\r"),
                    ("09", f"09N{DATE}{DATE}AP|AO|AB{barcode}|AC|\r"),
                ):
                    started = time.perf_counter()
                    answer = self.ask(sock, frame)
                    elapsed = (time.perf_counter() - started) * 1000
                    self.samples[code].append((started - self.t0, elapsed))
                    if answer[2:3] != b"1":
                        self.refused += 1
                    if self.think:
                        self.stop.wait(self.think * self.rng.uniform(0.5, 1.5))
            sock.close()
        except OSError:
            self.errors += 1


def run_overhead(n: int, library_code: str) -> dict:
    """In this process, no sockets: the desk's services called directly vs the same
    checkout/check-in through ``Session.handle`` (parsing, role check, answer), alternating, so
    both see the same machine load. The difference is what SIP2 adds per message."""
    from django.utils import timezone

    from bench import fixtures
    from circulation import services
    from libraries.models import Library
    from sip2.session import Session

    library = Library.objects.get(code=library_code)
    cards = fixtures.normal_cards(2)
    items = [
        barcode
        for barcode, home, _other in fixtures.available_items(20 * n, offset_seed=int(time.time()))
        if home == library_code
    ][: 2 * n]
    session = Session(peer="bench")
    session.handle(f"9300CN{TERMINAL}|CO{PASSWORD}|".encode())
    samples: dict[str, list[float]] = {
        k: [] for k in ("service_11", "sip_11", "service_09", "sip_09")
    }

    def timed(name: str, fn) -> None:
        started = time.perf_counter()
        fn()
        samples[name].append((time.perf_counter() - started) * 1000)

    for k, barcode in enumerate(items):
        if k % 2:
            timed(
                "service_11",
                lambda b=barcode: services.check_out(
                    card_number=cards[0], barcode=b, library=library, staff=None, now=timezone.now()
                ),
            )
            timed(
                "service_09",
                lambda b=barcode: services.check_in(
                    barcode=b, library=library, staff=None, now=timezone.now()
                ),
            )
        else:
            timed(
                "sip_11",
                lambda b=barcode: session.handle(
                    f"11NN{DATE}{DATE}AO|AA{cards[1]}|AB{b}|AC|".encode()
                ),
            )
            timed(
                "sip_09",
                lambda b=barcode: session.handle(f"09N{DATE}{DATE}AP|AO|AB{b}|AC|".encode()),
            )
    return {name: round(percentile(values, 50), 1) for name, values in samples.items()}  # fmt: skip


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[max(0, min(len(values) - 1, round(p / 100 * len(values) + 0.5) - 1))]


def start_servers(args: argparse.Namespace) -> list[subprocess.Popen]:
    command = [
        sys.executable, "manage.py", "sip2_server", "--host", "127.0.0.1", "--port",
        str(args.port), "--threads", str(args.threads),
    ]  # fmt: skip
    if args.processes > 1:
        command.append("--reuse-port")
    servers = [
        subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
        for _ in range(args.processes)
    ]
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", args.port), timeout=1).close()
            return servers
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the SIP2 server did not start")


def main(argv: list[str] | None = None) -> dict:
    args = parse(argv)
    import django

    django.setup()
    from bench import report

    plan = prepare(args.library, args.terminals)
    overhead = run_overhead(args.overhead, args.library) if args.overhead else {}
    os.environ["LOG_LEVEL"] = "WARNING"  # the server logs every message at INFO
    servers = start_servers(args)
    stop, go = threading.Event(), threading.Event()
    terminals = [Terminal(args.port, card, items, stop, go) for card, items in plan]
    for terminal in terminals:
        terminal.think = args.think_ms / 1000
    try:
        for terminal in terminals:
            terminal.start()
        deadline = time.time() + 300
        for terminal in terminals:
            terminal.logged_in.wait(max(0, deadline - time.time()))
        load_at_start = [round(x, 2) for x in os.getloadavg()]
        go.t0 = time.perf_counter()
        go.set()
        time.sleep(args.warmup + args.seconds)
        stop.set()
        for terminal in terminals:
            terminal.join(60)
    finally:
        for server in servers:
            server.terminate()
            server.wait(30)
    rows = {}
    for code, name in (("11", "checkout"), ("09", "checkin")):
        samples = [
            ms for t in terminals for at, ms in t.samples[code] if at >= args.warmup
        ]  # fmt: skip
        rows[name] = {
            "n": len(samples),
            "p50": round(percentile(samples, 50), 1),
            "p95": round(percentile(samples, 95), 1),
            "p99": round(percentile(samples, 99), 1),
        }
    total = sum(row["n"] for row in rows.values())
    result = {
        "started": datetime.now().astimezone().isoformat(timespec="seconds"),
        "terminals": args.terminals,
        "server_processes": args.processes,
        "server_threads": args.threads,
        "seconds": args.seconds,
        "think_ms": args.think_ms,
        "messages_per_second": round(total / args.seconds, 1),
        "refused": sum(t.refused for t in terminals),
        "errors": sum(t.errors for t in terminals),
        "rows": rows,
        "in_process_p50_ms": overhead,
        "machine": report.machine_facts(),
        "load_average": {"start": load_at_start, "end": [round(x, 2) for x in os.getloadavg()]},
    }
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"sip2-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
