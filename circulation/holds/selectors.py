"""Reads of holds: a patron's holds with queue positions, the hold shelf, pick lists, a title's
queue, whether others wait for a loan's title. Each costs a fixed number of queries (noted)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from catalog.models import Item, Record
from circulation.holds.models import Hold
from libraries.models import Library
from patrons import rules as patron_rules
from patrons.models import Patron


def _ahead() -> Subquery:
    """How many waiting holds on the same title are ahead of this one in the queue."""
    ahead = (
        Hold.objects.filter(record=OuterRef("record"), state=Hold.State.WAITING)
        .filter(
            Q(queue_key__lt=OuterRef("queue_key"))
            | Q(queue_key=OuterRef("queue_key"), id__lt=OuterRef("id"))
        )
        .order_by()
        .values("record")
        .annotate(n=Count("id"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(ahead, output_field=IntegerField()), Value(0))


def with_position(queryset: QuerySet[Hold]) -> QuerySet[Hold]:
    """Annotate ``position`` (1 = next in line) for waiting holds; others get 0 in templates."""
    return queryset.annotate(ahead=_ahead(), position=F("ahead") + 1)


def _rows(queryset: QuerySet[Hold]) -> QuerySet[Hold]:
    return queryset.select_related("record", "pickup_library", "item", "requested_item")


def holds_of_patron(patron: Patron, *, active_only: bool = True) -> QuerySet[Hold]:
    """A patron's holds, newest first, with queue positions. One query."""
    holds = Hold.objects.filter(patron=patron)
    if active_only:
        holds = holds.active()
    return with_position(_rows(holds)).order_by("-placed_at", "-id")


def hold_of_patron(patron: Patron, hold_id: int) -> Hold | None:
    return Hold.objects.filter(patron=patron, pk=hold_id).first()


def _active_card_number() -> Subquery:
    from patrons.models import Card

    return Subquery(
        Card.objects.filter(patron=OuterRef("patron_id"), status=Card.Status.ACTIVE)
        .order_by("-issued_at", "-id")
        .values("number")[:1]
    )


def with_shelf_marks(holds) -> list[Hold]:
    """The holds (annotated ``card_number``, patron loaded) with ``shelf_mark`` set: the last
    four card digits and the initials the hold shelf is labelled and sorted by. No query."""
    holds = list(holds)
    for hold in holds:
        hold.shelf_mark = patron_rules.masked_identity(
            card_number=hold.card_number or "",
            first_name=hold.patron.first_name,
            last_name=hold.patron.last_name,
        )
    return holds


def hold_shelf(library: Library) -> list[Hold]:
    """What sits on ``library``'s hold shelf, soonest deadline first, each with its shelf mark
    (last four card digits and initials). One query."""
    return with_shelf_marks(
        Hold.objects.filter(pickup_library=library, state=Hold.State.ON_HOLD_SHELF)
        .select_related("record", "item", "patron")
        .annotate(card_number=_active_card_number())
        .order_by("pickup_deadline", "id")
    )


def ready_for_patron(patron_id: int) -> list[Hold]:
    """The patron's holds waiting on a hold shelf (here or elsewhere), soonest deadline first,
    each with its shelf mark. One query."""
    return with_shelf_marks(
        Hold.objects.filter(patron_id=patron_id, state=Hold.State.ON_HOLD_SHELF)
        .select_related("record", "item", "patron", "pickup_library")
        .annotate(card_number=_active_card_number())
        .order_by("pickup_deadline", "id")
    )


def coming_to_shelf(library: Library) -> QuerySet[Hold]:
    """Copies on their way to ``library`` for holds. One query."""
    return (
        Hold.objects.filter(pickup_library=library, state=Hold.State.IN_TRANSIT)
        .select_related("record", "item__current_library")
        .order_by("shelved_at", "id")
    )


def recently_expired(library: Library, *, now: datetime, days: int = 7) -> QuerySet[Hold]:
    """Holds not picked up at ``library`` lately, with where their copy is now. One query."""
    return (
        Hold.objects.filter(
            pickup_library=library,
            state=Hold.State.EXPIRED,
            closed_at__gte=now - timedelta(days=days),
        )
        .select_related("record", "item__current_library")
        .order_by("-closed_at", "-id")
    )


