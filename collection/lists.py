"""Lists for marketing and patrons' own lists: services and reads (docs/collection.md)."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils.translation import gettext as _

from catalog.marc import normalize_isbn
from catalog.models import Item, Record
from collection.models import ReadingList, ReadingListEntry

MAX_ENTRIES = 500


class ListRefused(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def find_record(text: str) -> Record | None:
    """A record by id, ISBN or an item's barcode, as staff type or scan it."""
    text = (text or "").strip()
    if not text or len(text) > 40:
        return None
    if text.isdigit() and len(text) < 10:
        found = Record.objects.filter(pk=int(text)).first()
        if found:
            return found
    isbn = normalize_isbn(text)
    if isbn:
        found = Record.objects.filter(isbns__contains=[isbn]).order_by("pk").first()
        if found:
            return found
    item = Item.objects.select_related("record").filter(barcode=text).first()
    return item.record if item else None


def create_list(*, title: str, library=None, patron=None, kind=ReadingList.Kind.MANUAL, **fields):
    title = (title or "").strip()
    if not title:
        raise ListRefused("title", _("Give the list a title."))
    return ReadingList.objects.create(
        title=title[:200], library=library, patron=patron, kind=kind, **fields
    )


@transaction.atomic
def add_entry(*, reading_list: ReadingList, record: Record, note: str = "") -> ReadingListEntry:
    locked = ReadingList.objects.select_for_update().get(pk=reading_list.pk)
    if locked.kind != ReadingList.Kind.MANUAL:
        raise ListRefused("generated", _("A generated list chooses its own titles."))
    agg = locked.entries.aggregate(n=Max("position"))
    if locked.entries.count() >= MAX_ENTRIES:
        raise ListRefused("full", _("A list holds at most %(n)d titles.") % {"n": MAX_ENTRIES})
    try:
        with transaction.atomic():
            return ReadingListEntry.objects.create(
                reading_list=locked,
                record=record,
                note=(note or "").strip()[:255],
                position=(agg["n"] or 0) + 1,
            )
    except IntegrityError:
        raise ListRefused("already", _("The title is already on the list.")) from None


def remove_entry(*, reading_list: ReadingList, record_id: int) -> None:
    ReadingListEntry.objects.filter(reading_list=reading_list, record_id=record_id).delete()


def records_of(reading_list: ReadingList, *, today: date, limit: int = MAX_ENTRIES) -> list[Record]:
    """The list's titles in order; a "new" list: the library's copies acquired lately."""
    if reading_list.kind == ReadingList.Kind.NEW:
        since = today - timedelta(days=reading_list.new_days)
        ids = (
            Item.objects.filter(home_library_id=reading_list.library_id)
            .filter(
                Q(acquired_on__gte=since) | Q(acquired_on__isnull=True, created_at__date__gte=since)
            )
            .exclude(status=Item.Status.WITHDRAWN)
            .values("record_id")
        )
        return list(Record.objects.filter(pk__in=ids).order_by("-created_at", "-id")[:limit])
    entries = reading_list.entries.select_related("record")[:limit]
    out = []
    for entry in entries:
        entry.record.list_note = entry.note
        out.append(entry.record)
    return out


def visible_to(reading_list: ReadingList, *, patron) -> bool:
    """Library lists when published; a patron's own list to its owner (or when made public)."""
    if reading_list.public:
        return True
    return patron is not None and reading_list.patron_id == patron.pk
