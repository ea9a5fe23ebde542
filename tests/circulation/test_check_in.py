"""Check in: closing the loan, overdue fines by open days, where the item goes, privacy."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import translation

from catalog.models import Item
from circulation.models import Fee, Loan, LoanRule
from circulation.refusals import CheckinRefused
from circulation.services import Action, check_in
from tests.circulation.conftest import STHLM
from tests.circulation.factories import ItemFactory, LoanFactory

pytestmark = pytest.mark.django_db

# Due Friday 7 March 2025 at the end of the day; "now" is Wednesday 12 March.
DUE = datetime(2025, 3, 7, 23, 59, 59, tzinfo=STHLM)


def overdue_loan(patron, **kwargs):
    return LoanFactory(patron=patron, checked_out_at=DUE - timedelta(days=28), due_at=DUE, **kwargs)


def test_checkin_closes_the_loan_and_reshelves_at_home(
    adult_patron, kga, now, desk_staff_karlskoga
):
    loan = LoanFactory(patron=adult_patron)
    result = check_in(barcode=loan.item.barcode, library=kga, staff=desk_staff_karlskoga, now=now)
    assert result.action == Action.RESHELVE
    assert result.destination is None
    assert result.was_on_loan and result.fee is None
    loan.refresh_from_db()
    assert loan.returned_at == now
    assert loan.returned_library == kga
    assert loan.end_reason == Loan.EndReason.RETURNED
    item = Item.objects.get(pk=loan.item_id)
    assert (item.status, item.current_library) == (Item.Status.AVAILABLE, kga)


def test_checkin_elsewhere_says_send_home(adult_patron, libraries, now):
    loan = LoanFactory(patron=adult_patron)
    result = check_in(barcode=loan.item.barcode, library=libraries["KHM"], staff=None, now=now)
    assert result.action == Action.SEND_HOME
    assert result.destination == libraries["KGA"]
    assert "Karlskoga" in result.message
    item = Item.objects.get(pk=loan.item_id)
    assert (item.status, item.current_library) == (Item.Status.IN_TRANSIT, libraries["KHM"])


def test_overdue_fine_counts_open_days_of_the_rules_library(adult_patron, kga, now):
    # Karlskoga opens Monday-Saturday: Sat 8, Mon 10, Tue 11, Wed 12 = 4 open days late.
    loan = overdue_loan(adult_patron)
    result = check_in(barcode=loan.item.barcode, library=kga, staff=None, now=now)
    assert result.fee.amount == Decimal("20.00")
    assert result.fee.kind == Fee.Kind.OVERDUE
    assert result.fee.patron == adult_patron
    assert result.was_overdue


def test_fine_uses_grace_days_and_the_cap(adult_patron, libraries, kga, now):
    LoanRule.objects.create(library=kga, grace_days=1, fine_per_day=Decimal("10"), fine_cap=25)
    loan = overdue_loan(adult_patron)
    result = check_in(barcode=loan.item.barcode, library=kga, staff=None, now=now)
    assert result.fee.amount == Decimal("25.00")  # 3 days × 10, capped at 25


def test_fine_follows_the_loans_rules_library_not_the_return_desk(adult_patron, libraries, now):
    # Storfors opens Monday-Friday: Mon 10, Tue 11, Wed 12 = 3 days.
    loan = overdue_loan(adult_patron, rules_library=libraries["STO"])
    result = check_in(barcode=loan.item.barcode, library=libraries["KGA"], staff=None, now=now)
    assert result.fee.amount == Decimal("15.00")


def test_children_pay_no_fine(child_patron, kga, now):
    loan = overdue_loan(child_patron)
    result = check_in(barcode=loan.item.barcode, library=kga, staff=None, now=now)
    assert result.fee is None
    assert not Fee.objects.exists()


def test_item_not_on_loan_is_harmless_and_says_so(kga, now):
    item = ItemFactory()
    with translation.override("en"):  # the message is translated; Swedish is the default
        result = check_in(barcode=item.barcode, library=kga, staff=None, now=now)
    assert not result.was_on_loan
    assert result.action == Action.RESHELVE
    assert "not on loan" in result.message


def test_a_lost_item_found_again_becomes_available(kga, now):
    item = ItemFactory(status=Item.Status.LOST)
    check_in(barcode=item.barcode, library=kga, staff=None, now=now)
    item.refresh_from_db()
    assert item.status == Item.Status.AVAILABLE


def test_unknown_barcode_is_refused(kga, now):
    with pytest.raises(CheckinRefused) as err:
        check_in(barcode="NOPE", library=kga, staff=None, now=now)
    assert err.value.reason == "unknown_item"


def test_returned_loan_forgets_a_patron_who_keeps_no_history(adult_patron, kga, now):
    loan = overdue_loan(adult_patron)
    check_in(barcode=loan.item.barcode, library=kga, staff=None, now=now)
    loan.refresh_from_db()
    assert loan.patron is None
    # The fine still belongs to the patron.
    assert Fee.objects.get().patron == adult_patron


def test_returned_loan_stays_linked_when_the_patron_keeps_history(adult_patron, kga, now):
    adult_patron.keeps_loan_history = True
    adult_patron.save(update_fields=["keeps_loan_history"])
    loan = LoanFactory(patron=adult_patron)
    check_in(barcode=loan.item.barcode, library=kga, staff=None, now=now)
    loan.refresh_from_db()
    assert loan.patron == adult_patron


def test_returned_link_kept_for_a_delay_when_configured(adult_patron, kga, now, settings):
    settings.GRANSLOS = {**settings.GRANSLOS, "RETURNED_LOAN_LINK_DAYS": 14}
    loan = LoanFactory(patron=adult_patron)
    check_in(barcode=loan.item.barcode, library=kga, staff=None, now=now)
    loan.refresh_from_db()
    assert loan.patron == adult_patron
    assert loan.returned_at.astimezone(STHLM).date() == date(2025, 3, 12)
