"""Browser (issue 14, item 1): "Låna om alla" at the desk skips loans a renewal would not give
more time (too soon, said politely) and the Renew button is gone at the renewal limit."""

from datetime import timedelta

import pytest
from django.utils import timezone

from circulation.models import Loan
from circulation.services import check_out
from libraries.models import Library
from tests.browser.test_circulation_desk import log_in
from tests.circulation.factories import ItemFactory, LoanFactory, PatronFactory
from tests.patrons.conftest import _fast_hashers  # noqa: F401 — fast password hashing here too

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_renew_all_skips_fresh_loans_and_the_limit_hides_the_button(page, desk_staff_karlskoga):
    patron = PatronFactory(first_name="Greta", last_name="Garbo")
    now = timezone.now()
    fresh = check_out(  # lent minutes ago, as at the desk
        card_number=patron.cards.get().number,
        barcode=ItemFactory().barcode,
        library=Library.objects.get(code="KGA"),
        staff=None,
        now=now - timedelta(minutes=3),
    )
    due_soon = LoanFactory(
        patron=patron, checked_out_at=now - timedelta(days=26), due_at=now + timedelta(days=2)
    )
    maxed = LoanFactory(
        patron=patron,
        checked_out_at=now - timedelta(days=26),
        due_at=now + timedelta(days=2),
        renewals=3,
    )

    page.goto("/staff/")
    log_in(page, "desk_kga", "Karlskoga bibliotek")
    page.goto(f"/staff/patrons/{patron.pk}/")
    rows = page.get_by_test_id("loan-row")
    maxed_row = rows.filter(has_text=maxed.item.barcode)
    assert maxed_row.get_by_role("button", name="Låna om").count() == 0
    assert maxed_row.get_by_test_id("renewal-limit").is_visible()
    assert rows.filter(has_text=fresh.item.barcode).get_by_role("button", name="Låna om").count()

    page.get_by_role("button", name="Låna om alla").click()
    text = page.locator(".messages").inner_text()
    assert "1 lån har lånats om." in text
    assert "För tidigt att låna om" in text  # the fresh loan, politely
    assert Loan.objects.get(pk=fresh.pk).renewals == 0
    assert Loan.objects.get(pk=due_soon.pk).renewals == 1
    assert Loan.objects.get(pk=maxed.pk).renewals == 3

    # Pressing it again renews nothing: every loan is now too soon or at its limit.
    page.get_by_role("button", name="Låna om alla").click()
    again = page.locator(".messages").inner_text()
    assert "lån har lånats om" not in again and again.count("För tidigt att låna om") == 2
    assert Loan.objects.get(pk=due_soon.pk).renewals == 1
