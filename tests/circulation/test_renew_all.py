"""Renew-all is set-based: it decides every loan exactly as renew() does, writes all renewals at
once, and costs the same number of SQL statements for 5 loans as for 100."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from catalog.models import Item, ItemType
from circulation.holds import services as hold_services
from circulation.models import Loan, LoanRule
from circulation.refusals import RenewalRefused
from circulation.renewals import renew, renew_all
from libraries.models import CalendarException, Library
from patrons.models import Patron
from tests.circulation.factories import FeeFactory, ItemFactory, LoanFactory, PatronFactory
from tests.circulation.test_query_counts import give_loans
from tests.conftest import warm_reference_caches

pytestmark = pytest.mark.django_db


def lib(code: str) -> Library:
    return Library.objects.get(code=code)


def wait_for(record, now):
    """Another patron places a hold on the title."""
    hold_services.place_hold(
        patron=PatronFactory(), record=record, pickup_library=lib("KGA"), now=now
    )


def mixed_loans(patron, now) -> dict[str, Loan]:
    """One loan of each kind renew-all must tell apart."""
    dvd = ItemType.objects.get(code="DVD")
    LoanRule.objects.create(library=lib("STO"), loan_period_days=7)
    LoanRule.objects.create(library=lib("KGA"), item_type=dvd, renew_when_others_wait=True)
    # Storfors is closed on the day a 7-day renewal would fall due: the next open day counts.
    CalendarException.objects.create(
        library=lib("STO"), date=(now + timedelta(days=7)).date(), is_open=False
    )
    loans = {
        "fine": LoanFactory(patron=patron),
        "maxed": LoanFactory(patron=patron, renewals=3),
        "lost": LoanFactory(patron=patron, item__status=Item.Status.LOST),
        "waited_for": LoanFactory(patron=patron),
        "another_copy_on_shelf": LoanFactory(patron=patron),
        "dvd_rule_allows": LoanFactory(patron=patron, item__item_type=dvd),
        "storfors_rules": LoanFactory(
            patron=patron, rules_library=lib("STO"), due_at=now + timedelta(days=1)
        ),
        "due_later_than_a_renewal": LoanFactory(patron=patron, due_at=now + timedelta(days=90)),
    }
    wait_for(loans["waited_for"].item.record, now)
    ItemFactory(record=loans["another_copy_on_shelf"].item.record)
    wait_for(loans["another_copy_on_shelf"].item.record, now)
    wait_for(loans["dvd_rule_allows"].item.record, now)
    return loans


def verdicts_of_renew_all(patron, kga, now) -> dict[int, tuple]:
    """renew_all's verdict per loan, rolled back afterwards."""
    with transaction.atomic():
        outcomes = renew_all(patron=patron, library=kga, staff=None, now=now)
        verdicts = {
            o.loan.pk: (
                o.renewed,
                [r.reason for r in o.refusal.refusals] if o.refusal else [],
                o.loan.due_at,
                o.loan.renewals,
            )
            for o in outcomes
        }
        assert verdicts == {
            loan.pk: (v[0], v[1], loan.due_at, loan.renewals)
            for loan in Loan.objects.filter(pk__in=verdicts)
            for v in [verdicts[loan.pk]]
        }, "what renew_all reports is what it wrote"
        transaction.set_rollback(True)
    return verdicts


def verdicts_of_renew(loans, kga, now) -> dict[int, tuple]:
    verdicts = {}
    for loan in loans:
        try:
            renewed = renew(loan=loan, library=kga, staff=None, now=now)
        except RenewalRefused as refused:
            current = Loan.objects.get(pk=loan.pk)
            reasons = [r.reason for r in refused.refusals]
            verdicts[loan.pk] = (False, reasons, current.due_at, current.renewals)
        else:
            verdicts[loan.pk] = (True, [], renewed.due_at, renewed.renewals)
    return verdicts


