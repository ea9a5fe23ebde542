"""Renewals (one and all), fees paid and waived, lost and claims returned."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from catalog.models import Item
from circulation import fees, losses
from circulation.holds import selectors as hold_selectors
from circulation.holds import services as hold_services
from circulation.holds.models import Hold
from circulation.models import Fee, Loan, LoanRule, OverrideLog
from circulation.refusals import FeeRefused, RenewalRefused
from circulation.renewals import renew, renew_all
from libraries.models import ConsortiumSettings
from tests.circulation.conftest import STHLM
from tests.circulation.factories import FeeFactory, ItemFactory, LoanFactory, PatronFactory

pytestmark = pytest.mark.django_db


def due_day(loan):
    return loan.due_at.astimezone(STHLM).date()


def test_renewal_counts_from_today(adult_patron, kga, now):
    loan = LoanFactory(patron=adult_patron, checked_out_at=now - timedelta(days=20))
    renewed = renew(loan=loan, library=kga, staff=None, now=now)
    assert due_day(renewed) == date(2025, 4, 9)
    assert renewed.renewals == 1
    assert renewed.last_renewed_at == now


def test_renewal_keeps_the_rules_library_of_its_loan(adult_patron, libraries, kga, now):
    LoanRule.objects.create(library=libraries["STO"], loan_period_days=7)
    consortium = ConsortiumSettings.load()
    consortium.rules_library = "item_home"
    consortium.save()  # (a save: the per-process copy of the settings follows it)
    loan = LoanFactory(
        patron=adult_patron,
        rules_library=libraries["STO"],
        checked_out_at=now - timedelta(days=6),
        due_at=now + timedelta(days=1),
    )
    renewed = renew(loan=loan, library=kga, staff=None, now=now)
    assert due_day(renewed) == date(2025, 3, 19)
    assert renewed.rules_library == libraries["STO"]


def test_a_renewal_that_would_not_move_the_due_date_is_refused_as_too_soon(
    adult_patron, kga, now, admin_karlskoga
):
    """Issue 14: "Låna om alla" renewed loans borrowed minutes ago; the count went up, the date
    did not. Such a renewal is refused (not overridable) and nothing is written."""
    loan = LoanFactory(patron=adult_patron, due_at=now + timedelta(days=60))
    with pytest.raises(RenewalRefused) as err:
        renew(loan=loan, library=kga, staff=admin_karlskoga, now=now, override_reason="Please")
    assert (err.value.reason, err.value.overridable) == ("too_soon", False)
    assert str(err.value.message).startswith("För tidigt att låna om")
    unchanged = Loan.objects.get(pk=loan.pk)
    assert (unchanged.renewals, unchanged.due_at) == (0, loan.due_at)
    assert not OverrideLog.objects.exists()


def test_renewing_twice_the_same_day_is_refused_the_second_time(adult_patron, kga, now):
    loan = LoanFactory(patron=adult_patron, due_at=now + timedelta(days=1))
    first = renew(loan=loan, library=kga, staff=None, now=now)
    assert first.renewals == 1 and first.due_at > loan.due_at
    with pytest.raises(RenewalRefused) as err:
        renew(loan=first, library=kga, staff=None, now=now + timedelta(hours=1))
    assert err.value.reason == "too_soon"
    assert Loan.objects.get(pk=loan.pk).renewals == 1


def test_max_renewals(adult_patron, kga, now, admin_karlskoga):
    loan = LoanFactory(patron=adult_patron, renewals=3)
    with pytest.raises(RenewalRefused) as err:
        renew(loan=loan, library=kga, staff=None, now=now)
    assert (err.value.reason, err.value.overridable) == ("max_renewals", True)
    renewed = renew(loan=loan, library=kga, staff=admin_karlskoga, now=now, override_reason="Sick")
    assert renewed.renewals == 4
    assert OverrideLog.objects.get().refusal == "max_renewals"


def test_blocked_patron_may_not_renew(adult_patron, kga, now):
    FeeFactory(patron=adult_patron, amount=Decimal("150.00"))
    loan = LoanFactory(patron=adult_patron)
    with pytest.raises(RenewalRefused) as err:
        renew(loan=loan, library=kga, staff=None, now=now)
    assert err.value.reason == "debt_over_limit"


def test_lost_item_is_not_renewed(adult_patron, kga, now):
    loan = LoanFactory(patron=adult_patron, item__status=Item.Status.LOST)
    with pytest.raises(RenewalRefused) as err:
        renew(loan=loan, library=kga, staff=None, now=now)
    assert err.value.reason == "item_lost"


def _wait_for(record, kga, now, **changes):
    hold = hold_services.place_hold(
        patron=PatronFactory(), record=record, pickup_library=kga, now=now - timedelta(days=1)
    )
    if changes:
        Hold.objects.filter(pk=hold.pk).update(**changes)
    return hold


def test_others_waiting_refuses_unless_the_rule_allows(adult_patron, kga, now):
    loan = LoanFactory(patron=adult_patron)
    _wait_for(loan.item.record, kga, now)  # someone else waits; no other copy on a shelf
    with pytest.raises(RenewalRefused) as err:
        renew(loan=loan, library=kga, staff=None, now=now)
    assert err.value.reason == "others_waiting"
    LoanRule.objects.create(library=kga, renew_when_others_wait=True)
    assert renew(loan=loan, library=kga, staff=None, now=now).renewals == 1


@pytest.mark.parametrize(
    "case", ["suspended", "suspension_ended", "copy_on_shelf", "two_waiting_one_copy"]
)
def test_others_waiting_counted_by_the_lock_agrees_with_the_selector(adult_patron, kga, now, case):
    """renew() counts waiting holds and shelf copies in its lock statement; renew-all asks
    hold_selectors.items_with_others_waiting: the two must decide alike."""
    loan = LoanFactory(patron=adult_patron)
    record = loan.item.record
    today = now.astimezone(STHLM).date()
    if case == "suspended":
        _wait_for(record, kga, now, suspended_until=today)  # suspended through today
    elif case == "suspension_ended":
        _wait_for(record, kga, now, suspended_until=today - timedelta(days=1))
    else:
        ItemFactory(record=record, home_library=kga, current_library=kga)
        _wait_for(record, kga, now)
        if case == "two_waiting_one_copy":
            _wait_for(record, kga, now)
    expected = hold_selectors.others_waiting(
        item_id=loan.item_id, patron_id=adult_patron.pk, today=today
    )
    assert expected == (case in ("suspension_ended", "two_waiting_one_copy"))
    if expected:
        with pytest.raises(RenewalRefused) as err:
            renew(loan=loan, library=kga, staff=None, now=now)
        assert err.value.reason == "others_waiting"
    else:
        assert renew(loan=loan, library=kga, staff=None, now=now).renewals == 1


def test_returned_loan_is_not_renewed(adult_patron, kga, now):
    loan = LoanFactory(patron=adult_patron, returned_at=now, end_reason="returned")
    with pytest.raises(RenewalRefused) as err:
        renew(loan=loan, library=kga, staff=None, now=now)
    assert err.value.reason == "not_on_loan"


def test_renew_all_renews_what_it_can(adult_patron, kga, now):
    fine = LoanFactory(patron=adult_patron)
    maxed = LoanFactory(patron=adult_patron, renewals=3)
    outcomes = {
        o.loan.pk: o for o in renew_all(patron=adult_patron, library=kga, staff=None, now=now)
    }
    assert outcomes[fine.pk].renewed
    assert not outcomes[maxed.pk].renewed
    assert outcomes[maxed.pk].refusal.reason == "max_renewals"


def test_pay_and_waive(adult_patron, kga, now, desk_staff_karlskoga):
    fee = FeeFactory(patron=adult_patron)
    paid = fees.pay_fee(fee=fee, library=kga, staff=desk_staff_karlskoga, now=now)
    assert (paid.state, paid.settled_by, paid.settled_at) == ("paid", desk_staff_karlskoga, now)
    with pytest.raises(FeeRefused):
        fees.pay_fee(fee=fee, library=kga, staff=None, now=now)
    other = FeeFactory(patron=adult_patron)
    with pytest.raises(FeeRefused) as err:
        fees.waive_fee(fee=other, reason=" ", library=kga, staff=None, now=now)
    assert err.value.reason == "reason_required"
    waived = fees.waive_fee(fee=other, reason="Sjukdom", library=kga, staff=None, now=now)
    assert (waived.state, waived.waive_reason) == ("waived", "Sjukdom")


def test_mark_lost_bills_the_price(adult_patron, kga, now):
    loan = LoanFactory(patron=adult_patron, item__price=Decimal("249.00"))
    bill = losses.mark_lost(loan=loan, library=kga, staff=None, now=now)
    assert (bill.kind, bill.amount, bill.patron) == (Fee.Kind.LOST, Decimal("249.00"), adult_patron)
    loan.refresh_from_db()
    assert loan.end_reason == Loan.EndReason.LOST
    assert Item.objects.get(pk=loan.item_id).status == Item.Status.LOST


def test_claims_returned_ends_the_loan_and_marks_the_item_missing(adult_patron, kga, now):
    loan = LoanFactory(patron=adult_patron)
    losses.mark_claims_returned(loan=loan, library=kga, staff=None, now=now)
    loan.refresh_from_db()
    assert loan.end_reason == Loan.EndReason.CLAIMS_RETURNED
    assert Item.objects.get(pk=loan.item_id).status == Item.Status.MISSING
    assert not Fee.objects.exists()
