"""A generated export of "the previous system" in the layouts of docs/migration.md, and a timed
migration of it (twice: the second run must store nothing new).

    python -m bench.migration_sample --dir /tmp/mig --patrons 10000 --loans 20000 --holds 2000
    python -m bench.migration_sample --dir /tmp/mig ... --run     # also migrate it twice

Needs a migrated database with a catalogue; it adds available copies ("MIG…" barcodes) to
existing records when there are fewer than ``--loans`` available ones. Adults, seniors, youths
and children (each child after a guardian, every 7th child listed before its guardian), PINs
as hashes (2 % in clear), old cards, blocks and debts; loans over available copies; holds
on titles by ISBN or barcode.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import time
from datetime import date, datetime, timedelta
from pathlib import Path

PATRON_FIELDS = [
    "legacy_id", "card_number", "first_name", "last_name", "personnummer", "birth_date",
    "email", "phone", "street", "postal_code", "city", "home_library", "category",
    "guardian_legacy_id", "expiry_date", "pin", "pin_hash", "language", "notice_channel",
    "old_cards", "block_reason", "debt", "debt_note", "staff_note",
]  # fmt: skip
LOAN_FIELDS = ["card_number", "barcode", "library", "checked_out_at", "due_date", "renewals"]
HOLD_FIELDS = ["card_number", "isbn", "barcode", "pickup_library", "placed_at"]
LIBRARIES = ["KGA", "KHM", "DEG", "HFS", "STO"]


def write_sample(
    directory: Path, *, patrons: int, loans: int, holds: int, seed: int = 7, today: date
) -> dict[str, int]:
    """Write patrons.csv, loans.csv and holds.csv; returns the row counts."""
    from django.contrib.auth.hashers import make_password

    from bench import vocabulary as voc
    from patrons.cardnumbers import make_card_number
    from patrons.services import card_policy

    rng = random.Random(seed)
    policy = card_policy()
    directory.mkdir(parents=True, exist_ok=True)
    hashed = make_password("4711")  # one hash for all: hashing 10,000 PINs takes minutes
    rows, adults = [], []
    for n in range(patrons):
        legacy = f"P{n:06d}"
        card = make_card_number(n, policy=policy, prefix="7")
        kind = rng.random()
        if kind < 0.15 and adults:
            category, age = "CHILD", rng.randint(3, 12)
        elif kind < 0.22:
            category, age = "YOUTH", rng.randint(13, 17)
        elif kind < 0.35:
            category, age = "SENIOR", rng.randint(66, 90)
        else:
            category, age = "ADULT", rng.randint(19, 64)
        # Name pairs cycle; the birth date moves a day per cycle, so no two patrons share name
        # and birth date (the duplicate check would rightly stop them). Born a few days before
        # the birthday that makes them ``age``: their category's age limits hold today.
        pairs = len(voc.FIRST_NAMES) * len(voc.LAST_NAMES)
        try:
            anchor = today.replace(year=today.year - age)
        except ValueError:  # 29 February
            anchor = today.replace(year=today.year - age, day=28)
        born = anchor - timedelta(days=1 + n // pairs)
        row = {
            "legacy_id": legacy,
            "card_number": card,
            "first_name": voc.FIRST_NAMES[n % len(voc.FIRST_NAMES)],
            "last_name": voc.LAST_NAMES[(n // len(voc.FIRST_NAMES)) % len(voc.LAST_NAMES)],
            "birth_date": born.isoformat(),
            "email": f"patron{n}@example.se" if rng.random() < 0.8 else "",
            "phone": f"070-{n:07d}" if rng.random() < 0.5 else "",
            "street": f"Storgatan {n % 90 + 1}",
            "postal_code": f"{69100 + n % 800}",
            "city": "Karlskoga",
            "home_library": rng.choice(LIBRARIES),
            "category": category,
            "expiry_date": (today + timedelta(days=365 + n % 700)).isoformat(),
            "language": "sv" if rng.random() < 0.9 else "en",
            "notice_channel": rng.choice(["email", "email", "sms", "letter"]),
        }
        if category == "CHILD":
            row["guardian_legacy_id"] = rng.choice(adults)
            row["email"] = ""
        else:
            adults.append(legacy)
        # Most old systems export PIN hashes; a PIN in clear costs one PBKDF2 hash (≈ 0.3 s).
        if rng.random() < 0.02:
            row["pin"] = f"{rng.randint(0, 9999):04d}"
        elif rng.random() < 0.7:
            row["pin_hash"] = hashed
        if rng.random() < 0.05:
            row["old_cards"] = make_card_number(n, policy=policy, prefix="6")
        if rng.random() < 0.01:
            row["block_reason"] = "Spärrad i tidigare system"
        if rng.random() < 0.03:
            row["debt"] = f"{rng.randint(10, 300)},00"
            row["debt_note"] = "Skuld från tidigare system"
        rows.append(row)
    # Every 7th child before its guardian: the migration must order them itself.
    children = [i for i, r in enumerate(rows) if r["category"] == "CHILD"]
    for i in children[::7]:
        rows.insert(0, rows.pop(i))
    _write(directory / "patrons.csv", PATRON_FIELDS, rows, delimiter=";")

    barcodes = _available_barcodes(loans)
    loan_rows = []
    cards = [r["card_number"] for r in rows]
    for n in range(loans):
        out = datetime(today.year, today.month, today.day, 12) - timedelta(days=rng.randint(0, 40))  # noqa: DTZ001 — local time, as the old system exports
        loan_rows.append(
            {
                "card_number": rng.choice(cards),
                "barcode": barcodes[n],
                "library": rng.choice(LIBRARIES),
                "checked_out_at": out.isoformat(timespec="seconds"),
                "due_date": (out.date() + timedelta(days=28)).isoformat(),
                "renewals": rng.randint(0, 2),
            }
        )
    _write(directory / "loans.csv", LOAN_FIELDS, loan_rows)

    titles = _holdable_titles(holds)
    hold_rows = []
    for n, (isbn, barcode) in enumerate(titles[:holds]):
        hold_rows.append(
            {
                "card_number": cards[(n * 7919) % len(cards)],
                "isbn": isbn,
                "barcode": "" if isbn else barcode,
                "pickup_library": rng.choice(LIBRARIES),
                "placed_at": (datetime(today.year, today.month, today.day, 9) - timedelta(hours=n))  # noqa: DTZ001
                .isoformat(timespec="seconds"),
            }
        )
    _write(directory / "holds.csv", HOLD_FIELDS, hold_rows)
    return {"patrons": len(rows), "loans": len(loan_rows), "holds": len(hold_rows)}


def _write(path: Path, fields: list[str], rows: list[dict], delimiter: str = ",") -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)


def _available_barcodes(count: int) -> list[str]:
    """``count`` barcodes of available copies, adding "MIG…" copies to records if needed."""
    from catalog.indexing import refresh_library_ids
    from catalog.models import Item, ItemType, Record
    from libraries.models import Library

    found = list(
        Item.objects.filter(status=Item.Status.AVAILABLE, item_type__not_for_loan=False)
        .order_by("pk")
        .values_list("barcode", flat=True)[:count]
    )
    missing = count - len(found)
    if missing > 0:
        record_ids = list(Record.objects.order_by("pk").values_list("pk", flat=True)[:5000])
        libraries = list(Library.objects.filter(code__in=LIBRARIES))
        book = ItemType.objects.get(code="BOOK")
        start = Item.objects.filter(barcode__startswith="MIG").count()
        new = [
            Item(
                record_id=record_ids[(start + i) % len(record_ids)],
                barcode=f"MIG{start + i:09d}",
                home_library=libraries[i % len(libraries)],
                current_library=libraries[i % len(libraries)],
                item_type=book,
            )
            for i in range(missing)
        ]
        Item.objects.bulk_create(new, batch_size=2000)
        refresh_library_ids({item.record_id for item in new})
        found += [item.barcode for item in new]
    return found


def _holdable_titles(count: int) -> list[tuple[str, str]]:
    from catalog.models import Item

    out, seen = [], set()
    rows = (
        Item.objects.exclude(status__in=[Item.Status.WITHDRAWN, Item.Status.LOST])
        .filter(item_type__not_for_loan=False)
        .order_by("record_id")
        .values_list("record_id", "record__isbns", "barcode")
    )
    for record_id, isbns, barcode in rows.iterator():
        if record_id in seen:
            continue
        seen.add(record_id)
        out.append(((isbns or [""])[0], barcode))
        if len(out) >= count:
            break
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--patrons", type=int, default=10_000)
    parser.add_argument("--loans", type=int, default=20_000)
    parser.add_argument("--holds", type=int, default=2_000)
    parser.add_argument("--run", action="store_true", help="migrate the sample twice, timed")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.utils import timezone

    from interop.migration import migrate_files

    started = time.monotonic()
    counts = write_sample(
        Path(args.dir),
        patrons=args.patrons,
        loans=args.loans,
        holds=args.holds,
        today=timezone.localdate(),
    )
    print(f"sample written in {time.monotonic() - started:.1f} s: {counts}")
    if not args.run:
        return
    for run in (1, 2):
        started = time.monotonic()
        report = migrate_files(directory=Path(args.dir))
        seconds = time.monotonic() - started
        print(f"run {run}: {seconds:.1f} s, clean={report.clean}")
        for line in report.lines()[:40]:
            print(line)


if __name__ == "__main__":
    main()
