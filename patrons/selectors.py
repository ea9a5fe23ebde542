"""Reads of the patron registry. Checkout-time reads cost one query."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef, Q, QuerySet

from libraries.models import ConsortiumSettings
from patrons import personnummer as pnr
from patrons.models import Card, Patron, PatronAccess, PatronBlock
from patrons.rules import PatronFacts


def _with_open_blocks(queryset: QuerySet[Patron]) -> QuerySet[Patron]:
    """Annotate ``open_block_reasons`` (list of str) without an extra query."""
    reasons = PatronBlock.objects.open().filter(patron=OuterRef("pk")).values("reason")
    return queryset.annotate(open_block_reasons=ArraySubquery(reasons))


def patron_by_card(number: str) -> Patron | None:
    """The patron whose ACTIVE card has this number, or None (unknown, lost or replaced).

    One query: category, home library and the open manual blocks come with it.
    """
    number = "".join((number or "").split())
    if not number:
        return None
    return (
        _with_open_blocks(Patron.objects.current())
        .select_related("category", "home_library")
        .filter(cards__number=number, cards__status=Card.Status.ACTIVE)
        .first()
    )


def card_status(number: str) -> str | None:
    """``active``, ``lost``, ``replaced`` — or None for a number never issued."""
    number = "".join((number or "").split())
    return Card.objects.filter(number=number).values_list("status", flat=True).first()


def patron_detail(patron_id: int) -> Patron | None:
    """A patron for the staff detail page, with what the page shows, in one query."""
    return (
        _with_open_blocks(Patron.objects.all())
        .select_related("category", "home_library", "guardian")
        .filter(pk=patron_id)
        .first()
    )


def active_card(patron: Patron) -> Card | None:
    return patron.cards.filter(status=Card.Status.ACTIVE).first()


def card_history(patron: Patron) -> list[Card]:
    return list(patron.cards.order_by("-issued_at", "-id"))


def open_blocks(patron: Patron) -> list[PatronBlock]:
    return list(
        PatronBlock.objects.open().filter(patron=patron).select_related("library", "created_by")
    )


def search_patrons(*, term: str, today: date, limit: int = 50) -> list[Patron]:
    """Find patrons by card number, personnummer, e-mail, phone or name."""
    term = (term or "").strip()
    if not term:
        return []
    base = Patron.objects.current().select_related("category", "home_library")
    compact = "".join(term.split())
    if pnr.looks_like_personnummer(compact):
        try:
            digits = pnr.normalise(compact, today=today)
        except pnr.InvalidPersonnummer:
            digits = None
        if digits:
            return list(base.filter(personnummer=digits)[:limit])
    if compact.isdigit():
        found = list(base.filter(cards__number=compact).distinct()[:limit])
        if found:
            return found
        phone_digits = compact
        return list(base.filter(phone__contains=phone_digits)[:limit])
    if "@" in term:
        return list(base.filter(email__iexact=term)[:limit])
    if term.startswith("+") or term.replace(" ", "").replace("-", "").isdigit():
        return list(base.filter(phone__contains=term)[:limit])
    words = term.split()
    query = Q()
    for word in words:
        query &= Q(first_name__icontains=word) | Q(last_name__icontains=word)
    return list(base.filter(query).order_by("last_name", "first_name", "id")[:limit])


def duplicates_of(
    *, personnummer: str | None, first_name: str, last_name: str, birth_date: date | None
) -> list[Patron]:
    """Registered patrons that look like the same person: same personnummer, or same name and
    birth date."""
    query = Q()
    if personnummer:
        query |= Q(personnummer=personnummer)
    if birth_date and first_name and last_name:
        query |= Q(
            first_name__iexact=first_name.strip(),
            last_name__iexact=last_name.strip(),
            birth_date=birth_date,
        )
    if not query:
        return []
    return list(Patron.objects.current().filter(query).select_related("home_library"))


def access_log(*, patron: Patron | None = None, limit: int = 200) -> list[PatronAccess]:
    rows = PatronAccess.objects.select_related("staff", "library", "patron")
    if patron is not None:
        rows = rows.filter(patron=patron)
    return list(rows[:limit])


def inactive_patrons(*, before: datetime) -> QuerySet[Patron]:
    """Patrons (not anonymized) with no activity since ``before``; never-active ones count from
    their registration."""
    return Patron.objects.current().filter(
        Q(last_activity_at__lt=before) | Q(last_activity_at__isnull=True, created_at__lt=before)
    )


def build_facts(
    *,
    patron: Patron,
    card_status: str = Card.Status.ACTIVE,
    debt: Decimal = Decimal("0"),
    oldest_overdue_days: int = 0,
    consortium: ConsortiumSettings | None = None,
) -> PatronFacts:
    """Facts for patrons.rules. Circulation passes debt and overdue days as values.

    Uses ``open_block_reasons`` when the patron came from a selector here (no query), and the
    consortium's limits (one query unless ``consortium`` is given).
    """
    consortium = consortium or ConsortiumSettings.load()
    reasons = getattr(patron, "open_block_reasons", None)
    if reasons is None:
        reasons = list(
            PatronBlock.objects.open().filter(patron=patron).values_list("reason", flat=True)
        )
    return PatronFacts(
        expiry_date=patron.expiry_date,
        card_status=card_status,
        manual_blocks=tuple(reasons),
        debt=debt,
        max_debt=consortium.max_debt,
        oldest_overdue_days=oldest_overdue_days,
        overdue_block_days=consortium.overdue_block_days,
        anonymized=patron.anonymized_at is not None,
    )


# --- What the patron pages show from circulation ---------------------------------------------
# Loans, holds and fees live in circulation, which depends on patrons (not the other way round).
# Circulation plugs them in with ``register_circulation_provider`` in its AppConfig.ready, the
# way it hands catalog its due dates (catalog.selectors.register_due_date_provider).

_circulation_provider = None


def register_circulation_provider(provider) -> None:
    """``provider`` has ``account(patron, now)`` (the summary patrons/_circulation.html shows,
    one selector call) and ``open_business(patron, now) -> (open_loans, debt)``."""
    global _circulation_provider
    _circulation_provider = provider


def circulation_account(patron: Patron, *, now):
    """Loans, holds and fees for the patron page; None when no circulation is installed."""
    if _circulation_provider is None:
        return None
    return _circulation_provider.account(patron, now)


def open_business(patron: Patron, *, now) -> tuple[int, Decimal]:
    """The patron's open loans and debt (removing a patron needs both at zero)."""
    if _circulation_provider is None:
        return 0, Decimal(0)
    return _circulation_provider.open_business(patron, now)
