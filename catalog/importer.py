"""MARC import: read a file, match before creating, write records and items in batches.

Per batch of records: one query loads the match candidates, one the barcodes already in use,
one INSERT creates the new records, one the items, and two UPDATEs refresh the search columns.
A broken record is reported with its number and reason and skipped; its batch goes on. With
``dry_run`` everything runs inside one transaction that is rolled back.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import psycopg
import pymarc
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog import marc
from catalog.bulk import copy_objects, copy_rows, reserve_ids
from catalog.indexing import refresh_library_ids, vector_of
from catalog.matching import Match, MatchIndex, disagreement, find_match, keys_for
from catalog.models import Item, ItemType, Record
from libraries.models import Library

# LIBRIS sigels → our library codes. Settings may override: GRANSLOS["SIGEL_LIBRARY"].
DEFAULT_SIGELS = {"DEG": "DEG", "HFS": "HFS", "KGA": "KGA", "KHM": "KHM", "STO": "STO"}
MEDIA_ITEM_TYPE = {
    "book": "BOOK",
    "ebook": "BOOK",
    "audiobook": "AUDIOBOOK",
    "video": "DVD",
    "music": "MUSIC",
    "periodical": "PERIODICAL",
    "language_course": "LANGCOURSE",
    "game": "GAME",
    "kit": "KIT",
}
HOLDING_TAGS = ("852",)
# The fields extracted from the MARC record on every write (catalog.marc.extract).
EXTRACTED = [
    "control_number",
    "control_source",
    "system_numbers",
    "title",
    "subtitle",
    "responsibility",
    "title_sort",
    "authors",
    "author_sort",
    "isbns",
    "issns",
    "year",
    "publisher",
    "language",
    "languages",
    "media_type",
    "audience",
    "subjects",
    "sab",
    "dewey",
    "series",
    "summary",
]
RECORD_COLUMNS = ["id", "marc", *EXTRACTED, "library_ids", "search_vector"]
ITEM_COPY_COLUMNS = [
    "record_id",
    "barcode",
    "home_library_id",
    "current_library_id",
    "item_type_id",
    "call_number",
    "shelf_location",
    "status",
    "price",
    "loan_count",
    "public_note",
    "created_at",
    "updated_at",
]
ITEM_COLUMNS = [
    "record",
    "barcode",
    "home_library",
    "current_library",
    "item_type",
    "call_number",
    "shelf_location",
    "status",
    "price",
    "loan_count",
    "public_note",
]


def sigel_map() -> dict[str, str]:
    configured = settings.GRANSLOS.get("SIGEL_LIBRARY") or {}
    return {**DEFAULT_SIGELS, **configured}


def item_field_map() -> dict[str, dict[str, str]]:
    """949/952-style item fields: {"949": {"library": "a", "barcode": "p", ...}}."""
    return settings.GRANSLOS.get("ITEM_FIELDS") or {
        "949": {"library": "a", "barcode": "p", "call_number": "o", "item_type": "y"}
    }


REPORT_LIST_LIMIT = 1000


@dataclass
class ImportReport:
    total: int = 0
    created: int = 0
    matched: int = 0
    items_added: int = 0
    items_present: int = 0
    skipped: int = 0
    errors: list[dict] = field(default_factory=list)  # {"record": n, "reason": code, "message"}
    merges: list[dict] = field(default_factory=list)  # {"record": n, "record_id", "why"}
    # A shared 035/ISBN whose title or year disagrees: a new record, reported here.
    conflicts: list[dict] = field(default_factory=list)  # {"record": n, "record_id", "why"}
    unknown_libraries: Counter = field(default_factory=Counter)
    dry_run: bool = False
    fatal: str = ""

    def error(self, number: int, reason: str, message: str) -> None:
        self.errors.append({"record": number, "reason": reason, "message": message})

    def absorb(self, other: ImportReport) -> None:
        """Add a batch's figures (kept apart until the batch is written)."""
        for name in ("created", "matched", "items_added", "items_present", "skipped"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors += other.errors
        self.merges += other.merges
        self.conflicts += other.conflicts
        self.unknown_libraries.update(other.unknown_libraries)

    @property
    def all_rejected(self) -> bool:
        """Nothing of the file could be used (the command then exits non-zero)."""
        return bool(self.fatal) or (self.total > 0 and self.created + self.matched == 0)

    def as_dict(self) -> dict:
        lists = {"errors": self.errors, "merges": self.merges, "conflicts": self.conflicts}
        return {
            "total": self.total,
            "created": self.created,
            "matched": self.matched,
            "items_added": self.items_added,
            "items_present": self.items_present,
            "skipped": self.skipped,
            **{name: values[:REPORT_LIST_LIMIT] for name, values in lists.items()},
            # A list longer than REPORT_LIST_LIMIT is cut: its full length is said here.
            "truncated": {
                name: len(values)
                for name, values in lists.items()
                if len(values) > REPORT_LIST_LIMIT
            },
            "unknown_libraries": dict(self.unknown_libraries),
            "dry_run": self.dry_run,
            "fatal": self.fatal,
        }

    def summary(self) -> str:
        return _(
            "%(total)s records read: %(created)s created, %(matched)s matched, "
            "%(items)s items added, %(skipped)s skipped, %(errors)s errors"
        ) % {
            "total": self.total,
            "created": self.created,
            "matched": self.matched,
            "items": self.items_added,
            "skipped": self.skipped,
            "errors": len(self.errors),
        }


@dataclass
class Unit:
    """A bibliographic record of the file and the holdings that came with it."""

    number: int
    record: pymarc.Record
    holdings: list[marc.Holding] = field(default_factory=list)
    data: marc.RecordData | None = None


def import_marc(
    *,
    data: bytes,
    library: Library | None = None,
    dry_run: bool = False,
    batch_size: int = 1000,
    progress: Callable[[int], None] | None = None,
    sigels: dict[str, str] | None = None,
) -> ImportReport:
    """Import a MARC file (ISO 2709 MARC-8/UTF-8 or MARCXML). With ``library``, every copy in
    the file belongs to that library; otherwise 852 $b (our code or a mapped sigel) decides."""
    report = ImportReport(dry_run=dry_run)
    context = _Context(library=library, sigels=sigels or sigel_map())
    try:
        units = _units(marc.read_records(data), report)
        if dry_run:
            with transaction.atomic():
                _run(units, context, report, batch_size, progress)
                transaction.set_rollback(True)
        else:
            _run(units, context, report, batch_size, progress)
    except marc.MarcError as exc:
        report.fatal = exc.message
        report.error(0, exc.reason, exc.message)
    return report


@dataclass
class _Context:
    library: Library | None
    sigels: dict[str, str]
    libraries: dict[str, Library] = field(default_factory=dict)
    item_types: dict[str, ItemType] = field(default_factory=dict)

    def load(self) -> None:
        if not self.libraries:
            self.libraries = {lib.code: lib for lib in Library.objects.all()}
            self.item_types = {t.code: t for t in ItemType.objects.all()}

    def library_for(self, code: str) -> Library | None:
        if self.library is not None:
            return self.library
        ours = self.sigels.get(code) or self.sigels.get(code.upper()) or code.upper()
        return self.libraries.get(ours)


def _run(units, context: _Context, report: ImportReport, batch_size: int, progress) -> None:
    context.load()
    batch: list[Unit] = []
    for unit in units:
        batch.append(unit)
        if len(batch) >= batch_size:
            _write_batch_or_each(batch, context, report)
            batch = []
            if progress:
                progress(report.total)
    if batch:
        _write_batch_or_each(batch, context, report)
    if progress:
        progress(report.total)


def _write_batch_or_each(batch: list[Unit], context: _Context, report: ImportReport) -> None:
    """Write the batch in one go (a savepoint); if the database refuses it, write its records
    one by one, each in its own savepoint, and reject only those the database refuses (with
    their number and the reason), never the rest of the batch."""
    part = ImportReport()
    try:
        _write_batch(batch, context, part)
    except (DatabaseError, psycopg.Error):  # COPY raises psycopg's own errors
        for unit in batch:
            one = ImportReport()
            try:
                _write_batch([unit], context, one)
            except (DatabaseError, psycopg.Error) as exc:
                report.skipped += 1
                report.error(
                    unit.number,
                    "database_error",
                    _("the record could not be stored: %(error)s")
                    % {"error": str(exc).strip().splitlines()[0][:300] if str(exc) else ""},
                )
            else:
                report.absorb(one)
        return
    report.absorb(part)


def _units(results: Iterator[marc.ReadResult], report: ImportReport) -> Iterator[Unit]:
    """Group each bibliographic record with the holdings records that follow it (or name it
    in 004), validating and extracting as we go; broken records are reported here."""
    pending: Unit | None = None
    recent: dict[str, Unit] = {}
    for result in results:
        report.total += 1
        if result.error:
            report.skipped += 1
            report.error(result.number, result.error.reason, result.error.message)
            continue
        record = result.record
        if marc.is_holdings(record):
            link = marc.holdings_link(record)
            owner = recent.get(link) if link else pending
            if owner is None:
                report.skipped += 1
                report.error(
                    result.number,
                    "orphan_holdings",
                    _("a holdings record without its bibliographic record"),
                )
            else:
                owner.holdings.extend(marc.holdings(record))
            continue
        marc.clean_control_characters(record)
        problems = marc.validate(record)
        if problems:
            report.skipped += 1
            report.error(result.number, "invalid", "; ".join(problems))
            continue
        if pending is not None:
            yield pending
        pending = Unit(result.number, record)
        pending.data = marc.extract(record, item_field_map())
        pending.holdings.extend(pending.data.holdings)
        if pending.data.control_number:
            recent = {pending.data.control_number: pending}
    if pending is not None:
        yield pending


def _stored_marc(record: pymarc.Record) -> bytes:
    """The bibliographic MARC we keep: holdings fields leave (items are the holdings now)."""
    tags = set(HOLDING_TAGS) | set(item_field_map())
    record.remove_fields(*tags)
    return marc.to_iso2709(record)


@transaction.atomic
def _write_batch(batch: list[Unit], context: _Context, report: ImportReport) -> None:
    keys = [
        keys_for(
            control_number=u.data.control_number,
            control_source=u.data.control_source,
            system_numbers=u.data.system_numbers,
            isbns=u.data.isbns,
            title=u.data.title,
            year=u.data.year,
        )
        for u in batch
    ]
    index = _load_index(keys)
    # Decide per unit: an existing record, an earlier unit of this batch, or a new record.
    targets: list[int | str] = []
    new_units: list[tuple[int, Unit]] = []
    merges: list[tuple[int, Match]] = []
    conflicts: list[tuple[int, Match]] = []
    for position, (unit, unit_keys) in enumerate(zip(batch, keys, strict=True)):
        match: Match | None = find_match(unit_keys, index)
        if match is None:
            conflict = disagreement(unit_keys, index)
            if conflict is not None:
                conflicts.append((unit.number, conflict))
            key = f"new:{position}"
            index.add(key, unit_keys)
            new_units.append((position, unit))
            targets.append(key)
            report.created += 1
        else:
            targets.append(match.record_key)
            report.matched += 1
            merges.append((unit.number, match))
    created = [_new_record(unit) for _position, unit in new_units]
    for rec, rec_id in zip(created, reserve_ids(Record, len(created)), strict=True):
        rec.id = rec_id
    copy_objects(created, RECORD_COLUMNS)
    ids = {f"new:{pos}": rec.id for (pos, _unit), rec in zip(new_units, created, strict=True)}
    record_ids = [ids.get(t, t) if isinstance(t, str) else t for t in targets]
    for number, match in merges:
        record_id = ids.get(match.record_key, match.record_key)
        report.merges.append({"record": number, "record_id": record_id, "why": match.message})
    for number, conflict in conflicts:
        record_id = ids.get(conflict.record_key, conflict.record_key)
        report.conflicts.append(
            {
                "record": number,
                "record_id": record_id,
                "why": _("%(rule)s, but the title or year differs: not merged")
                % {"rule": conflict.message},
            }
        )
    touched = _write_items(batch, record_ids, context, report)
    refresh_library_ids(touched)


def _load_index(keys) -> MatchIndex:
    """The existing records any of the batch's keys point at, in one query. Each key is its
    own index probe (UNION of joins against unnest): OR-ing the kinds, or `&&` with a long
    array, makes PostgreSQL scan the whole table."""
    controls = [k.control[1] for k in keys if k.control]
    system_numbers = [n for k in keys for n in k.system_numbers]
    isbns = [i for k in keys for i in k.isbns]
    index = MatchIndex()
    if not (controls or system_numbers or isbns):
        return index
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT id, control_number, control_source, system_numbers, isbns, title, year
              FROM catalog_record
             WHERE id IN (
                   SELECT id FROM catalog_record WHERE control_number = ANY(%s::varchar[])
                   UNION
                   SELECT r.id FROM unnest(%s::varchar[]) k(v)
                     JOIN catalog_record r ON r.system_numbers @> ARRAY[k.v]
                   UNION
                   SELECT r.id FROM unnest(%s::varchar[]) k(v)
                     JOIN catalog_record r ON r.isbns @> ARRAY[k.v])
             ORDER BY id
            """,
            [controls, system_numbers, isbns],
        )
        rows = cursor.fetchall()
    for rid, number, source, sysnums, rec_isbns, title, year in rows:
        index.add(
            rid,
            keys_for(
                control_number=number,
                control_source=source,
                system_numbers=sysnums,
                isbns=rec_isbns,
                title=title,
                year=year,
            ),
        )
    return index


def _new_record(unit: Unit) -> Record:
    record = build_record(unit.record, unit.data)
    record.search_vector = vector_of(record)  # COPY writes it with the row
    return record


def build_record(marc_record: pymarc.Record, data: marc.RecordData | None = None) -> Record:
    """An unsaved Record from MARC: the MARC (without holdings fields) and what is extracted."""
    d = data or marc.extract(marc_record, item_field_map())
    return Record(
        marc=_stored_marc(marc_record),
        control_number=d.control_number,
        control_source=d.control_source,
        system_numbers=list(d.system_numbers),
        title=d.title[:2000],
        subtitle=d.subtitle,
        responsibility=d.responsibility,
        title_sort=d.title_sort,
        authors=list(d.authors),
        author_sort=d.author_sort[:255],
        isbns=list(d.isbns),
        issns=list(d.issns),
        year=d.year,
        publisher=d.publisher,
        language=d.language,
        languages=list(d.languages),
        media_type=d.media_type,
        audience=d.audience,
        subjects=list(d.subjects),
        sab=d.sab,
        dewey=d.dewey,
        series=d.series,
        summary=d.summary,
    )


def _write_items(batch, record_ids, context: _Context, report: ImportReport) -> set[int]:
    """Create the copies of the batch; a barcode already on another record is an error."""
    planned: list[tuple[int, int, marc.Holding, Library, str]] = []  # unit no, record, ...
    per_library: Counter = Counter()
    for unit, record_id in zip(batch, record_ids, strict=True):
        for holding in unit.holdings:
            lib = context.library_for(holding.library_code)
            if lib is None:
                report.unknown_libraries[holding.library_code] += 1
                continue
            per_library[(record_id, lib.id)] += 1
            barcode = holding.barcode or (
                f"I{lib.code}{record_id:08d}{per_library[(record_id, lib.id)]:02d}"
            )
            planned.append((unit.number, record_id, holding, lib, barcode))
    existing = dict(
        Item.objects.filter(barcode__in=[p[4] for p in planned]).values_list("barcode", "record_id")
    )
    items: list[tuple] = []
    seen: set[str] = set()
    now = timezone.now()
    media = {rid: u.data.media_type for u, rid in zip(batch, record_ids, strict=True)}
    for number, record_id, holding, lib, barcode in planned:
        if barcode in existing and existing[barcode] == record_id:
            report.items_present += 1
            continue
        if barcode in existing or barcode in seen or not barcode.isprintable() or " " in barcode:
            report.error(
                number,
                "duplicate_barcode" if barcode in existing or barcode in seen else "bad_barcode",
                _("copy %(barcode)s not added: the barcode is already in use or invalid")
                % {"barcode": barcode},
            )
            continue
        seen.add(barcode)
        item_type = context.item_types.get(holding.item_type.upper()) or context.item_types.get(
            MEDIA_ITEM_TYPE.get(media[record_id], "BOOK")
        )
        items.append(
            (
                record_id,
                barcode[:32],
                lib.id,
                lib.id,
                item_type.id,
                holding.call_number[:80],
                holding.shelf_location[:80],
                Item.Status.AVAILABLE.value,
                _price(holding.price),
                0,
                "",
                now,
                now,
            )
        )
    copy_rows(Item._meta.db_table, ITEM_COPY_COLUMNS, items)
    report.items_added += len(items)
    return {row[0] for row in items}


def _price(value: str) -> Decimal | None:
    try:
        price = Decimal(value.replace(",", ".").strip()) if value else None
    except InvalidOperation:
        return None
    return price if price is not None and 0 <= price < Decimal("1000000") else None
