"""Migration from a library's current system: patrons (cards, PIN hashes, categories,
guardians, blocks, debts), open loans and holds from CSV files in the layouts of
docs/migration.md. The catalogue comes over as MARC (``import_marc``) first.

- Every row is its own savepoint: a row is stored whole or rejected with a reason, never half.
- Idempotent: each stored row leaves a ``MigratedRow`` (kind, legacy key); a re-run skips it.
- Patrons go through ``register_patron``, so the duplicate checks (personnummer; name and
  birth date) and every validation of the registration desk apply.
- Loans and holds keep the old system's dates (no lending rules are applied: the loans exist
  already); an item already on loan or a title already held by the patron is rejected.
- A dry run does everything inside one transaction and rolls it back.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import identify_hasher
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.marc import normalize_isbn
from catalog.models import Item, Record
from circulation.holds.models import Hold
from circulation.models import Fee, Loan
from interop.models import MigratedRow
from libraries.enqueue import task_named
from libraries.models import Library
from patrons import services as patron_services
from patrons.models import Card, Patron, PatronCategory

KINDS = ("patron", "loan", "hold")
TRUE = {"1", "true", "yes", "ja", "j", "y", "x"}


class RowRejected(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = str(message)


@dataclass
class KindReport:
    read: int = 0
    created: int = 0
    already: int = 0  # stored by an earlier run
    rejected: list[dict] = field(default_factory=list)  # {"line", "key", "reason", "message"}
    stored: int = 0  # MigratedRow count after the run: what the database holds

    def as_dict(self) -> dict:
        return {
            "read": self.read,
            "created": self.created,
            "already": self.already,
            "rejected": len(self.rejected),
            "stored": self.stored,
            "rejections": self.rejected,
        }

    @property
    def balanced(self) -> bool:
        return self.read == self.created + self.already + len(self.rejected)


@dataclass
class Reconciliation:
    dry_run: bool = False
    kinds: dict[str, KindReport] = field(default_factory=lambda: {k: KindReport() for k in KINDS})
    extras: Counter = field(default_factory=Counter)  # blocks, debts, extra cards

    def as_dict(self) -> dict:
        return {
            "dry_run": self.dry_run,
            "kinds": {k: r.as_dict() for k, r in self.kinds.items()},
            "extras": dict(self.extras),
        }

    @property
    def clean(self) -> bool:
        return all(r.balanced and not r.rejected for r in self.kinds.values())

    def lines(self) -> list[str]:
        out = []
        for kind, r in self.kinds.items():
            if not r.read:
                continue
            out.append(
                _(
                    "%(kind)s: %(read)s rows read, %(created)s stored, %(already)s already "
                    "stored, %(rejected)s rejected (in the database now: %(stored)s)"
                )
                % {
                    "kind": kind,
                    "read": r.read,
                    "created": r.created,
                    "already": r.already,
                    "rejected": len(r.rejected),
                    "stored": r.stored,
                }
            )
            for rej in r.rejected:
                out.append(
                    f"  {kind} line {rej['line']} [{rej['key']}] {rej['reason']}: {rej['message']}"
                )
        return out


# --- reading --------------------------------------------------------------------------------


def read_csv(data: bytes) -> list[dict[str, str]]:
    """Rows of a UTF-8 CSV (BOM allowed) with a header; ',' ';' or tab, whichever the header
    uses. Keys lower-cased, values stripped."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RowRejected("encoding", _("The file is not UTF-8.")) from None
    header = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=header.count)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    for row in reader:
        rows.append(
            {
                (k or "").strip().lower(): (v or "").strip() if isinstance(v, str) else ""
                for k, v in row.items()
            }
        )
    return rows


