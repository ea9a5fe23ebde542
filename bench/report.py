"""Machine facts, goals and the JSON + Markdown result files of a benchmark run."""

from __future__ import annotations

import json
import os
import platform
from datetime import datetime
from pathlib import Path

from django.db import connection

RESULTS = Path(__file__).resolve().parent / "results"

# row name → (statistic, limit, unit); from issue 8, server-side at T1.
GOALS: dict[str, list[tuple[str, float, str]]] = {
    "checkout": [("p50", 15, "ms"), ("p95", 40, "ms")],
    "service_checkout": [("statements", 12, "")],
    "checkin": [("p50", 20, "ms"), ("p95", 50, "ms")],
    "checkin_transfer": [("p50", 20, "ms"), ("p95", 50, "ms")],
    "checkin_hold": [("p50", 20, "ms"), ("p95", 50, "ms")],
    "service_checkin": [("statements", 15, "")],
    "service_checkin_hold": [("statements", 15, "")],
    "renew_all_100": [("p95", 300, "ms")],
    "search_warm": [("p50", 30, "ms"), ("p95", 150, "ms")],
    "mixed_all": [("p95", 300, "ms"), ("p99", 1000, "ms"), ("errors", 0, "")],
}


def machine_facts() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0]
        settings = {}
        for name in (
            "shared_buffers",
            "random_page_cost",
            "work_mem",
            "effective_cache_size",
            "maintenance_work_mem",
            "max_connections",
        ):
            cursor.execute(f"SHOW {name}")
            settings[name] = cursor.fetchone()[0]
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    load = os.getloadavg()
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "postgresql": version.split(" on ")[0],
        "postgresql_settings": settings,
        "load_average_at_start": [round(x, 2) for x in load],
        "database": connection.settings_dict["NAME"],
    }


def verdicts(rows: dict[str, dict]) -> list[dict]:
    out = []
    for name, goals in GOALS.items():
        row = rows.get(name)
        if not row:
            continue
        for stat, limit, unit in goals:
            value = row.get(stat)
            if value is None:
                continue
            out.append(
                {
                    "row": name,
                    "goal": f"{stat} ≤ {limit:g}{unit}",
                    "value": value,
                    "met": value <= limit,
                }
            )
    return out


def write(result: dict, *, scale: str) -> tuple[Path, Path]:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().astimezone().strftime("%Y%m%d-%H%M%S")
    json_path = RESULTS / f"{scale}-{stamp}.json"
    md_path = RESULTS / f"{scale}-{stamp}.md"
    json_path.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    md_path.write_text(markdown(result))
    for src, name in ((json_path, f"{scale}-latest.json"), (md_path, f"{scale}-latest.md")):
        (RESULTS / name).write_text(src.read_text())
    return json_path, md_path


def markdown(result: dict) -> str:
    m = result["machine"]
    lines = [
        f"# Gränslös benchmark, scale {result['scale']} ({result['started']})",
        "",
        f"Machine: {m['cores']} cores, {m['memory_gib']} GiB, {m['postgresql']}; "
        + ", ".join(f"{k}={v}" for k, v in m["postgresql_settings"].items())
        + f"; load average at start {m['load_average_at_start']}.",
        "",
        f"Data: {result.get('data', {})}",
        "",
        "| operation | n | p50 ms | p95 ms | p99 ms | SQL/op (max) | errors | note |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, row in result["rows"].items():
        lines.append(
            f"| {name} | {row['n']} | {row['p50']} | {row['p95']} | {row['p99']} | "
            f"{row.get('statements', '')} | {row['errors']} | {row.get('note', '')[:80]} |"
        )
    for title, key in (
        ("Overhead", "floor"),
        ("MARC import", "import"),
        ("Routing", "routing"),
        ("Mixed load", "mixed"),
        ("Hold targeting", "holds"),
    ):
        if key in result:
            value = dict(result[key])
            for k in [k for k in value if k.startswith("statements")]:
                value.pop(k)
            lines += ["", f"**{title}**: `{json.dumps(value, ensure_ascii=False, default=str)}`"]
    if result.get("verdicts"):
        lines += ["", "| goal | row | measured | met |", "|---|---|---:|---|"]
        for v in result["verdicts"]:
            lines.append(
                f"| {v['goal']} | {v['row']} | {v['value']} | {'yes' if v['met'] else 'NO'} |"
            )
    return "\n".join(lines) + "\n"
