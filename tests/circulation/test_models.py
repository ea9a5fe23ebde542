"""Database invariants of lending rules, loans and fees."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.models import ItemType
from circulation.models import Fee, Loan, LoanRule
from patrons.models import PatronCategory
from tests.circulation.factories import ItemFactory, PatronFactory

pytestmark = pytest.mark.django_db


def test_migration_creates_complete_common_default_and_child_rule():
    default = LoanRule.objects.get(library=None, patron_category=None, item_type=None)
    assert default.loan_period_days == 28
    assert default.fine_cap == 100
    child = LoanRule.objects.get(library=None, patron_category__code="CHILD", item_type=None)
    assert child.fine_per_day == 0
    assert child.loan_period_days is None


def test_common_default_rule_must_define_every_field():
    default = LoanRule.objects.get(library=None, patron_category=None, item_type=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        LoanRule.objects.filter(id=default.id).update(max_renewals=None)


def test_one_rule_per_scope_even_with_empty_scope_parts(libraries):
    dvd = ItemType.objects.get(code="DVD")
    LoanRule.objects.create(library=libraries["STO"], item_type=dvd, loan_period_days=7)
    with pytest.raises(IntegrityError), transaction.atomic():
        LoanRule.objects.create(library=libraries["STO"], item_type=dvd, loan_period_days=14)
    with pytest.raises(IntegrityError), transaction.atomic():
        LoanRule.objects.create(patron_category=PatronCategory.objects.get(code="CHILD"))


def test_at_most_one_open_loan_per_item(libraries):
    item = ItemFactory()
    now = timezone.now()
    kwargs = {
        "item": item,
        "checkout_library": libraries["KGA"],
        "rules_library": libraries["KGA"],
        "checked_out_at": now,
        "due_at": now + timedelta(days=28),
    }
    Loan.objects.create(patron=PatronFactory(), **kwargs)
    with pytest.raises(IntegrityError), transaction.atomic():
        Loan.objects.create(patron=PatronFactory(), **kwargs)
    Loan.objects.update(returned_at=now, end_reason=Loan.EndReason.RETURNED)
    Loan.objects.create(patron=PatronFactory(), **kwargs)


def test_waived_fee_needs_a_reason(libraries):
    with pytest.raises(IntegrityError), transaction.atomic():
        Fee.objects.create(
            patron=PatronFactory(),
            library=libraries["KGA"],
            kind=Fee.Kind.OTHER,
            amount=10,
            created_at=timezone.now(),
            state=Fee.State.WAIVED,
            settled_at=timezone.now(),
        )
