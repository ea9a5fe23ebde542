"""EXPLAIN (ANALYZE, BUFFERS) of the main search statement the OPAC issues for each query of
``bench.search_bench.QUERIES``: server time and buffers, which a loaded machine disturbs far
less than wall-clock percentiles.

    export DATABASE_URL=postgresql://postgres@127.0.0.1:5432/granslos_t1
    .venv/bin/python -m bench.search_explain [--rounds 3] [--plans] [--only "facet available"]

Per query: the best server execution time of ``--rounds`` runs (after one warm-up), the shared
buffers hit + read of that run, and the planner's time. ``--plans`` prints the plans.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def _buffers(plan: dict) -> int:
    return plan.get("Shared Hit Blocks", 0) + plan.get("Shared Read Blocks", 0)


def explain(params: dict, rounds: int) -> tuple[float, float, int, str]:
    """(best execution ms, its planning ms, its shared buffers, the text plan of the last run)."""
    from django.db import connection

    from bench.search_bench import _filters
    from catalog.query import parse_query
    from catalog.search import PER_PAGE, _statement

    parsed = parse_query(params["q"])
    sql, args = _statement(parsed, _filters(params), "relevance", 0, PER_PAGE, True)
    best: tuple[float, float, int] | None = None
    with connection.cursor() as cursor:
        for _ in range(rounds + 1):
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, args)
            raw = cursor.fetchone()[0]
            doc = (json.loads(raw) if isinstance(raw, str) else raw)[0]
            run = (doc["Execution Time"], doc["Planning Time"], _buffers(doc["Plan"]))
            best = run if best is None or run[0] < best[0] else best
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, args)
        text = "\n".join(row[0] for row in cursor.fetchall())
    return (*best, text)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--plans", action="store_true")
    parser.add_argument("--only", default="", help="labels (comma-separated) to explain")
    args = parser.parse_args(argv)
    import django

    django.setup()
    from bench.search_bench import QUERIES

    only = {s.strip() for s in args.only.split(",") if s.strip()}
    print(f"load average: {Path('/proc/loadavg').read_text().split()[:3]}")
    print(f"{'query':28} {'exec ms':>9} {'plan ms':>8} {'buffers':>8}")
    for label, params in QUERIES:
        if only and label not in only:
            continue
        ms, planning, buffers, text = explain(params, args.rounds)
        print(f"{label:28} {ms:9.1f} {planning:8.1f} {buffers:8d}")
        if args.plans:
            print(text + "\n")


if __name__ == "__main__":
    main()
