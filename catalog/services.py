"""Cataloguing writes: records from MARC, items added, edited, moved and withdrawn.

Locking convention: a record row before its items (``select_for_update`` in that order).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pymarc
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog import marc
from catalog.importer import EXTRACTED, build_record
from catalog.indexing import refresh_library_ids, refresh_search_vectors
from catalog.models import DeletedRecord, Item, ItemType, Record
from libraries.models import Library

BARCODE_RE = re.compile(r"^[0-9A-Za-z\-]{4,32}$")


class CatalogError(Exception):
    """A cataloguing action refused; ``reason`` is a stable code, ``message`` translated."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


def _check_marc(record: pymarc.Record) -> None:
    problems = marc.validate(record)
    if problems:
        raise CatalogError("invalid_marc", "; ".join(problems))


@transaction.atomic
def create_record(*, marc_record: pymarc.Record) -> Record:
    """A new bibliographic record from MARC (validated); its search columns filled."""
    _check_marc(marc_record)
    record = build_record(marc_record)
    record.save()
    refresh_search_vectors([record.id])
    record.refresh_from_db()
    return record


@transaction.atomic
def update_record(*, record: Record, marc_record: pymarc.Record) -> Record:
    """Replace a record's MARC; the extracted fields follow it."""
    _check_marc(marc_record)
    record = Record.objects.select_for_update().get(pk=record.pk)
    fresh = build_record(marc_record)
    record.marc = fresh.marc
    for name in EXTRACTED:
        setattr(record, name, getattr(fresh, name))
    record.save(update_fields=["marc", *EXTRACTED, "updated_at"])
    refresh_search_vectors([record.id])
    return record


@transaction.atomic
def delete_record(*, record: Record) -> None:
    """Delete a record; refused while it has items (withdrawn ones included: history)."""
    record = Record.objects.select_for_update().get(pk=record.pk)
    if record.items.exists():
        raise CatalogError("has_items", _("A record with items cannot be deleted."))
    DeletedRecord.objects.create(
        record_id=record.pk,
        title=record.title,
        library_ids=record.library_ids,
        deleted_at=timezone.now(),
    )
    record.delete()


@dataclass(frozen=True)
class ItemInput:
    barcode: str
    home_library: Library
    item_type: ItemType
    call_number: str = ""
    shelf_location: str = ""
    price: Decimal | None = None
    acquired_on: date | None = None
    public_note: str = ""


def validate_barcode(barcode: str) -> str:
    barcode = (barcode or "").strip()
    if not BARCODE_RE.match(barcode):
        raise CatalogError(
            "bad_barcode",
            _("A barcode is 4–32 letters, digits or hyphens, without spaces."),
        )
    return barcode


@transaction.atomic
def add_item(*, record: Record, data: ItemInput) -> Item:
    """A new copy on the shelf at its home library."""
    barcode = validate_barcode(data.barcode)
    Record.objects.select_for_update().get(pk=record.pk)
    if Item.objects.filter(barcode=barcode).exists():
        raise CatalogError("duplicate_barcode", _("That barcode is already in use."))
    item = Item.objects.create(
        record=record,
        barcode=barcode,
        home_library=data.home_library,
        current_library=data.home_library,
        item_type=data.item_type,
        call_number=data.call_number,
        shelf_location=data.shelf_location,
        price=data.price,
        acquired_on=data.acquired_on,
        public_note=data.public_note,
    )
    refresh_library_ids([record.id])
    return item


ITEM_EDITABLE = [
    "item_type",
    "call_number",
    "shelf_location",
    "price",
    "acquired_on",
    "public_note",
    "condition",
]


@transaction.atomic
def update_item(*, item: Item, changes: dict) -> Item:
    """Edit a copy's cataloguing details (not its status, library or barcode)."""
    unknown = set(changes) - set(ITEM_EDITABLE)
    if unknown:
        raise CatalogError("not_editable", _("These fields cannot be edited here."))
    item = Item.objects.select_for_update().get(pk=item.pk)
    for name, value in changes.items():
        setattr(item, name, value)
    item.save(update_fields=[*changes, "updated_at"])
    return item


@transaction.atomic
def move_item(*, item: Item, to_library: Library) -> Item:
    """Transfer ownership of a copy to another library (it stays where it is until sent)."""
    Record.objects.select_for_update().get(pk=item.record_id)
    item = Item.objects.select_for_update().get(pk=item.pk)
    if item.status == Item.Status.WITHDRAWN:
        raise CatalogError("withdrawn", _("A withdrawn item cannot be moved."))
    item.home_library = to_library
    item.save(update_fields=["home_library", "updated_at"])
    refresh_library_ids([item.record_id])
    return item


WITHDRAWABLE = {
    Item.Status.AVAILABLE,
    Item.Status.MISSING,
    Item.Status.LOST,
    Item.Status.IN_STORAGE,
}


@transaction.atomic
def withdraw_item(*, item: Item) -> Item:
    """Weed a copy (gallring). Not while it is on loan, on the hold shelf or in transit."""
    Record.objects.select_for_update().get(pk=item.record_id)
    item = Item.objects.select_for_update().get(pk=item.pk)
    if item.status not in WITHDRAWABLE:
        raise CatalogError(
            "busy",
            _("The item is %(status)s and cannot be withdrawn now.")
            % {"status": item.get_status_display().lower()},
        )
    item.status = Item.Status.WITHDRAWN
    item.save(update_fields=["status", "updated_at"])
    refresh_library_ids([item.record_id])
    return item
