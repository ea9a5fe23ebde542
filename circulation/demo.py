"""Demo lending rules that show the layering, and a few open loans (idempotent).

Common rules (the consortium): DVDs 14 days at 10 SEK a day, language courses 42 days, and
(from the migration) the any/any default and "children pay no fines". Local overrides:
Storfors lends DVDs for 7 days, Karlskoga charges seniors no fines, Hällefors lends for 21 days,
Kristinehamn allows 5 board games at a time.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

# (library code or None, category code or None, item type code or None, fields)
DEMO_RULES = [
    (
        None,
        None,
        "DVD",
        {"loan_period_days": 14, "fine_per_day": Decimal("10.00"), "max_loans_of_type": 10},
    ),
    (None, None, "LANGCOURSE", {"loan_period_days": 42}),
    (None, "YOUTH", None, {"fine_per_day": Decimal("2.00"), "fine_cap": Decimal("40.00")}),
    ("STO", None, "DVD", {"loan_period_days": 7}),
    ("KGA", "SENIOR", None, {"fine_per_day": Decimal("0.00"), "fine_cap": Decimal("0.00")}),
    ("HFS", None, None, {"loan_period_days": 21}),
    ("KHM", None, "GAME", {"max_loans_of_type": 5, "loan_period_days": 14}),
]

# Days before today each demo loan was made: the first ones are overdue.
DEMO_LOAN_AGES = [45, 35, 30, 20, 14, 10, 7, 5, 3, 2, 1, 0]


def _write(stdout, text: str) -> None:
    if stdout is not None:
        stdout.write(text)


def create_demo_rules(*, stdout=None) -> int:
    """Create the demo rules that are missing (and demo loans when patrons and items exist).

    Returns how many rules were created.
    """
    from catalog.models import ItemType
    from circulation.defaults import ensure_all
    from circulation.models import LoanRule
    from libraries.models import Library
    from patrons.models import PatronCategory

    ensure_all()
    libraries = {lib.code: lib for lib in Library.objects.all()}
    categories = {c.code: c for c in PatronCategory.objects.all()}
    item_types = {t.code: t for t in ItemType.objects.all()}
    created = 0
    for lib, cat, typ, fields in DEMO_RULES:
        _rule, made = LoanRule.objects.get_or_create(
            library=libraries[lib] if lib else None,
            patron_category=categories[cat] if cat else None,
            item_type=item_types[typ] if typ else None,
            defaults=fields,
        )
        created += made
    _write(stdout, f"{created} lending rules created\n")
    create_demo_loans(stdout=stdout)
    return created


def create_demo_loans(*, stdout=None) -> int:
    """A dozen open loans for demo patrons (some overdue), only when there are no loans yet."""
    from django.utils import timezone

    from catalog.models import Item
    from circulation.models import Loan
    from circulation.refusals import CirculationRefused
    from circulation.services import check_out
    from patrons.models import Patron

    if Loan.objects.exists():
        return 0
    patrons = list(
        Patron.objects.current()
        .filter(cards__status="active", guardian__isnull=True)
        .order_by("id")[:6]
    )
    items = list(
        Item.objects.filter(status=Item.Status.AVAILABLE, item_type__not_for_loan=False)
        .select_related("home_library")
        .order_by("id")[: len(DEMO_LOAN_AGES)]
    )
    if not patrons or not items:
        return 0
    now = timezone.now()
    made = 0
    for n, (age, item) in enumerate(zip(DEMO_LOAN_AGES, items, strict=False)):
        try:
            check_out(
                patron=patrons[n % len(patrons)],
                barcode=item.barcode,
                library=item.home_library,
                staff=None,
                now=now - timedelta(days=age),
            )
        except CirculationRefused:
            continue
        made += 1
    _write(stdout, f"{made} demo loans created\n")
    return made
