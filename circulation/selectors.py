"""Reads of circulation: a patron's facts, loans and fees; an item's open loan; effective rules.

Every function here costs a fixed number of queries whatever the data size (noted per function).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import (
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.utils import timezone

from catalog.models import Item, ItemType
from circulation import rules
from circulation.holds.models import Hold
from circulation.models import Fee, Loan, LoanRule
from libraries.models import Library
from patrons import rules as patron_rules
from patrons.models import Patron, PatronCategory

STOCKHOLM = ZoneInfo("Europe/Stockholm")


@dataclass(frozen=True)
class PatronCirculationFacts:
    """What circulation knows about a patron that decides whether they may borrow."""

    open_loans: int
    overdue_loans: int
    oldest_overdue_days: int  # calendar days the most overdue open loan is past due; 0 = none
    debt: Decimal  # sum of unpaid fees
    # Open loans of the item type asked about: 0 if none asked, or when the patron has fewer
    # open loans in all than the type's limit the caller gave (none of a type can be at it).
    open_loans_of_type: int = 0
    holds_on_record: int = 0  # the patron's active holds on the title asked about (0 if none)


def _scalar(queryset: QuerySet, expression, output_field):
    """A correlated one-value subquery grouped by patron (NULL when no rows → caller coalesces)."""
    return Subquery(
        queryset.order_by().values("patron").annotate(v=expression).values("v")[:1],
        output_field=output_field,
    )


def patron_facts(
    patron: Patron | int,
    *,
    now: datetime | None = None,
    item_type_id: int | None = None,
    type_limit: int = 0,
    record_id: int | None = None,
) -> PatronCirculationFacts:
    """Loans, overdue loans and debt of a patron across the consortium, and (with
    ``record_id``) their active holds on that title. One query.

    Plain SQL: it runs on every checkout and renewal, and building the same correlated
    subqueries with the ORM cost several times what PostgreSQL needs to answer them. The open
    loans are read once; the loans of ``item_type_id`` (a join to every loaned item: the cost of
    an institution with 1,000 loans) are counted only when the open loans reach ``type_limit``.
    """
    now = now or timezone.now()
    patron_id = patron if isinstance(patron, int) else patron.pk
    with connection.cursor() as cursor:
        cursor.execute(_PATRON_FACTS_SQL, {
            "patron": patron_id, "now": now, "item_type": item_type_id or 0,
            "type_limit": type_limit, "open": Fee.State.OPEN, "record": record_id or 0,
            "active": list(Hold.ACTIVE_STATES),
        })  # fmt: skip
        row = cursor.fetchone()
    if row is None:
        return PatronCirculationFacts(0, 0, 0, Decimal("0.00"))
    n_open, n_overdue, n_of_type, oldest_due, debt, n_holds = row
    oldest = 0
    if oldest_due is not None:
        oldest = max(
            0, (now.astimezone(STOCKHOLM).date() - oldest_due.astimezone(STOCKHOLM).date()).days
        )
    return PatronCirculationFacts(
        open_loans=n_open,
        overdue_loans=n_overdue,
        oldest_overdue_days=oldest,
        debt=debt,
        open_loans_of_type=n_of_type,
        holds_on_record=n_holds,
    )


_PATRON_FACTS_SQL = """
WITH open_loans AS (
    SELECT count(*) AS n,
           count(*) FILTER (WHERE l.due_at < %(now)s) AS overdue,
           min(l.due_at) FILTER (WHERE l.due_at < %(now)s) AS oldest_due
      FROM circulation_loan l
     WHERE l.patron_id = %(patron)s AND l.returned_at IS NULL
)
SELECT o.n,
       o.overdue,
       CASE WHEN %(item_type)s = 0 OR o.n < %(type_limit)s THEN 0
            ELSE (SELECT count(*) FROM circulation_loan l
                    JOIN catalog_item i ON i.id = l.item_id
                   WHERE l.patron_id = %(patron)s AND l.returned_at IS NULL
                     AND i.item_type_id = %(item_type)s) END,
       o.oldest_due,
       (SELECT coalesce(sum(f.amount), 0.00) FROM circulation_fee f
         WHERE f.patron_id = %(patron)s AND f.state = %(open)s),
       (SELECT count(*) FROM circulation_hold h
         WHERE h.patron_id = %(patron)s AND h.record_id = %(record)s
           AND h.state = ANY(%(active)s))
  FROM open_loans o
"""


# --- Loans -------------------------------------------------------------------------------


def _loan_rows(queryset: QuerySet[Loan]) -> QuerySet[Loan]:
    return queryset.select_related(
        "item__record", "item__item_type", "item__home_library", "checkout_library"
    )


def loans_of_patron(patron: Patron, *, open_only: bool = True) -> QuerySet[Loan]:
    """A patron's loans, soonest due first (open) or latest first (history). One query."""
    loans = _loan_rows(Loan.objects.filter(patron=patron))
    if open_only:
        return loans.open().order_by("due_at", "id")
    return loans.order_by("-checked_out_at", "-id")


def loan_history(patron: Patron) -> QuerySet[Loan]:
    """Returned loans still linked to the patron (only kept when the patron wants a history)."""
    return _loan_rows(Loan.objects.filter(patron=patron).closed()).order_by("-returned_at", "-id")


