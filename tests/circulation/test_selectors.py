"""Reads: a patron's circulation facts in one query, whatever the number of loans."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.models import ItemType
from circulation import selectors
from circulation.models import Fee, Loan
from tests.circulation.factories import FeeFactory, ItemFactory, LoanFactory, PatronFactory

pytestmark = pytest.mark.django_db


def test_facts_of_a_patron_without_loans(django_assert_num_queries):
    patron = PatronFactory()
    with django_assert_num_queries(1):
        facts = selectors.patron_facts(patron, now=timezone.now())
    assert facts == selectors.PatronCirculationFacts(0, 0, 0, Decimal("0.00"), 0)


def test_facts_count_open_overdue_debt_and_type(now):
    patron = PatronFactory()
    LoanFactory(patron=patron)
    dvd = LoanFactory(patron=patron, item__item_type=ItemType.objects.get(code="DVD"))
    LoanFactory(
        patron=patron, checked_out_at=now - timedelta(days=40), due_at=now - timedelta(days=12)
    )
    LoanFactory(
        patron=patron, checked_out_at=now - timedelta(days=30), due_at=now - timedelta(days=2)
    )
    LoanFactory(patron=patron, returned_at=now, end_reason=Loan.EndReason.RETURNED)
    LoanFactory()  # someone else's
    FeeFactory(patron=patron, amount=Decimal("15.00"))
    FeeFactory(patron=patron, amount=Decimal("5.50"))
    FeeFactory(patron=patron, amount=Decimal("99.00"), state=Fee.State.PAID, settled_at=now)
    facts = selectors.patron_facts(patron, now=now, item_type_id=dvd.item.item_type_id)
    assert facts.open_loans == 4
    assert facts.overdue_loans == 2
    assert facts.oldest_overdue_days == 12
    assert facts.debt == Decimal("20.50")
    assert facts.open_loans_of_type == 1
    # Below the type's limit in all, no type can be at it: the loans of the type are not counted.
    below = selectors.patron_facts(
        patron, now=now, item_type_id=dvd.item.item_type_id, type_limit=5
    )
    assert (below.open_loans, below.open_loans_of_type) == (4, 0)
    at = selectors.patron_facts(patron, now=now, item_type_id=dvd.item.item_type_id, type_limit=4)
    assert at.open_loans_of_type == 1


def test_due_dates_of_items_and_open_loan():
    loan = LoanFactory()
    free = ItemFactory()
    assert selectors.open_loan_of_item(loan.item) == loan
    assert selectors.open_loan_of_item(free) is None
    assert selectors.due_dates_of_items([loan.item_id, free.id]) == {loan.item_id: loan.due_at}
