"""The patron's account at the desk (renew, renew all, lost, claims returned, pay, waive) and
in the OPAC (My loans, renew one and all with reasons, My fees; patron A never reaches B's)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.models import Item
from circulation.models import Fee, Loan, LoanRule
from tests.circulation.factories import FeeFactory, ItemFactory, LoanFactory, PatronFactory
from tests.conftest import staff_client, warm_reference_caches
from tests.patrons.conftest import _fast_hashers  # noqa: F401 — fast password hashing here too

pytestmark = pytest.mark.django_db

PIN = "2468"


def open_loan(patron, *, due_in: int = 20, renewals: int = 0) -> Loan:
    now = timezone.now()
    return LoanFactory(
        patron=patron,
        item=ItemFactory(status=Item.Status.ON_LOAN),
        checked_out_at=now - timedelta(days=5),
        due_at=now + timedelta(days=due_in),
        renewals=renewals,
    )


@pytest.fixture
def desk(client, desk_staff_karlskoga):
    return staff_client(client, desk_staff_karlskoga, "KGA")


# --- At the desk -----------------------------------------------------------------------------


def test_the_patron_page_lists_loans_and_fees(desk, adult_patron):
    loan = open_loan(adult_patron, due_in=-2)
    FeeFactory(patron=adult_patron, description="Replacement card")
    page = desk.get(f"/staff/patrons/{adult_patron.pk}/").content.decode()
    assert loan.item.record.title in page
    assert "badge bad" in page  # overdue
    assert "Replacement card" in page
    assert 'data-testid="account-history"' not in page  # the patron keeps no history


def test_loan_history_is_shown_only_when_the_patron_opted_in(desk):
    patron = PatronFactory(keeps_loan_history=True)
    page = desk.get(f"/staff/patrons/{patron.pk}/").content.decode()
    assert 'data-testid="account-history"' in page


def test_renew_at_the_desk(desk, adult_patron):
    loan = open_loan(adult_patron, due_in=1)
    response = desk.post(f"/staff/circulation/loans/{loan.pk}/renew/")
    assert response["Location"] == f"/staff/patrons/{adult_patron.pk}/#loans"
    loan.refresh_from_db()
    assert loan.renewals == 1 and loan.due_at > timezone.now() + timedelta(days=20)


def test_a_refused_renewal_says_why(desk, adult_patron):
    loan = open_loan(adult_patron, renewals=3)
    response = desk.post(f"/staff/circulation/loans/{loan.pk}/renew/", follow=True)
    assert "3" in response.content.decode()
    assert 'class="error"' in response.content.decode()
    loan.refresh_from_db()
    assert loan.renewals == 3


def test_renew_all_renews_each_loan_on_its_own(desk, adult_patron):
    fine, maxed = open_loan(adult_patron), open_loan(adult_patron, renewals=3)
    response = desk.post(f"/staff/circulation/patrons/{adult_patron.pk}/renew-all/", follow=True)
    fine.refresh_from_db()
    maxed.refresh_from_db()
    assert fine.renewals == 1 and maxed.renewals == 3
    assert maxed.item.record.title in response.content.decode()


def test_mark_lost_bills_the_price_and_claims_returned_ends_the_loan(desk, adult_patron):
    lost, claimed = open_loan(adult_patron), open_loan(adult_patron)
    desk.post(f"/staff/circulation/loans/{lost.pk}/lost/")
    desk.post(f"/staff/circulation/loans/{claimed.pk}/claims-returned/")
    assert Fee.objects.get(loan=lost, kind=Fee.Kind.LOST).amount == Decimal("250.00")
    assert Loan.objects.get(pk=claimed.pk).end_reason == Loan.EndReason.CLAIMS_RETURNED
    assert Item.objects.get(pk=claimed.item_id).status == Item.Status.MISSING


def test_pay_and_waive_a_fee_waiving_needs_a_reason(desk, adult_patron):
    paid, waived = FeeFactory(patron=adult_patron), FeeFactory(patron=adult_patron)
    desk.post(f"/staff/circulation/fees/{paid.pk}/pay/")
    response = desk.post(f"/staff/circulation/fees/{waived.pk}/waive/", {"reason": " "})
    assert response["Location"].endswith("#fees")
    assert Fee.objects.get(pk=waived.pk).state == Fee.State.OPEN
    desk.post(f"/staff/circulation/fees/{waived.pk}/waive/", {"reason": "First time"})
    assert Fee.objects.get(pk=paid.pk).state == Fee.State.PAID
    assert Fee.objects.get(pk=waived.pk).waive_reason == "First time"


def test_account_actions_need_post(desk, adult_patron):
    loan = open_loan(adult_patron)
    assert desk.get(f"/staff/circulation/loans/{loan.pk}/renew/").status_code == 405


# --- In the OPAC -----------------------------------------------------------------------------


def opac_login(client, patron):
    patron.pin_hash = make_password(PIN)
    patron.save(update_fields=["pin_hash"])
    response = client.post(
        "/konto/logga-in/", {"card_number": patron.cards.get().number, "pin": PIN}
    )
    assert response.status_code == 302
    return client


def test_my_loans_shows_due_dates_and_marks_overdue(client, adult_patron):
    late, fine = open_loan(adult_patron, due_in=-3), open_loan(adult_patron, due_in=10)
    page = opac_login(client, adult_patron).get("/konto/lan/").content.decode()
    assert page.count('data-testid="my-loan"') == 2
    assert late.item.record.title in page and fine.item.record.title in page
    assert page.count('class="loan overdue"') == 1
    assert timezone.localdate(fine.due_at).isoformat() in page


def test_renewing_in_the_opac_and_the_reason_when_refused(client, adult_patron):
    ok, maxed = open_loan(adult_patron), open_loan(adult_patron, renewals=3)
    opac = opac_login(client, adult_patron)
    response = opac.post(f"/konto/lan/{ok.pk}/forlang/", follow=True)
    ok.refresh_from_db()
    assert ok.renewals == 1
    response = opac.post(f"/konto/lan/{maxed.pk}/forlang/", follow=True)
    assert 'class="error"' in response.content.decode()
    assert Loan.objects.get(pk=maxed.pk).renewals == 3


def test_renew_all_in_the_opac(client, adult_patron):
    loans = [open_loan(adult_patron), open_loan(adult_patron)]
    opac_login(client, adult_patron).post("/konto/lan/forlang-alla/")
    assert all(Loan.objects.get(pk=loan.pk).renewals == 1 for loan in loans)


def test_patron_a_can_neither_see_nor_renew_patron_bs_loans(client, adult_patron):
    other = PatronFactory()
    theirs = open_loan(other)
    opac = opac_login(client, adult_patron)
    assert theirs.item.record.title not in opac.get("/konto/lan/").content.decode()
    assert opac.post(f"/konto/lan/{theirs.pk}/forlang/").status_code == 404
    assert Loan.objects.get(pk=theirs.pk).renewals == 0
    FeeFactory(patron=other, description="Their fee")
    assert "Their fee" not in opac.get("/konto/avgifter/").content.decode()


def test_my_pages_need_a_login(client):
    assert client.get("/konto/lan/")["Location"].startswith("/konto/logga-in/")
    assert client.get("/konto/avgifter/")["Location"].startswith("/konto/logga-in/")


def test_my_fees_lists_fees_and_the_debt(client, adult_patron):
    FeeFactory(patron=adult_patron, amount=Decimal("15.00"), description="Overdue")
    page = opac_login(client, adult_patron).get("/konto/avgifter/").content.decode()
    assert page.count('data-testid="my-fee"') == 1
    assert "15,00" in page


def test_my_loans_costs_the_same_queries_with_0_and_40_loans(client):
    counts = []
    for n in (0, 40):
        patron = PatronFactory()
        for _ in range(n):
            open_loan(patron)
        opac = opac_login(client, patron)
        warm_reference_caches()  # the renewal limits come from the process's copy of the rules
        with CaptureQueriesContext(connection) as captured:
            response = opac.get("/konto/lan/")
        assert response.content.decode().count('data-testid="my-loan"') == n
        counts.append(len(captured))
    assert counts[0] == counts[1] <= 8


def test_renewal_in_the_opac_keeps_the_rules_library_of_the_loan(client, adult_patron, libraries):
    LoanRule.objects.create(library=libraries["KGA"], loan_period_days=10)
    loan = open_loan(adult_patron, due_in=1)
    opac_login(client, adult_patron).post(f"/konto/lan/{loan.pk}/forlang/")
    loan.refresh_from_db()
    assert loan.due_at < timezone.now() + timedelta(days=13)