def test_renew_all_decides_each_loan_as_renew_does(adult_patron, kga, now):
    loans = mixed_loans(adult_patron, now)
    together = verdicts_of_renew_all(adult_patron, kga, now)
    one_by_one = verdicts_of_renew(loans.values(), kga, now)
    assert together == one_by_one
    reasons = {name: together[loan.pk][1] for name, loan in loans.items()}
    assert reasons == {
        "fine": [],
        "maxed": ["max_renewals"],
        "lost": ["item_lost"],
        "waited_for": ["others_waiting"],
        "another_copy_on_shelf": [],
        "dvd_rule_allows": [],
        "storfors_rules": [],
        "due_later_than_a_renewal": ["too_soon"],
    }
    storfors = together[loans["storfors_rules"].pk][2]
    assert storfors.date() == (now + timedelta(days=8)).date()  # 7 days, closed day skipped
    later = loans["due_later_than_a_renewal"]
    assert together[later.pk][2] == later.due_at  # never shortened
    assert together[later.pk][3] == 0  # and no renewal used up


def test_renew_all_skips_loans_made_minutes_ago(adult_patron, kga, now):
    """Issue 14: a loan reached "renewed 3 times" on its first day by pressing "Renew all"."""
    fresh = LoanFactory(
        patron=adult_patron,
        checked_out_at=now - timedelta(minutes=5),
        due_at=now + timedelta(days=28),
    )
    due_soon = LoanFactory(patron=adult_patron, due_at=now + timedelta(days=2))
    for _ in range(3):
        outcomes = {
            o.loan.pk: o for o in renew_all(patron=adult_patron, library=kga, staff=None, now=now)
        }
        assert outcomes[fresh.pk].refusal.reason == "too_soon"
    assert Loan.objects.get(pk=fresh.pk).renewals == 0
    assert Loan.objects.get(pk=due_soon.pk).renewals == 1  # renewed once, then too soon


def test_a_blocked_patron_renews_nothing_and_each_loan_says_why(adult_patron, kga, now):
    FeeFactory(patron=adult_patron, amount=Decimal("150.00"))
    loans = [LoanFactory(patron=adult_patron) for _ in range(3)]
    outcomes = renew_all(patron=adult_patron, library=kga, staff=None, now=now)
    assert [o.refusal.reason for o in outcomes] == ["debt_over_limit"] * 3
    assert not any(o.renewed for o in outcomes)
    assert all(Loan.objects.get(pk=loan.pk).renewals == 0 for loan in loans)
    assert Patron.objects.get(pk=adult_patron.pk).last_activity_at is None


def test_outcomes_come_soonest_due_first_and_activity_is_recorded(adult_patron, kga, now):
    late = LoanFactory(patron=adult_patron, due_at=now + timedelta(days=20))
    soon = LoanFactory(patron=adult_patron, due_at=now + timedelta(days=2))
    outcomes = renew_all(patron=adult_patron, library=kga, staff=None, now=now)
    assert [o.loan.pk for o in outcomes] == [soon.pk, late.pk]
    assert Patron.objects.get(pk=adult_patron.pk).last_activity_at == now


def test_a_patron_without_loans(adult_patron, kga, now):
    assert renew_all(patron=adult_patron, library=kga, staff=None, now=now) == []


def statements_of_renew_all(loans: int, kga, now) -> int:
    patron = PatronFactory()
    give_loans(patron, loans, now)
    warm_reference_caches()  # a desk that has served requests: rules and calendars are loaded
    with CaptureQueriesContext(connection) as ctx:
        outcomes = renew_all(patron=patron, library=kga, staff=None, now=now)
    assert len(outcomes) == loans and all(o.renewed for o in outcomes)
    return len(ctx.captured_queries)


def test_statement_count_is_constant_in_the_number_of_loans(kga, now):
    five, hundred = statements_of_renew_all(5, kga, now), statements_of_renew_all(100, kga, now)
    assert five == hundred
    assert hundred <= 10
    print(f"renew_all statements: {hundred}")
