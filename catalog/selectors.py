"""Catalogue reads: a record with its holdings per library and their availability.

Due dates: loans live in circulation, which depends on catalog (not the other way round). It
plugs its due dates in with ``register_due_date_provider(fn)`` where ``fn(item_ids) -> {item_id:
date}``; until it does, an item on loan shows "On loan" without a date.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import F, Prefetch
from django.utils.translation import gettext as _

from catalog.models import Item, Record
from libraries.models import Library

DueDateProvider = Callable[[list[int]], dict[int, date]]
_due_date_providers: list[DueDateProvider] = []


def register_due_date_provider(provider: DueDateProvider) -> None:
    """Circulation calls this (in its AppConfig.ready) with a function that returns the due
    dates of the open loans of the given items in ONE query."""
    if provider not in _due_date_providers:
        _due_date_providers.append(provider)


def due_dates_for_items(item_ids: list[int]) -> dict[int, date]:
    """Due dates of items on loan, from whoever registered (circulation); {} otherwise."""
    dates: dict[int, date] = {}
    for provider in _due_date_providers:
        dates.update(provider(item_ids))
    return dates


@dataclass(frozen=True)
class ItemAvailability:
    item: Item
    status: str
    label: str  # "På hyllan i Kristinehamn", "Utlånad till 12 mars"
    available: bool
    due: date | None = None


@dataclass(frozen=True)
class LibraryHoldings:
    library: Library
    items: tuple[ItemAvailability, ...]

    @property
    def available_count(self) -> int:
        return sum(1 for a in self.items if a.available)


def availability_label(item: Item, due: date | None) -> str:
    status = item.status
    where = _place(item.current_library)
    if status == Item.Status.AVAILABLE:
        return _("On the shelf at %(library)s") % {"library": where}
    if status == Item.Status.ON_LOAN:
        if due:
            from django.utils.formats import date_format

            return _("On loan until %(date)s") % {"date": date_format(due, "j F")}
        return _("On loan")
    if status == Item.Status.IN_TRANSIT:
        return _("In transit")
    if status == Item.Status.ON_HOLD_SHELF:
        return _("On the hold shelf at %(library)s") % {"library": where}
    if status == Item.Status.IN_STORAGE:
        return _("In storage at %(library)s — ask the staff") % {"library": where}
    return item.get_status_display()


def _place(library: Library | None) -> str:
    """Where, in a sentence: the municipality ("Kristinehamn"), or the bus's name."""
    if library is None:
        return ""
    return library.name if library.kind == Library.Kind.BOOKBUS else library.municipality


def holdings_by_library(items: Iterable[Item]) -> list[LibraryHoldings]:
    """Items (with current_library and home_library loaded) grouped per home library, each
    with a sentence a patron understands. Withdrawn copies are left out."""
    items = [i for i in items if i.status != Item.Status.WITHDRAWN]
    dues = due_dates_for_items([i.id for i in items if i.status == Item.Status.ON_LOAN])
    groups: dict[int, list[ItemAvailability]] = {}
    libraries: dict[int, Library] = {}
    for item in items:
        due = dues.get(item.id)
        libraries[item.home_library_id] = item.home_library
        groups.setdefault(item.home_library_id, []).append(
            ItemAvailability(
                item=item,
                status=item.status,
                label=availability_label(item, due),
                available=item.status == Item.Status.AVAILABLE,
                due=due,
            )
        )
    return [
        LibraryHoldings(libraries[lib_id], tuple(sorted(group, key=lambda a: a.item.barcode)))
        for lib_id, group in sorted(groups.items(), key=lambda kv: libraries[kv[0]].name)
    ]


def record_items() -> Prefetch:
    return Prefetch(
        "items",
        queryset=Item.objects.select_related("home_library", "current_library", "item_type"),
    )


def record_with_holdings(record_id: int) -> tuple[Record, list[LibraryHoldings]]:
    """A record and its holdings grouped per library (two queries + the due-date provider)."""
    record = (
        Record.objects.defer("search_vector").prefetch_related(record_items()).get(pk=record_id)
    )
    return record, holdings_by_library(record.items.all())


def availability_summaries(
    records: list[Record], libraries: dict[int, Library] | None = None
) -> dict[int, list[tuple[Library, int, int]]]:
    """For a page of search results: per record, (library, copies, available now), in one query
    (two when ``libraries`` by id is not given)."""
    from django.db.models import Count, Q

    rows = (
        Item.objects.filter(record__in=[r.id for r in records])
        .exclude(status=Item.Status.WITHDRAWN)
        .values("record_id", "home_library_id")
        .annotate(copies=Count("id"), available=Count("id", filter=Q(status=Item.Status.AVAILABLE)))
        .order_by()
    )
    libs = libraries or {lib.id: lib for lib in Library.objects.all()}
    result: dict[int, list[tuple[Library, int, int]]] = {}
    for row in rows:
        result.setdefault(row["record_id"], []).append(
            (libs[row["home_library_id"]], row["copies"], row["available"])
        )
    for summary in result.values():
        summary.sort(key=lambda t: t[0].name)
    return result


def more_by_author(record: Record, limit: int = 5) -> list[Record]:
    if not record.authors:
        return []
    return list(
        Record.objects.filter(authors__contains=[record.authors[0]])
        .exclude(pk=record.pk)
        .only("id", "title", "year")
        .order_by(F("year").desc(nulls_last=True))[:limit]
    )


def more_in_series(record: Record, limit: int = 5) -> list[Record]:
    if not record.series:
        return []
    return list(
        Record.objects.filter(series=record.series)
        .exclude(pk=record.pk)
        .only("id", "title", "year")
        .order_by(F("year").desc(nulls_last=True))[:limit]
    )
