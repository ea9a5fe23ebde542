"""Holds: the targeting run over the generated waiting holds (pick lists for every library), and
check-in of a copy that is caught for a waiting hold (through the API and the service).

The targeting run is undone after each round (the pick-list lines it wrote are removed), so the
rounds measure the same work and the data stays as generated.
"""

from __future__ import annotations

import time

from django.db import connection
from django.utils import timezone

from bench import fixtures
from bench.circulation_bench import WARMUP, _post, staff_client
from bench.stats import Series, timed


def _sql(statement: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else cursor.rowcount


def _undo_targeting(now) -> int:
    return _sql(
        """UPDATE circulation_hold SET target_item_id = NULL, target_library_id = NULL,
                  targeted_at = NULL
            WHERE state = 'waiting' AND targeted_at = %s""",
        [now],
    )


def run_targeting(rounds: int, *, subset: int = 1000) -> tuple[dict, Series]:
    """Time ``hold_targeting.run_targeting`` over every waiting hold: a first run (it loads the
    network snapshot), then ``rounds`` runs, each undone; and once over ``subset`` holds only:
    the statement counts show whether the run is set-based (the same for 1,000 holds as for
    20,000)."""
    from circulation.holds import targeting as hold_targeting

    series, first = Series("hold_targeting"), Series("hold_targeting_first")
    waiting = _sql("SELECT count(*) FROM circulation_hold WHERE state = 'waiting'")[0][0]
    # The first run of a process also loads the transport network snapshot (then cached).
    now = _wednesday_noon()
    timed(first, lambda: hold_targeting.run_targeting(now=now))
    _undo_targeting(now)
    report = None
    for _ in range(rounds):
        now = _wednesday_noon()
        report = timed(series, lambda now=now: hold_targeting.run_targeting(now=now))
        _undo_targeting(now)
    ids = [
        row[0]
        for row in _sql(
            "SELECT id FROM circulation_hold WHERE state = 'waiting' ORDER BY md5(id::text)"
            " LIMIT %s",
            [subset],
        )
    ]
    small = Series("hold_targeting_subset")
    now = _wednesday_noon()
    small_report = timed(small, lambda: hold_targeting.run_targeting(now=now, hold_ids=ids))
    _undo_targeting(now)
    summary = series.summary()
    result = {
        "waiting_holds": waiting,
        "holds_considered": report.holds_considered if report else 0,
        "targets_written": report.targeted if report else 0,
        "lines_cleared": report.cleared if report else 0,
        "statements": summary.get("statements"),
        "seconds_p50": round(summary["p50"] / 1000, 2) if series.ms else None,
        "seconds_max": round(max(series.ms) / 1000, 2) if series.ms else None,
        "rounds": rounds,
        "first_run": {"seconds": round(first.ms[0] / 1000, 2), "statements": first.statements[0]},
        "subset": {
            "holds_considered": small_report.holds_considered,
            "targets_written": small_report.targeted,
            "statements": small.statements[0],
            "seconds": round(small.ms[0] / 1000, 3),
        },
    }
    return result, series


def run_checkin_hold(n: int) -> dict[str, Series]:
    """Check-in at the pickup library of a lent copy whose title has a waiting hold: the copy
    is caught and goes on the hold shelf (API, in-process)."""
    client = staff_client()
    desks = fixtures.hold_checkins(n + WARMUP, seed=int(time.time()))
    warmup = min(WARMUP, max(len(desks) - n, len(desks) // 4))
    out, warm = Series("checkin_hold"), Series("warmup")
    for k, (barcode, library) in enumerate(desks):
        series = warm if k < warmup else out
        result = _post(
            client, "/api/v1/checkins/", {"barcode": barcode, "library": library}, 200, series
        )
        if result and result["action"] != "hold_shelf":
            series.note = f"expected hold_shelf, got {result['action']}"
    return {"checkin_hold": out}


def run_service_checkin_hold(n: int) -> dict[str, Series]:
    """The same through ``circulation.services.check_in``: the operation's own statements."""
    from circulation import services
    from libraries.models import Library

    user = fixtures.bench_user()
    libraries = {lib.code: lib for lib in Library.objects.all()}
    series = Series("service_checkin_hold")
    for barcode, library in fixtures.hold_checkins(n, seed=5 + int(time.time())):
        result = timed(
            series,
            lambda barcode=barcode, library=library: services.check_in(
                barcode=barcode, library=libraries[library], staff=user, now=timezone.now()
            ),
        )
        if result.action != "hold_shelf":
            series.note = f"expected hold_shelf, got {result.action}"
    return {"service_checkin_hold": series}


def _wednesday_noon():
    """The coming Wednesday (today if it is one) at noon in Sweden: every library is open, so
    the measurement does not depend on the weekday it runs (targeting skips closed libraries)."""
    from datetime import datetime, time, timedelta
    from zoneinfo import ZoneInfo

    day = timezone.localdate()
    while day.weekday() != 2:
        day += timedelta(days=1)
    return datetime.combine(day, time(12), tzinfo=ZoneInfo("Europe/Stockholm"))