def open_loan_facts(item_id: int) -> dict | None:
    """The item's open loan for the desk: id, patron id, due date and the borrower masked (last
    four card digits and initials, never the name). One query."""
    from patrons.models import Card

    card = (
        Card.objects.filter(patron=OuterRef("patron_id"), status=Card.Status.ACTIVE)
        .order_by("-issued_at", "-id")
        .values("number")[:1]
    )
    row = (
        Loan.objects.open()
        .filter(item_id=item_id)
        .values("id", "patron_id", "due_at", "patron__first_name", "patron__last_name")
        .annotate(card=Subquery(card))
        .first()
    )
    if row is None:
        return None
    holder = ""
    if row["patron_id"] is not None:
        holder = patron_rules.masked_identity(
            card_number=row["card"] or "",
            first_name=row["patron__first_name"] or "",
            last_name=row["patron__last_name"] or "",
        )
    return {
        "id": row["id"],
        "patron_id": row["patron_id"],
        "due_at": row["due_at"],
        "holder": holder,
    }


def open_loan_of_item(item: Item | int) -> Loan | None:
    """The item's open loan, if any (the OPAC shows "on loan until …"). One query."""
    item_id = item if isinstance(item, int) else item.pk
    return Loan.objects.open().filter(item_id=item_id).first()


def due_dates_of_items(item_ids: Iterable[int]) -> dict[int, datetime]:
    """item id → due date of its open loan, for a list of items (a record page). One query."""
    return dict(
        Loan.objects.open().filter(item_id__in=list(item_ids)).values_list("item_id", "due_at")
    )


def local_due_dates_of_items(item_ids: Iterable[int]) -> dict[int, date]:
    """item id → the day (Europe/Stockholm) its open loan is due. One query, only when asked."""
    ids = list(item_ids)
    if not ids:
        return {}
    return {
        item_id: timezone.localtime(due).date() for item_id, due in due_dates_of_items(ids).items()
    }


# --- Fees --------------------------------------------------------------------------------


def fees_of_patron(patron: Patron, *, open_only: bool = False) -> QuerySet[Fee]:
    """A patron's fees, newest first, with the item billed for. One query."""
    fees = Fee.objects.filter(patron=patron).select_related("loan__item__record", "library")
    return fees.unpaid() if open_only else fees


def debt_of_patron(patron: Patron) -> Decimal:
    total = Fee.objects.filter(patron=patron).unpaid().aggregate(total=Sum("amount"))["total"]
    return total or Decimal("0.00")


# --- Lending rules -----------------------------------------------------------------------


def rule_rows(
    *, library_id: int | None, category_id: int, item_type_id: int
) -> list[rules.RuleRow]:
    """The stored rules that can apply to (library, category, item type). One query."""
    return [
        rule.as_row()
        for rule in LoanRule.objects.applicable(
            library_id=library_id, category_id=category_id, item_type_id=item_type_id
        )
    ]


def effective_rule(
    *, library: Library | None, category: PatronCategory, item_type: ItemType
) -> rules.EffectiveRule:
    """The rule that applies, field by field, with sources. One query."""
    library_id = library.pk if library else None
    return rules.resolve(
        rule_rows(library_id=library_id, category_id=category.pk, item_type_id=item_type.pk),
        library_id=library_id,
        category_id=category.pk,
        item_type_id=item_type.pk,
    )


@dataclass(frozen=True)
class MatrixCell:
    category: PatronCategory
    item_type: ItemType
    effective: rules.EffectiveRule
    own_rule: rules.RuleRow | None  # the rule stored for exactly this cell and scope, if any


def rule_matrix(*, library: Library | None) -> list[list[MatrixCell]]:
    """Patron categories × item types with each cell's effective rule (the rule editor).

    ``library=None`` shows the common rules alone. Three queries whatever the size.
    """
    library_id = library.pk if library else None
    categories = list(PatronCategory.objects.order_by("code"))
    item_types = list(ItemType.objects.filter(not_for_loan=False).order_by("code"))
    rows = [r.as_row() for r in LoanRule.objects.filter(Q(library_id=library_id) | Q(library=None))]
    by_key = {row.key: row for row in rows}
    return [
        [
            MatrixCell(
                category=category,
                item_type=item_type,
                effective=rules.resolve(
                    rows, library_id=library_id, category_id=category.pk, item_type_id=item_type.pk
                ),
                own_rule=by_key.get((library_id, category.pk, item_type.pk)),
            )
            for item_type in item_types
        ]
        for category in categories
    ]


@dataclass(frozen=True)
class AccountSummary:
    """The top of "My account": debt, open loans (soonest due first), active holds."""

    debt: Decimal
    loans: list[Loan]
    holds: list[Hold]
    now: datetime

    @property
    def overdue_count(self) -> int:
        return sum(1 for loan in self.loans if loan.due_at < self.now)

    @property
    def ready_count(self) -> int:
        return sum(1 for hold in self.holds if hold.state == "on_hold_shelf")


def account_summary(patron: Patron, *, now: datetime) -> AccountSummary:
    """Debt, loans and holds of one patron for the OPAC account page. Three queries."""
    loans = list(loans_of_patron(patron, open_only=True))
    for loan in loans:
        loan.overdue = loan.due_at < now
    holds = list(
        Hold.objects.filter(patron=patron)
        .active()
        .select_related("record", "pickup_library")
        .order_by("-placed_at", "-id")
    )
    return AccountSummary(debt=debt_of_patron(patron), loans=loans, holds=holds, now=now)
