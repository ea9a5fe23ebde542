"""Statistics at scale: backfill the event log from a generated consortium, roll it up, and
time every report page for one year through Django's test client (session, roles, rendering
and all). ``python -m bench.stats_bench [--year 2025] [--rounds 5]`` on a benchmark database
filled by ``manage.py generate_consortium --scale T1``. It writes events and rollups: never
run it on a real database."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

PAGES = ["loans-per-inhabitant", "kb", "flows", "holds-transport", "collection"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--year", type=int)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--skip-backfill", action="store_true")
    args = parser.parse_args(argv)
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from events.models import CirculationEvent
    from libraries.models import Library, StaffRole
    from stats import backfill, rollups
    from stats.models import DailyRollup

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    now = timezone.now()
    if not args.skip_backfill:
        started = time.perf_counter()
        written = backfill.backfill(now=now)
        print(
            f"backfill: {sum(written.values()):,} events in {time.perf_counter() - started:.1f} s",
            written,
        )
    started = time.perf_counter()
    days = rollups.roll_up(now=now)
    print(f"roll up {days}: {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE events_circulationevent")
        cursor.execute("VACUUM ANALYZE stats_dailyrollup")
    print(
        f"events {CirculationEvent.objects.count():,}, rollup rows {DailyRollup.objects.count():,}"
    )
    year = args.year or (rollups.local_today(now).year - 1)
    user, _ = get_user_model().objects.get_or_create(username="bench-stats")
    StaffRole.objects.get_or_create(user=user, library=None, role=StaffRole.Role.CONSORTIUM_ADMIN)
    kga = Library.objects.get(code="KGA")
    client = Client()
    client.force_login(user)
    for scope in ("", str(kga.id)):
        for page in PAGES:
            for fmt in ("", "csv", "xlsx"):
                url = f"/staff/statistics/{page}/?year={year}&library={scope}&format={fmt}"
                assert client.get(url).status_code == 200, url  # warm
                times = []
                for _ in range(args.rounds):
                    started = time.perf_counter()
                    response = client.get(url)
                    times.append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200
                times.sort()
                label = f"{page}{'.' + fmt if fmt else ''} [{'all' if not scope else 'KGA'}]"
                print(
                    f"{label:42} median {times[len(times) // 2]:7.0f} ms   max {times[-1]:7.0f} ms"
                )


if __name__ == "__main__":
    main()
