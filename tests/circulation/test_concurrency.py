"""Real parallel transactions on PostgreSQL: two desks scanning at once never break the rules."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from catalog.models import Item
from circulation.models import Loan, LoanRule
from circulation.refusals import CheckoutRefused
from circulation.services import check_out
from libraries.models import Library
from tests.circulation.factories import ItemFactory, LoanFactory, PatronFactory

pytestmark = pytest.mark.django_db(transaction=True)


def run_in_parallel(calls):
    """Start every call at the same moment, each in its own thread and connection."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        try:
            barrier.wait()
            return ("ok", call())
        except CheckoutRefused as refused:
            return ("refused", refused.reason)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def test_fifty_desks_scanning_one_item_make_exactly_one_loan(now):
    kga = Library.objects.get(code="KGA")
    item = ItemFactory()
    cards = [PatronFactory().cards.get().number for _ in range(50)]
    results = run_in_parallel(
        [
            (
                lambda card=card: check_out(
                    card_number=card, barcode=item.barcode, library=kga, staff=None, now=now
                )
            )
            for card in cards
        ]
    )
    outcomes = [kind for kind, _ in results]
    assert outcomes.count("ok") == 1
    assert sorted({value for kind, value in results if kind == "refused"}) == ["already_on_loan"]
    assert outcomes.count("refused") == 49
    assert Loan.objects.filter(item=item, returned_at__isnull=True).count() == 1
    item.refresh_from_db()
    assert (item.status, item.loan_count) == (Item.Status.ON_LOAN, 1)


def test_patron_one_below_the_limit_gets_exactly_one_more_loan(now):
    kga = Library.objects.get(code="KGA")
    LoanRule.objects.create(library=kga, max_loans_total=5)
    patron = PatronFactory()
    for _ in range(4):
        LoanFactory(patron=patron)
    card = patron.cards.get().number
    items = [ItemFactory() for _ in range(10)]
    results = run_in_parallel(
        [
            (
                lambda item=item: check_out(
                    card_number=card, barcode=item.barcode, library=kga, staff=None, now=now
                )
            )
            for item in items
        ]
    )
    assert [kind for kind, _ in results].count("ok") == 1
    assert {value for kind, value in results if kind == "refused"} == {"max_loans_total"}
    assert Loan.objects.filter(patron=patron, returned_at__isnull=True).count() == 5
