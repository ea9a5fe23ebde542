"""Reads: the network as planner input, library names, floating rules, the desk's lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Item
from libraries.models import Library
from transport import network_cache
from transport.models import PackingList, Transfer
from transport.network import floating_pairs as floating_pairs
from transport.network import library_names as library_names
from transport.network import load_network as load_network
from transport.network import short_name as short_name


def floats_at(*, item: Item, library: Library, now: datetime | None = None) -> bool:
    """Does this item stay at ``library`` when returned there (a floating collection)?"""
    floating = network_cache.snapshot(now=now or timezone.now()).floating
    return (library.id, None) in floating or (library.id, item.item_type_id) in floating


def open_transfer_for(item: Item) -> Transfer | None:
    return Transfer.objects.filter(item=item, state__in=Transfer.OPEN_STATES).first()


def transfers_with_item() -> QuerySet[Transfer]:
    return Transfer.objects.select_related("item__record", "from_library", "to_library").order_by(
        "expected_arrival", "id"
    )


def outgoing_crates(*, library: Library, day: date) -> list[PackingList]:
    """Crates leaving ``library`` on ``day`` (and still-open earlier ones), with entry counts."""
    return list(
        PackingList.objects.filter(link__from_library=library)
        .filter(Q(departure_date=day) | Q(departure_date__lt=day, closed_at__isnull=True))
        .select_related("link__from_library", "link__to_library")
        .annotate(item_count=Count("entries"))
        .order_by("departure_date", "link__departure_time")
    )


def upcoming_crates(*, library: Library, after: date, days: int = 7) -> list[PackingList]:
    return list(
        PackingList.objects.filter(
            link__from_library=library,
            departure_date__gt=after,
            departure_date__lte=after + timedelta(days=days),
        )
        .select_related("link__from_library", "link__to_library")
        .annotate(item_count=Count("entries"))
        .order_by("departure_date", "link__departure_time")
    )


def crate_entries(packing_list: PackingList):
    return packing_list.entries.select_related(
        "transfer__item__record", "transfer__to_library", "transfer__from_library"
    ).order_by("transfer__to_library__code", "transfer__item__barcode")


def expected_arrivals(*, library: Library) -> list[Transfer]:
    """Open transfers whose current hop ends at ``library``."""
    rows = transfers_with_item().filter(
        state__in=[Transfer.State.PACKED, Transfer.State.IN_TRANSIT]
    )
    return [t for t in rows.filter(route__contains=[{"to": library.code}]) if _hop_to(t, library)]


def _hop_to(transfer: Transfer, library: Library) -> bool:
    hop = transfer.hop
    return hop is not None and hop["to"] == library.code


def in_transit_to(*, library: Library) -> QuerySet[Transfer]:
    return transfers_with_item().filter(to_library=library, state__in=Transfer.OPEN_STATES)


def in_transit_from(*, library: Library) -> QuerySet[Transfer]:
    return transfers_with_item().filter(from_library=library, state__in=Transfer.OPEN_STATES)


def missing_in_transport(*, library: Library | None = None) -> QuerySet[Transfer]:
    rows = transfers_with_item().filter(state__in=Transfer.OPEN_STATES, missing_since__isnull=False)
    if library is not None:
        rows = rows.filter(Q(to_library=library) | Q(from_library=library))
    return rows


@dataclass(frozen=True)
class Matrix:
    codes: tuple[str, ...]
    names: dict[str, str]
    counts: dict[tuple[str, str], int]

    def rows(self) -> list[tuple[str, list[int], int]]:
        return [
            (
                self.names[a],
                [self.counts.get((a, b), 0) for b in self.codes],
                sum(self.counts.get((a, b), 0) for b in self.codes),
            )
            for a in self.codes
        ]

    @property
    def column_totals(self) -> list[int]:
        return [sum(self.counts.get((a, b), 0) for a in self.codes) for b in self.codes]


def transfer_matrix(*, start: date, end: date) -> Matrix:
    """How many transfers started from each library to each library in [start, end]."""
    libraries = list(Library.objects.order_by("code"))
    counts = {
        (row["from_library__code"], row["to_library__code"]): row["n"]
        for row in Transfer.objects.filter(created_at__date__range=(start, end))
        .exclude(state=Transfer.State.CANCELLED)
        .values("from_library__code", "to_library__code")
        .annotate(n=Count("id"))
    }
    return Matrix(
        codes=tuple(lib.code for lib in libraries),
        names={lib.code: short_name(lib) for lib in libraries},
        counts=counts,
    )


def describe_stops(transfer: Transfer, names: dict[str, str]) -> str:
    """'Storfors → Karlskoga': the stops still ahead; just the destination before planning."""
    stops = transfer.remaining_stops
    if not stops:
        return names.get(transfer.to_library.code, transfer.to_library.name)
    return " → ".join(names.get(code, code) for code in stops)


def next_hop_description(transfer: Transfer, names: dict[str, str] | None = None) -> str:
    """What the desk tells staff: 'Send to Storfors → Karlskoga'."""
    if names is None:
        names = network_cache.snapshot(now=timezone.now()).names
    return _("Send to %(stops)s") % {"stops": describe_stops(transfer, names)}


@dataclass(frozen=True)
class TransportToday:
    crates: int  # crates leaving the library today (and still-open earlier ones)
    crate_items: int  # items packed in them
    arriving: int  # open transfers whose destination is the library


def transport_today(*, library: Library, day: date) -> TransportToday:
    """Counts for the desk start page, with the dashboard's filters. Two queries."""
    crates = (
        PackingList.objects.filter(link__from_library=library)
        .filter(Q(departure_date=day) | Q(departure_date__lt=day, closed_at__isnull=True))
        .aggregate(crates=Count("id", distinct=True), items=Count("entries"))
    )
    arriving = Transfer.objects.filter(to_library=library, state__in=Transfer.OPEN_STATES).count()
    return TransportToday(crates=crates["crates"], crate_items=crates["items"], arriving=arriving)
