"""The nightly notice run at scale: ``python -m bench.notice_bench --loans 64000``.

On a T1 database (``generate_consortium --scale T1``) it runs over the open loans there; on
any other database it first adds synthetic open loans (barcodes ``NB…``) up to ``--loans``:
patrons with e-mail (a third opted in to due-soon notices, a fifth preferring SMS), due days
spread over the 28 days before and after today. The run is timed inside a transaction that
is rolled back, so every round does the same work (and nothing is sent: deliveries are
enqueued on commit, which never comes). Reported: seconds, SQL statements in total and per
batch of patrons, notices by kind.

The first round is the catch-up case (every overdue loan is owed its current level: far more
notices than a normal night); the second round runs on top of the first's writes, within the
same transaction: the steady state of "nothing new" that most loans are in on most nights.

    export DATABASE_URL=postgresql://postgres@127.0.0.1:5432/granslos_bench
    .venv/bin/python -m bench.notice_bench --loans 64000
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("CELERY_QUEUE", "bench")

STHLM = ZoneInfo("Europe/Stockholm")
CHUNK = 5000


class Rollback(Exception):
    pass


def ensure_loans(target: int, *, today: date, seed: int = 15) -> int:
    """Add synthetic open loans until there are ``target``; returns how many were added."""
    from catalog.models import Item, ItemType, Record
    from circulation.models import Loan
    from libraries.models import Library
    from notices.models import NoticePreference
    from patrons.models import Patron, PatronCategory

    have = Loan.objects.open().count()
    missing = target - have
    if missing <= 0:
        return 0
    rng = random.Random(seed)
    libraries = list(Library.objects.filter(kind=Library.Kind.LIBRARY))
    book = ItemType.objects.get(code="BOOK")
    adult = PatronCategory.objects.get(code="ADULT")
    start = Record.objects.count()
    added = 0
    while added < missing:
        n = min(CHUNK, missing - added)
        patrons = Patron.objects.bulk_create(
            Patron(
                first_name="Bench",
                last_name=f"P{start + added + i}",
                email=f"nb{start + added + i}@example.org",
                phone=f"070{start + added + i:07d}",
                notice_channel="sms" if i % 5 == 0 else "email",
                home_library=libraries[i % len(libraries)],
                category=adult,
                expiry_date=today + timedelta(days=400 + i % 300),
            )
            for i in range(0, n, 3)  # about three loans per patron
        )
        NoticePreference.objects.bulk_create(
            NoticePreference(patron=p, due_soon=True) for p in patrons[::3]
        )
        records = Record.objects.bulk_create(
            Record(marc=b"", title=f"Benchbok {start + added + i}") for i in range(n)
        )
        items = Item.objects.bulk_create(
            Item(
                record=record,
                barcode=f"NB{start + added + i:09d}",
                home_library=libraries[i % len(libraries)],
                current_library=libraries[i % len(libraries)],
                item_type=book,
                price=199,
                status=Item.Status.ON_LOAN,
            )
            for i, record in enumerate(records)
        )
        loans = []
        for i, item in enumerate(items):
            due = today + timedelta(days=rng.randint(-28, 28))
            library = libraries[(i // 3) % len(libraries)]
            loans.append(
                Loan(
                    item=item,
                    patron=patrons[(i // 3) % len(patrons)],
                    checkout_library=library,
                    rules_library=library,
                    checked_out_at=datetime.combine(due - timedelta(days=28), dtime(12), STHLM),
                    due_at=datetime.combine(due, dtime(23, 59, 59), STHLM),
                )
            )
        Loan.objects.bulk_create(loans)
        added += n
    return added


def timed_run(*, today: date, now: datetime) -> list[dict]:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from notices import services

    rounds = []
    try:
        with transaction.atomic():
            for label in ("catch-up", "steady state"):
                with CaptureQueriesContext(connection) as ctx:
                    started = time.perf_counter()
                    report = services.run(now=now, today=today)
                    seconds = time.perf_counter() - started
                statements = len(ctx.captured_queries)
                rounds.append(
                    {
                        "round": label,
                        "seconds": round(seconds, 2),
                        "open_loans": report.loans,
                        "batches": report.batches,
                        "statements": statements,
                        "statements_per_batch": round(statements / max(report.batches, 1), 1),
                        "notices": dict(report.by_kind),
                        "bills": report.bills,
                    }
                )
            raise Rollback
    except Rollback:
        pass
    return rounds


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loans", type=int, default=64_000)
    parser.add_argument("--date", help="run as on this day (default: today)")
    args = parser.parse_args(argv)
    import django

    django.setup()
    from django.conf import settings
    from django.utils import timezone

    from circulation.defaults import ensure_all as ensure_rules
    from libraries.consortium import ensure_all

    ensure_all()
    ensure_rules()
    today = date.fromisoformat(args.date) if args.date else timezone.localdate()
    started = time.perf_counter()
    added = ensure_loans(args.loans, today=today)
    setup = round(time.perf_counter() - started, 1)
    now = datetime.combine(today, dtime(1, 30), STHLM)
    result = {
        "today": today.isoformat(),
        "loans_added": added,
        "setup_seconds": setup,
        "batch_patrons": settings.NOTICE_BATCH_PATRONS,
        "load_average": os.getloadavg(),
        "rounds": timed_run(today=today, now=now),
    }
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