def _date(value: str, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise RowRejected(
            "bad_date", _("%(field)s is not a date (YYYY-MM-DD).") % {"field": name}
        ) from None


def _instant(value: str, name: str, tz: ZoneInfo) -> datetime:
    if not value:
        raise RowRejected("missing", _("%(field)s is missing.") % {"field": name})
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise RowRejected(
            "bad_date", _("%(field)s is not a date and time (ISO 8601).") % {"field": name}
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed


def _money(value: str) -> Decimal | None:
    if not value:
        return None
    try:
        amount = Decimal(value.replace(" ", "").replace(",", "."))
    except InvalidOperation:
        raise RowRejected("bad_amount", _("The debt is not an amount.")) from None
    if amount < 0 or amount > Decimal("99999.99"):
        raise RowRejected("bad_amount", _("The debt is not an amount."))
    return amount.quantize(Decimal("0.01"))


# --- the run --------------------------------------------------------------------------------


class _Lookups:
    def __init__(self) -> None:
        self.libraries = {lib.code.upper(): lib for lib in Library.objects.all()}
        self.categories = {c.code.upper(): c for c in PatronCategory.objects.all()}

    def library(self, code: str, name: str = "library") -> Library:
        lib = self.libraries.get((code or "").upper())
        if lib is None:
            raise RowRejected(
                "unknown_library", _("Unknown library code %(code)s.") % {"code": code or "–"}
            )
        return lib

    def category(self, code: str) -> PatronCategory:
        cat = self.categories.get((code or "").upper())
        if cat is None:
            raise RowRejected(
                "unknown_category",
                _("Unknown patron category %(code)s.") % {"code": code or "–"},
            )
        return cat


def migrate(
    *,
    patrons: bytes | None = None,
    loans: bytes | None = None,
    holds: bytes | None = None,
    dry_run: bool = False,
    confirm_duplicates: bool = False,
    now: datetime | None = None,
) -> Reconciliation:
    now = now or timezone.now()
    report = Reconciliation(dry_run=dry_run)
    lookups = _Lookups()
    with transaction.atomic():
        if patrons is not None:
            _patrons(read_csv(patrons), report, lookups, confirm_duplicates, now)
        if loans is not None:
            _loans(read_csv(loans), report, lookups)
        if holds is not None:
            _holds(read_csv(holds), report, lookups)
        for kind, r in report.kinds.items():
            r.stored = MigratedRow.objects.filter(kind=kind).count()
        if dry_run:
            transaction.set_rollback(True)
    return report


def migrate_files(*, directory: Path, **options) -> Reconciliation:
    """patrons.csv, loans.csv, holds.csv from one folder (each optional)."""

    def read(name: str) -> bytes | None:
        path = directory / name
        return path.read_bytes() if path.exists() else None

    return migrate(
        patrons=read("patrons.csv"), loans=read("loans.csv"), holds=read("holds.csv"), **options
    )


def _each(rows, kind: str, report: Reconciliation, key_of, store) -> None:
    """Run ``store`` per row in its own savepoint; count and reason every outcome."""
    r = report.kinds[kind]
    done = set(
        MigratedRow.objects.filter(
            kind=kind, legacy_key__in=[key_of(row) for row in rows]
        ).values_list("legacy_key", flat=True)
    )
    for line, row in enumerate(rows, start=2):
        r.read += 1
        key = key_of(row)
        if not key:
            r.rejected.append(
                {
                    "line": line,
                    "key": "",
                    "reason": "missing_key",
                    "message": _("The row has no key (legacy id or card number)."),
                }
            )
            continue
        if key in done:
            r.already += 1
            continue
        try:
            with transaction.atomic():
                object_id = store(row)
                MigratedRow.objects.create(kind=kind, legacy_key=key, object_id=object_id)
        except RowRejected as exc:
            r.rejected.append(
                {"line": line, "key": key, "reason": exc.reason, "message": exc.message}
            )
        except patron_services.PatronRefused as exc:
            r.rejected.append(
                {"line": line, "key": key, "reason": exc.reason, "message": str(exc.message)}
            )
        except IntegrityError:
            r.rejected.append(
                {
                    "line": line,
                    "key": key,
                    "reason": "conflict",
                    "message": _("The row conflicts with data already stored."),
                }
            )
        else:
            done.add(key)
            r.created += 1


def _patron_key(row: dict) -> str:
    return row.get("legacy_id") or row.get("card_number", "")


def _patrons(rows, report, lookups: _Lookups, confirm_duplicates: bool, now: datetime) -> None:
    # Guardians first: a row naming a guardian waits until the guardian is stored.
    legacy_ids = {row.get("legacy_id") for row in rows if row.get("legacy_id")}
    first = [
        r
        for r in rows
        if not r.get("guardian_legacy_id") or r["guardian_legacy_id"] not in legacy_ids
    ]
    later = [r for r in rows if r not in first]

    def store(row: dict) -> int:
        return _store_patron(row, lookups, confirm_duplicates, now, report)

    _each(first, "patron", report, _patron_key, store)
    while later:
        stored = set(MigratedRow.objects.filter(kind="patron").values_list("legacy_key", flat=True))
        ready = [r for r in later if r["guardian_legacy_id"] in stored]
        if not ready:
            break
        _each(ready, "patron", report, _patron_key, store)
        later = [r for r in later if r not in ready]
    _each(later, "patron", report, _patron_key, store)  # their guardians were rejected


def _store_patron(row: dict, lookups: _Lookups, confirm_duplicates: bool, now, report) -> int:
    home = lookups.library(row.get("home_library", ""))
    guardian = None
    if row.get("guardian_legacy_id"):
        link = MigratedRow.objects.filter(
            kind="patron", legacy_key=row["guardian_legacy_id"]
        ).first()
        if link is None:
            raise RowRejected(
                "unknown_guardian", _("The guardian is not among the migrated patrons.")
            )
        guardian = Patron.objects.get(pk=link.object_id)
    language = row.get("language") or Patron.Language.SWEDISH
    channel = row.get("notice_channel") or Patron.NoticeChannel.EMAIL
    if language not in Patron.Language.values:
        raise RowRejected("bad_language", _("Unknown language %(value)s.") % {"value": language})
    if channel not in Patron.NoticeChannel.values:
        raise RowRejected(
            "bad_channel", _("Unknown notice channel %(value)s.") % {"value": channel}
        )
    details = patron_services.PatronDetails(
        first_name=row.get("first_name", ""),
        last_name=row.get("last_name", ""),
        home_library=home,
        category=lookups.category(row.get("category", "")),
        birth_date=_date(row.get("birth_date", ""), "birth_date"),
        personnummer=row.get("personnummer", ""),
        email=row.get("email", ""),
        phone=row.get("phone", ""),
        street=row.get("street", "")[:200],
        postal_code=row.get("postal_code", "")[:10],
        city=row.get("city", "")[:100],
        preferred_language=language,
        notice_channel=channel,
        guardian=guardian,
        expiry_date=_date(row.get("expiry_date", ""), "expiry_date"),
        staff_note=row.get("staff_note", ""),
    )
    pin = row.get("pin", "")
    patron = patron_services.register_patron(
        details=details,
        card_number=row.get("card_number", ""),
        pin=pin,
        confirm_duplicate=confirm_duplicates,
        now=now,
    )
    if row.get("pin_hash") and not pin:
        try:
            identify_hasher(row["pin_hash"])
        except ValueError:
            raise RowRejected(
                "bad_pin_hash", _("The PIN hash is in a format this system cannot check.")
            ) from None
        Patron.objects.filter(pk=patron.pk).update(pin_hash=row["pin_hash"])
    for number in filter(None, (n.strip() for n in row.get("old_cards", "").split("|"))):
        if Card.objects.filter(number=number).exists():
            raise RowRejected(
                "card_taken", _("Old card %(number)s is in use.") % {"number": number}
            )
        Card.objects.create(
            patron=patron, number=number[:32], status=Card.Status.REPLACED, ended_at=now
        )
        report.extras["old_cards"] += 1
    if row.get("block_reason"):
        patron_services.add_block(
            patron=patron, reason=row["block_reason"], library=home, staff=None, now=now
        )
        report.extras["blocks"] += 1
    debt = _money(row.get("debt", ""))
    if debt:
        Fee.objects.create(
            patron=patron,
            library=home,
            kind=Fee.Kind.OTHER,
            amount=debt,
            description=(row.get("debt_note") or _("Debt from the previous system"))[:200],
            created_at=now,
        )
        report.extras["debts"] += 1
    return patron.pk


def _card_patron(number: str) -> Patron:
    card = Card.objects.select_related("patron").filter(number=number).first()
    if card is None:
        raise RowRejected(
            "unknown_card", _("No patron has card %(number)s.") % {"number": number or "–"}
        )
    return card.patron


def _loan_key(row: dict) -> str:
    if not row.get("barcode") or not row.get("checked_out_at"):
        return ""
    return f"{row['barcode']}@{row['checked_out_at']}"


def _loans(rows, report, lookups: _Lookups) -> None:
    from circulation.duedates import end_of_day

    def store(row: dict) -> int:
        patron = _card_patron(row.get("card_number", ""))
        library = lookups.library(row.get("library", ""))
        tz = ZoneInfo(library.timezone or "Europe/Stockholm")
        item = Item.objects.select_for_update().filter(barcode=row.get("barcode", "")).first()
        if item is None:
            raise RowRejected(
                "unknown_item", _("No item has barcode %(b)s.") % {"b": row.get("barcode")}
            )
        if item.status in {Item.Status.WITHDRAWN, Item.Status.LOST}:
            raise RowRejected("item_unavailable", _("The item is withdrawn or lost."))
        if Loan.objects.open().filter(item=item).exists():
            raise RowRejected("item_on_loan", _("The item is already on loan."))
        checked_out = _instant(row.get("checked_out_at", ""), "checked_out_at", tz)
        due_day = _date(row.get("due_date", ""), "due_date")
        if due_day is None:
            raise RowRejected("missing", _("%(field)s is missing.") % {"field": "due_date"})
        due = end_of_day(due_day, tz)
        if due <= checked_out:
            raise RowRejected("bad_due_date", _("The due date is before the loan date."))
        try:
            renewals = int(row.get("renewals") or 0)
        except ValueError:
            raise RowRejected("bad_number", _("renewals is not a number.")) from None
        if not 0 <= renewals <= 100:
            raise RowRejected("bad_number", _("renewals is not a number."))
        loan = Loan.objects.create(
            item=item,
            patron=patron,
            checkout_library=library,
            rules_library=library,
            checked_out_at=checked_out,
            due_at=due,
            renewals=renewals,
        )
        Item.objects.filter(pk=item.pk).update(
            status=Item.Status.ON_LOAN, current_library=library, last_borrowed_at=checked_out
        )
        return loan.pk

    _each(rows, "loan", report, _loan_key, store)


def _hold_record(row: dict) -> Record:
    if row.get("barcode"):
        item = Item.objects.select_related("record").filter(barcode=row["barcode"]).first()
        if item is not None:
            return item.record
    isbn = normalize_isbn(row.get("isbn", "")) if row.get("isbn") else None
    if isbn:
        record = Record.objects.filter(isbns__contains=[isbn]).order_by("pk").first()
        if record is not None:
            return record
    if row.get("control_number"):
        record = Record.objects.filter(control_number=row["control_number"]).order_by("pk").first()
        if record is not None:
            return record
    raise RowRejected("unknown_title", _("No title matches the row's barcode, ISBN or number."))


def _hold_key(row: dict) -> str:
    title = row.get("barcode") or row.get("isbn") or row.get("control_number") or ""
    if not row.get("card_number") or not title:
        return ""
    return f"{row['card_number']}:{title}"


def _holds(rows, report, lookups: _Lookups) -> None:
    target_holds = task_named("circulation.tasks.target_holds")

    def store(row: dict) -> int:
        patron = _card_patron(row.get("card_number", ""))
        pickup = lookups.library(row.get("pickup_library", ""))
        record = _hold_record(row)
        tz = ZoneInfo(pickup.timezone or "Europe/Stockholm")
        placed = _instant(row.get("placed_at", ""), "placed_at", tz)
        if Hold.objects.active().filter(patron=patron, record=record).exists():
            raise RowRejected("already_held", _("The patron already holds this title."))
        hold = Hold.objects.create(
            patron=patron,
            record=record,
            pickup_library=pickup,
            placed_at=placed,
            queue_key=int(placed.timestamp() * 1_000_000),
        )
        transaction.on_commit(lambda: _enqueue(target_holds, hold.pk))
        return hold.pk

    _each(rows, "hold", report, _hold_key, store)


def _enqueue(task, hold_id: int) -> None:
    try:
        task.delay(hold_id=hold_id)
    except Exception:
        import logging

        logging.getLogger(__name__).warning("could not queue targeting of hold %s", hold_id)
