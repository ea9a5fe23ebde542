"""Reads for the desk's item lookup (issue 14): find copies by barcode or title and show one
copy's status, place, due date and transfer history. The borrower is not shown here: staff open
the loan (a separate, logged step) to see who has it. Each function costs a fixed number of
queries (noted)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from catalog import search as catalog_search
from catalog.models import Item
from circulation import selectors
from circulation.models import Loan
from transport.models import Transfer, TransferEvent

MAX_ITEMS = 100


@dataclass(frozen=True)
class ItemRow:
    item: Item
    due: date | None  # the open loan's due date (local), if on loan


def _item_rows(items: list[Item]) -> list[ItemRow]:
    dues = selectors.local_due_dates_of_items(
        [i.pk for i in items if i.status == Item.Status.ON_LOAN]
    )
    return [ItemRow(item=i, due=dues.get(i.pk)) for i in items]


def _items():
    return Item.objects.select_related(
        "record", "home_library", "current_library", "item_type"
    ).defer("record__marc", "record__search_vector", "record__summary")


def item_by_barcode(barcode: str) -> Item | None:
    """The copy with exactly this barcode. One query."""
    barcode = "".join((barcode or "").split())
    return _items().filter(barcode=barcode).first() if barcode else None


def find_items(text: str) -> list[ItemRow]:
    """Copies of the titles the catalogue search finds for ``text`` (a barcode or call number
    typed whole finds its copies directly), up to 100, with due dates. Four queries: the
    search's (exact lookup, ids, records), the copies, the due dates."""
    result = catalog_search.search(text=text, per_page=20, with_facets=False)
    record_ids = [r.pk for r in result.records]
    if not record_ids:
        return []
    order = {pk: n for n, pk in enumerate(record_ids)}
    items = sorted(
        _items().filter(record_id__in=record_ids)[:MAX_ITEMS],
        key=lambda i: (order[i.record_id], i.home_library.name, i.barcode),
    )
    return _item_rows(items)


@dataclass(frozen=True)
class ItemDetail:
    item: Item
    loan: Loan | None  # the open loan: id and due date only, not the borrower
    transfers: list[Transfer]  # newest first, each with its events (oldest first)


def item_detail(item_id: int) -> ItemDetail | None:
    """One copy: its place and status, the open loan's due date, its transfer history. Four
    queries (item, open loan, transfers, their events)."""
    item = _items().filter(pk=item_id).first()
    if item is None:
        return None
    loan = (
        Loan.objects.open()
        .filter(item_id=item_id)
        .only("id", "item_id", "due_at", "checked_out_at", "checkout_library_id", "renewals")
        .first()
    )
    transfers = list(
        Transfer.objects.filter(item_id=item_id)
        .select_related("from_library", "to_library")
        .order_by("-created_at", "-id")[:50]
    )
    events: dict[int, list[TransferEvent]] = {}
    if transfers:
        for event in (
            TransferEvent.objects.filter(transfer__in=transfers)
            .select_related("library")
            .order_by("at", "id")
        ):
            events.setdefault(event.transfer_id, []).append(event)
    for transfer in transfers:
        transfer.history = events.get(transfer.pk, [])
    return ItemDetail(item=item, loan=loan, transfers=transfers)
