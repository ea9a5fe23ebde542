"""Timing samples, percentiles and statement counts for the benchmark runner."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, round(p / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[k]


@dataclass
class Series:
    """Samples of one operation: milliseconds and SQL statements per run."""

    name: str
    ms: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)
    errors: int = 0
    note: str = ""

    def add(self, ms: float, statements: int | None = None) -> None:
        self.ms.append(ms)
        if statements is not None:
            self.statements.append(statements)

    def summary(self) -> dict:
        values = sorted(self.ms)
        out = {
            "n": len(values),
            "p50": round(percentile(values, 50), 2),
            "p95": round(percentile(values, 95), 2),
            "p99": round(percentile(values, 99), 2),
            "mean": round(statistics.fmean(values), 2) if values else None,
            "errors": self.errors,
        }
        if self.statements:
            out["statements"] = max(self.statements)
            out["statements_median"] = statistics.median(self.statements)
        if self.note:
            out["note"] = self.note
        return out


class StatementCounter:
    """Counts SQL statements on Django's connection (an execute wrapper: no query log, so it
    works for any number of statements)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def timed(series: Series, fn: Callable[[], object], *, count_sql: bool = True):
    """Run ``fn`` once, adding its time (and statement count) to ``series``; returns its value."""
    if count_sql:
        counter = StatementCounter()
        with connection.execute_wrapper(counter):
            started = time.perf_counter()
            value = fn()
            elapsed = (time.perf_counter() - started) * 1000
        series.add(elapsed, counter.count)
    else:
        started = time.perf_counter()
        value = fn()
        series.add((time.perf_counter() - started) * 1000)
    return value