def pick_list(library: Library) -> QuerySet[Hold]:
    """The hämtlista: copies ``library`` is asked to take from its shelves. One query."""
    return (
        Hold.objects.filter(
            target_library=library,
            state=Hold.State.WAITING,
            target_item__status=Item.Status.AVAILABLE,
        )
        .select_related("record", "target_item", "pickup_library")
        .order_by("target_item__shelf_location", "target_item__call_number", "id")
    )


def queue_for_record(record: Record) -> QuerySet[Hold]:
    """A title's holds: caught ones first, then the waiting queue in order. One query."""
    return with_position(
        _rows(Hold.objects.filter(record=record).active()).select_related("patron")
    ).order_by(
        # in transit / on the shelf before the waiting queue
        F("item_id").asc(nulls_last=True),
        "queue_key",
        "id",
    )


def holds_for_api() -> QuerySet[Hold]:
    return with_position(_rows(Hold.objects.all())).order_by("-placed_at", "-id")


def shelf_holder_id(item: Item) -> int | None:
    """The patron the item is kept for (in transit or on the shelf), if any. One query."""
    return (
        Hold.objects.filter(item=item, state__in=Hold.HAS_ITEM_STATES)
        .values_list("patron_id", flat=True)
        .first()
    )


def items_with_others_waiting(
    *, item_ids: list[int], patron_id: int | None, today: date
) -> set[int]:
    """Of these copies, the ones whose title someone else waits for with no other copy on a shelf.

    For each copy: counts the waiting, not suspended holds another patron has on its title (or
    on this copy), and the title's other copies on a shelf; the copy is in the answer when the
    holds outnumber the copies. One query for any number of copies (renew-all asks for all of a
    patron's loans at once).
    """
    if not item_ids:
        return set()
    waiting = (
        Hold.objects.waiting()
        .not_suspended(today=today)
        .filter(record=OuterRef("record_id"))
        .filter(Q(requested_item__isnull=True) | Q(requested_item_id=OuterRef("pk")))
        .exclude(patron_id=patron_id)
        .order_by()
        .values("record")
        .annotate(n=Count("id"))
        .values("n")[:1]
    )
    on_shelf = (
        Item.objects.filter(
            record=OuterRef("record_id"),
            status=Item.Status.AVAILABLE,
            item_type__not_for_loan=False,
        )
        .exclude(pk=OuterRef("pk"))
        .order_by()
        .values("record")
        .annotate(n=Count("id"))
        .values("n")[:1]
    )
    return set(
        Item.objects.filter(pk__in=item_ids)
        .annotate(
            waiting=Coalesce(Subquery(waiting, output_field=IntegerField()), Value(0)),
            on_shelf=Coalesce(Subquery(on_shelf, output_field=IntegerField()), Value(0)),
        )
        .filter(waiting__gt=F("on_shelf"))
        .values_list("pk", flat=True)
    )


def others_waiting(*, item_id: int, patron_id: int | None, today: date) -> bool:
    """Does someone else wait for this copy's title with no other copy on a shelf? One query."""
    return item_id in items_with_others_waiting(
        item_ids=[item_id], patron_id=patron_id, today=today
    )


def pickup_libraries() -> list[Library]:
    """Where a hold may be picked up: every member library and the book bus."""
    return list(Library.objects.order_by("kind", "name"))


def hold_slip(hold: Hold) -> dict:
    """What the hold slip prints: the shelf mark the hold shelf is sorted by (last four card
    digits and initials, as on the shelf list), title, copy, the card number shortened, the
    name only where the pickup library chose so, the pickup deadline. Two queries."""
    from circulation.holds import rules
    from patrons.models import Card

    hold = Hold.objects.select_related("record", "item", "patron", "pickup_library").get(pk=hold.pk)
    patron = hold.patron
    card = (
        Card.objects.filter(patron_id=hold.patron_id, status=Card.Status.ACTIVE)
        .values_list("number", flat=True)
        .first()
    )
    return {
        "hold_id": hold.pk,
        "title": hold.record.title,
        "barcode": hold.item.barcode if hold.item_id else "",
        "card": rules.short_card(card or ""),
        "shelf_mark": patron_rules.masked_identity(
            card_number=card or "", first_name=patron.first_name, last_name=patron.last_name
        ),
        "name": rules.slip_name(
            first_name=patron.first_name,
            last_name=patron.last_name,
            shows_name=hold.pickup_library.hold_slip_shows_name,
        ),
        "pickup_deadline": hold.pickup_deadline,
        "library": hold.pickup_library.name,
    }
