"""The demo rules show the layering, and loading them twice changes nothing."""

import pytest

from catalog.models import ItemType
from circulation import selectors
from circulation.demo import create_demo_loans, create_demo_rules
from circulation.models import Loan, LoanRule
from patrons.models import PatronCategory
from tests.circulation.factories import ItemFactory, PatronFactory

pytestmark = pytest.mark.django_db


def test_demo_rules_are_idempotent_and_show_local_overrides(libraries):
    assert create_demo_rules() > 0
    count = LoanRule.objects.count()
    assert create_demo_rules() == 0
    assert LoanRule.objects.count() == count
    dvd, book = ItemType.objects.get(code="DVD"), ItemType.objects.get(code="BOOK")
    adult, senior = (PatronCategory.objects.get(code=c) for c in ("ADULT", "SENIOR"))
    sto = selectors.effective_rule(library=libraries["STO"], category=adult, item_type=dvd)
    kga = selectors.effective_rule(library=libraries["KGA"], category=adult, item_type=dvd)
    assert (sto.loan_period_days, kga.loan_period_days) == (7, 14)
    assert (
        selectors.effective_rule(
            library=libraries["KGA"], category=senior, item_type=book
        ).fine_per_day
        == 0
    )
    assert (
        selectors.effective_rule(
            library=libraries["HFS"], category=adult, item_type=book
        ).loan_period_days
        == 21
    )


def test_demo_loans_when_patrons_and_items_exist():
    for _ in range(3):
        PatronFactory()
    for _ in range(12):
        ItemFactory()
    made = create_demo_loans()
    assert made == Loan.objects.count() > 5
    assert create_demo_loans() == 0
