"""Browser: a patron logs into the OPAC with card and PIN and renews a loan under My loans."""

from datetime import timedelta

import pytest
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from catalog.models import Item
from circulation.models import Loan
from tests.circulation.factories import ItemFactory, LoanFactory, PatronFactory
from tests.patrons.conftest import _fast_hashers  # noqa: F401 — fast PIN hashing here too

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_patron_renews_a_loan_in_the_opac(page):
    patron = PatronFactory(first_name="Nils", pin_hash=make_password("1357"))
    now = timezone.now()
    loan = LoanFactory(
        patron=patron,
        item=ItemFactory(status=Item.Status.ON_LOAN),
        checked_out_at=now - timedelta(days=26),
        due_at=now + timedelta(days=2),
    )
    maxed = LoanFactory(
        patron=patron,
        item=ItemFactory(status=Item.Status.ON_LOAN),
        checked_out_at=now - timedelta(days=26),
        due_at=now + timedelta(days=2),
        renewals=3,
    )

    page.goto("/")
    page.get_by_role("link", name="Logga in").click()
    page.get_by_label("Lånekortsnummer").fill(patron.cards.get().number)
    page.get_by_label("PIN-kod").fill("1357")
    page.get_by_role("button", name="Logga in").click()
    page.get_by_test_id("my-loans-link").click()
    assert page.get_by_test_id("my-loan").count() == 2

    title = loan.item.record.title
    page.get_by_role("button", name=f"Låna om {title}").click()
    assert f"{title} är omlånad" in page.content()
    renewed = Loan.objects.get(pk=loan.pk)
    assert renewed.renewals == 1 and renewed.due_at > now + timedelta(days=20)
    due = timezone.localdate(renewed.due_at).isoformat()
    assert due in page.get_by_test_id("my-loan").filter(has_text=title).inner_text()

    # At the renewal limit there is no Renew button, only a word on why.
    maxed_row = page.get_by_test_id("my-loan").filter(has_text=maxed.item.record.title)
    assert maxed_row.get_by_role("button").count() == 0
    assert "kan inte lånas om fler gånger" in maxed_row.get_by_test_id("renewal-limit").inner_text()

    # Renewing again at once would not move the due date: refused politely, nothing counted.
    page.get_by_role("button", name=f"Låna om {title}").click()
    assert "För tidigt att låna om" in page.content()
    assert Loan.objects.get(pk=loan.pk).renewals == 1
    assert Loan.objects.get(pk=maxed.pk).renewals == 3
