"""The benchmark runner: ``python -m bench.run --scale T1`` on a database filled by
``manage.py generate_consortium --scale T1``. Writes bench/results/<scale>-<time>.json/.md.

    export DATABASE_URL=postgresql://postgres@127.0.0.1:5432/granslos_t1
    .venv/bin/python -m bench.run --scale T1

It changes the data it runs on (loans are made and ended, transfers start), so run it on a
benchmark database, never on a real one. Tasks it enqueues go to a queue of their own
("bench"), which is emptied at the end.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("CELERY_QUEUE", "bench")

DEFAULTS = {  # iterations per operation, OPAC rounds, import size, routing items, mixed seconds
    "T0": {"n": 200, "rounds": 5, "import": 5_000, "routing": 2_000, "mixed": 30, "http": 100},
    "T1": {"n": 400, "rounds": 10, "import": 50_000, "routing": 10_000, "mixed": 180, "http": 300},
    "T2": {"n": 400, "rounds": 10, "import": 50_000, "routing": 10_000, "mixed": 180, "http": 300},
    "T3": {"n": 400, "rounds": 10, "import": 50_000, "routing": 10_000, "mixed": 180, "http": 300},
}


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(DEFAULTS), default="T1")
    parser.add_argument("--iterations", type=int, help="per desk operation (after warm-up)")
    parser.add_argument("--rounds", type=int, help="rounds over the OPAC query set")
    parser.add_argument("--import-records", type=int)
    parser.add_argument("--routing-items", type=int)
    parser.add_argument("--mixed-seconds", type=float)
    parser.add_argument("--http-iterations", type=int)
    parser.add_argument(
        "--targeting-rounds", type=int, default=3, help="hold targeting runs (each undone)"
    )
    parser.add_argument(
        "--only",
        default="desk,services,heavy,renewall,floor,search,import,routing,holds,http,mixed",
        help="comma-separated parts to run",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    args = parse(argv)
    import django

    django.setup()
    from bench import batch_bench, circulation_bench, report, search_bench
    from bench.stats import Series

    d = DEFAULTS[args.scale]
    n = args.iterations or d["n"]
    parts = set(args.only.split(","))
    rows: dict[str, Series] = {}
    result: dict = {
        "scale": args.scale,
        "started": datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": report.machine_facts(),
        "data": _data_counts(),
    }

    def log(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)

    if "holds" in parts:
        # First, while every generated waiting hold is still waiting (check-ins catch some).
        from bench import hold_bench

        log(f"hold targeting over the waiting holds, {args.targeting_rounds} rounds")
        result["holds"], rows["hold_targeting"] = hold_bench.run_targeting(args.targeting_rounds)
    if "desk" in parts:
        from bench import hold_bench

        log(f"desk operations in-process, {n} each")
        rows |= circulation_bench.run_desk(n)
        log(f"desk operations through the WSGI application, {n} each")
        rows |= circulation_bench.run_desk_wsgi(n)
        rows |= hold_bench.run_checkin_hold(n)
    if "services" in parts:
        from bench import hold_bench

        log("the same through the services")
        rows |= {s.name: s for s in circulation_bench.run_services(max(20, n // 2)).values()}
        rows |= hold_bench.run_service_checkin_hold(max(20, n // 2))
    if "heavy" in parts:
        log("patron with 1,000 open loans")
        rows |= circulation_bench.run_heavy(max(20, n // 2))
    if "renewall" in parts:
        log("renew-all of 100 loans")
        rows |= circulation_bench.run_renew_all(limit=max(3, n // 10))
    if "floor" in parts and "checkout" in rows:
        log("raw-SQL floor of a checkout")
        floor = circulation_bench.run_floor(
            n, rows.get("service_checkout", rows["checkout"]), services_rows=rows
        )
        p50 = rows["checkout"].summary()["p50"]
        floor["request_checkout_p50"] = p50
        floor["overhead_factor_request"] = round(p50 / floor["floor"]["p50"], 2)
        for name, floor_name in (
            ("renew", "floor_renew"), ("checkin", "floor_checkin"), ("wsgi_checkout", "floor"),
            ("wsgi_renew", "floor_renew"), ("wsgi_checkin", "floor_checkin"),
        ):  # fmt: skip  # the request's p50 against its own floor
            if name in rows and rows[name].ms and floor[floor_name]["p50"]:
                p50 = rows[name].summary()["p50"]
                floor[f"request_{name}_p50"] = p50
                floor[f"overhead_factor_request_{name}"] = round(p50 / floor[floor_name]["p50"], 2)
        result["floor"] = floor
    if "search" in parts:
        log(f"OPAC search, {len(search_bench.QUERIES)} queries × {args.rounds or d['rounds']}")
        rows |= search_bench.run_warm(args.rounds or d["rounds"])
        rows |= search_bench.run_cold(max(1, (args.rounds or d["rounds"]) // 5))
    if "import" in parts:
        log(f"MARC import of {args.import_records or d['import']} records")
        result["import"] = batch_bench.run_import(args.import_records or d["import"])
    if "routing" in parts:
        log(f"routing {args.routing_items or d['routing']} returned items")
        result["routing"] = batch_bench.run_routing(args.routing_items or d["routing"])
    if parts & {"http", "mixed"}:
        from bench import http_bench

        with http_bench.gunicorn(workers=2) as port:
            if "http" in parts:
                k = args.http_iterations or d["http"]
                log(f"HTTP against gunicorn (2 workers), {k} each")
                rows |= {s.name: s for s in http_bench.run_desk_http(port, k).values()}
            if "mixed" in parts:
                seconds = args.mixed_seconds if args.mixed_seconds is not None else d["mixed"]
                log(f"mixed load for {seconds:g} s")
                mixed = http_bench.run_mixed(port, seconds=seconds, circ_rate=25, opac_users=50)
                rows |= mixed.pop("series")
                result["mixed"] = mixed
    _purge_queue()
    result["rows"] = {name: s.summary() for name, s in rows.items() if s.ms or s.errors}
    result["verdicts"] = report.verdicts(result["rows"])
    heavy, normal = result["rows"].get("heavy_checkout"), result["rows"].get("checkout")
    if heavy and normal:
        ratio = round(heavy["p95"] / normal["p95"], 2)
        result["verdicts"].append(
            {"row": "heavy_checkout", "goal": "p95 ≤ 1.5 × checkout p95", "value": ratio,
             "met": ratio <= 1.5}
        )  # fmt: skip
    if "floor" in result:
        factor = result["floor"]["overhead_factor_request"]
        result["verdicts"].append(
            {"row": "checkout", "goal": "p50 ≤ 4 × raw-SQL floor", "value": factor,
             "met": factor <= 4}
        )  # fmt: skip
    if "import" in result:
        for key, limit in (("create_only", 1000), ("with_matching", 300)):
            rate = result["import"][key]["rate"]
            result["verdicts"].append(
                {"row": f"import {key}", "goal": f"≥ {limit} records/s", "value": rate,
                 "met": rate >= limit}
            )  # fmt: skip
    if "routing" in result:
        took = result["routing"]["sweep_seconds"]
        result["verdicts"].append(
            {"row": "routing sweep", "goal": f"{result['routing']['items']} items ≤ 10 s",
             "value": took, "met": took <= 10}
        )  # fmt: skip
    if "holds" in result:
        took, holds = result["holds"]["seconds_max"], result["holds"]["holds_considered"]
        result["verdicts"].append(
            {"row": "hold targeting", "goal": f"{holds} holds ≤ 5 s", "value": took,
             "met": took is not None and took <= 5}
        )  # fmt: skip
        same = result["holds"]["statements"] == result["holds"]["subset"]["statements"]
        result["verdicts"].append(
            {"row": "hold targeting", "goal": "statements constant in the number of holds",
             "value": f"{result['holds']['statements']} (1,000 holds: "
                      f"{result['holds']['subset']['statements']})",
             "met": same}
        )  # fmt: skip
    result["finished"] = datetime.now().astimezone().isoformat(timespec="seconds")
    json_path, md_path = report.write(result, scale=args.scale)
    log(f"wrote {json_path} and {md_path}")
    print(md_path.read_text())
    return result


def _data_counts() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT (SELECT count(*) FROM catalog_record), (SELECT count(*) FROM catalog_item),
                      (SELECT count(*) FROM patrons_patron),
                      (SELECT count(*) FROM circulation_loan WHERE returned_at IS NULL),
                      (SELECT count(*) FROM circulation_loan WHERE returned_at IS NOT NULL)"""
        )
        keys = ("records", "items", "patrons", "open_loans", "returned_loans")
        return dict(zip(keys, cursor.fetchone(), strict=True))


def _purge_queue() -> None:
    """Drop the tasks this run enqueued (transfer planning) from its own queue."""
    try:
        import redis
        from django.conf import settings

        client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
        from config.queues import queue_names

        client.delete(*queue_names(settings.CELERY_TASK_DEFAULT_QUEUE))
    except Exception as error:
        print(f"could not purge the bench queue: {error}")


if __name__ == "__main__":
    main()
