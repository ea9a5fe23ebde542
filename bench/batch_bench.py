"""Batch work: MARC import rate (create-only and with matching) and route planning for 10,000
returned items (the transport sweep that plans routes and assigns crates, and the pure planner)."""

from __future__ import annotations

import random
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection
from django.utils import timezone

ROOT = Path(__file__).resolve().parent.parent
IMPORT_START = 5_000_000  # control numbers/ISBNs of the catalogue bench, apart from ours


def _sql(statement: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


def _remove_imported() -> None:
    ids = "SELECT id FROM catalog_record WHERE control_source = 'BENCH'"
    _sql(f"DELETE FROM catalog_item WHERE record_id IN ({ids})")  # noqa: S608
    _sql("DELETE FROM catalog_record WHERE control_source = 'BENCH'")


def run_import(records: int) -> dict:
    """Import a generated file of ``records`` records into the benchmark catalogue (create-only),
    then a file of records/4 where every other record is a copy of one just imported; both
    imports are removed again afterwards so the run can be repeated."""
    from bench.catalog_bench import generate
    from catalog.importer import import_marc

    _remove_imported()
    rng = random.Random(42)
    data = generate(records, start=IMPORT_START, rng=rng)
    started = time.perf_counter()
    report = import_marc(data=data, batch_size=2000)
    took = time.perf_counter() - started
    create = {
        "records": report.total,
        "created": report.created,
        "seconds": round(took, 2),
        "rate": round(report.created / took, 1),
    }
    second = max(100, records // 4)
    parts = []
    for k in range(second):
        if k % 2 == 0:
            copy_of = IMPORT_START + rng.randrange(records)
            parts.append(
                generate(
                    1, start=IMPORT_START + records + k, rng=rng, library_override="STO",
                    copy_of=copy_of,
                )
            )  # fmt: skip
        else:
            parts.append(generate(1, start=IMPORT_START + records + k, rng=rng))
    data = b"".join(parts)
    started = time.perf_counter()
    report = import_marc(data=data, batch_size=2000)
    took = time.perf_counter() - started
    matching = {
        "records": report.total,
        "created": report.created,
        "matched": report.matched,
        "seconds": round(took, 2),
        "rate": round(report.total / took, 1),
    }
    _remove_imported()
    return {"create_only": create, "with_matching": matching}


def run_routing(items: int) -> dict:
    """Return ``items`` books at a library other than their home (waiting transfers written
    set-based), time the transport sweep that plans each route and puts it in a crate, then
    undo it all. The pure planner's own benchmark (bench/routing_bench.py) runs too."""
    from transport.services import sweep_waiting_transfers

    now = timezone.now()
    _sql(
        """
        CREATE TEMP TABLE bench_route AS
        SELECT i.id AS item_id, i.home_library_id AS home,
               (SELECT o.id FROM libraries_library o WHERE o.id <> i.home_library_id
                 ORDER BY md5(o.id::text || i.id::text) LIMIT 1) AS here
          FROM catalog_item i
         WHERE i.status = 'available' AND i.current_library_id = i.home_library_id
         ORDER BY md5(i.id::text) LIMIT %s
        """,
        [items],
    )
    _sql(
        """UPDATE catalog_item i SET status = 'in_transit', current_library_id = r.here
             FROM bench_route r WHERE i.id = r.item_id"""
    )
    _sql(
        """INSERT INTO transport_transfer (item_id, from_library_id, to_library_id, reason, state,
                  route, current_hop, route_problem, created_at)
           SELECT item_id, here, home, 'return_home', 'waiting', '[]', 0, '', %s
             FROM bench_route""",
        [now],
    )
    started = time.perf_counter()
    planned = sweep_waiting_transfers(now=now)
    took = time.perf_counter() - started
    transfers = "SELECT t.id FROM transport_transfer t JOIN bench_route r ON r.item_id = t.item_id"
    _sql(f"DELETE FROM transport_packinglistentry WHERE transfer_id IN ({transfers})")  # noqa: S608
    _sql(f"DELETE FROM transport_transferevent WHERE transfer_id IN ({transfers})")  # noqa: S608
    _sql(f"DELETE FROM transport_transfer WHERE id IN ({transfers})")  # noqa: S608
    _sql(
        """UPDATE catalog_item i SET status = 'available', current_library_id = r.home
             FROM bench_route r WHERE i.id = r.item_id"""
    )
    _sql("DROP TABLE bench_route")
    pure = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "routing_bench.py"), "--items", str(items)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    return {
        "items": items,
        "planned": planned,
        "sweep_seconds": round(took, 2),
        "pure_planner": (pure.stdout or pure.stderr).strip().splitlines()[-1:],
    }
