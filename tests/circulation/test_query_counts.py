"""Check out, check in and renew cost the same number of SQL statements whatever the patron's
number of loans or the number of lending rules."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Item, ItemType
from circulation.models import Loan, LoanRule
from circulation.renewals import renew
from circulation.services import check_in, check_out
from libraries.models import Library
from patrons.models import PatronCategory
from tests.circulation.factories import ItemFactory, PatronFactory, RecordFactory
from tests.conftest import warm_reference_caches

pytestmark = pytest.mark.django_db

CHECKOUT_GOAL, CHECKIN_GOAL, RENEW_GOAL = 12, 15, 12


def give_loans(patron, count, now):
    record = RecordFactory()
    kga = Library.objects.get(code="KGA")
    book = ItemType.objects.get(code="BOOK")
    items = Item.objects.bulk_create(
        Item(
            record=record,
            barcode=f"BULK{patron.pk}-{n}",
            home_library=kga,
            current_library=kga,
            item_type=book,
            status=Item.Status.ON_LOAN,
        )
        for n in range(count)
    )
    Loan.objects.bulk_create(
        Loan(
            item=item,
            patron=patron,
            checkout_library=kga,
            rules_library=kga,
            checked_out_at=now - timedelta(days=3),
            due_at=now + timedelta(days=25),
        )
        for item in items
    )


def many_rules():
    """A rule for every library × category × item type: the resolver must still ask once."""
    LoanRule.objects.create(
        library=Library.objects.get(code="KGA"), max_loans_total=1000, max_loans_of_type=1000
    )
    LoanRule.objects.bulk_create(
        LoanRule(library=library, patron_category=category, item_type=item_type, grace_days=1)
        for library in Library.objects.all()
        for category in PatronCategory.objects.all()
        for item_type in ItemType.objects.all()
    )


def count(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def measure(loans: int, now, kga):
    patron = PatronFactory()
    give_loans(patron, loans, now)
    card = patron.cards.get().number
    item = ItemFactory()
    out = count(
        lambda: check_out(card_number=card, barcode=item.barcode, library=kga, staff=None, now=now)
    )
    loan = Loan.objects.get(item=item)
    later = now + timedelta(days=40)  # overdue: check-in bills a fine
    ren = count(lambda: renew(loan=loan, library=kga, staff=None, now=now + timedelta(days=1)))
    back = count(lambda: check_in(barcode=item.barcode, library=kga, staff=None, now=later))
    return out, back, ren


def test_statement_counts_do_not_grow_with_loans_or_rules(kga, now):
    many_rules()
    warm_reference_caches()  # a desk process once the new rules are committed
    few = measure(0, now, kga)
    lots = measure(500, now, kga)
    assert few == lots
    out, back, ren = lots
    assert out <= CHECKOUT_GOAL
    assert back <= CHECKIN_GOAL
    assert ren <= RENEW_GOAL
    print(f"statements: checkout {out}, checkin {back}, renew {ren}")


def test_partial_instances_hold_the_given_values_whatever_their_order(
    kga, django_assert_num_queries
):
    """The desk's SQL locks build deferred instances; from_db wants the model's field order."""
    from circulation.rows import partial_instance as _partial

    item = ItemFactory()
    with django_assert_num_queries(0):
        part = _partial(
            Item, record_id=item.record_id, item_type_id=item.item_type_id, barcode=item.barcode,
            id=item.pk,
        )  # fmt: skip
        assert (part.pk, part.barcode, part.record_id, part.item_type_id) == (
            item.pk, item.barcode, item.record_id, item.item_type_id,
        )  # fmt: skip
    with django_assert_num_queries(1):
        assert part.status == item.status  # a deferred field loads on first touch
