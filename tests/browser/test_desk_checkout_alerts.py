"""Browser (issue 14, items 2-4): loading a patron at checkout raises an alert the desk cannot
miss (holds ready here with the shelf mark, ready elsewhere, debt); refusals sound a tone
(switchable per workstation) and block until acknowledged, then the scan field has focus again;
an item on loan says to whom (masked) and offers renewal or a take-over confirmed by name."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from circulation import services
from circulation.holds import services as hold_services
from circulation.models import Loan
from libraries.models import Library
from tests.browser.test_circulation_desk import log_in
from tests.circulation.factories import (
    FeeFactory,
    LoanFactory,
    PatronFactory,
    RecordFactory,
)
from tests.patrons.conftest import _fast_hashers  # noqa: F401 — fast password hashing here too
from transport.demo import create_demo_network

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def ready_hold(patron, *, title: str, pickup: str, now):
    """A hold of ``patron`` caught at check-in at ``pickup``: on that library's hold shelf."""
    library = Library.objects.get(code=pickup)
    loan = LoanFactory(item__record=RecordFactory(title=title))
    hold_services.place_hold(
        patron=patron, record=loan.item.record, pickup_library=library, now=now
    )
    services.check_in(barcode=loan.item.barcode, library=library, staff=None, now=now)


def dialog_text(page) -> str:
    dialog = page.get_by_test_id("desk-alert-dialog")
    dialog.wait_for(state="visible")
    return dialog.inner_text()


def acknowledge(page, scan) -> None:
    """The desk presses Enter on the dialog's OK: the dialog closes, the scan field has focus."""
    page.keyboard.press("Enter")
    page.get_by_test_id("desk-alert-dialog").wait_for(state="hidden")
    assert scan.evaluate("el => el === document.activeElement")


def tones(page) -> int:
    return int(page.evaluate("document.body.getAttribute('data-tones') || '0'"))


def test_checkout_alerts_refusal_signals_and_loans_already_out(page, desk_staff_karlskoga):
    create_demo_network()
    now = timezone.now()
    selma = PatronFactory(first_name="Selma", last_name="Lagerlöf")
    ready_hold(selma, title="Gösta Berlings saga", pickup="KGA", now=now)
    ready_hold(selma, title="Jerusalem", pickup="KHM", now=now)
    FeeFactory(patron=selma, amount=Decimal("30.00"))
    other = PatronFactory(first_name="Vilhelm", last_name="Moberg")
    others_loan = LoanFactory(patron=other)
    own_loan = LoanFactory(patron=selma, due_at=now + timedelta(days=2))

    page.goto("/staff/")
    log_in(page, "desk_kga", "Karlskoga bibliotek")
    page.get_by_role("link", name="Utlån", exact=True).click()
    page.get_by_label("Skanna låntagarens lånekort").fill(selma.cards.get().number)
    page.keyboard.press("Enter")

    # 2. The alert: a blocking dialog with an attention tone, and the same list on the page.
    text = dialog_text(page)
    mark = f"{selma.cards.get().number[-4:]} S.L."
    assert "Observera innan utlån" in text
    assert "Gösta Berlings saga" in text and f"på hämthyllan under {mark}" in text
    assert "Klar att hämta på Kristinehamns bibliotek" in text and "Jerusalem" in text
    assert "Obetalda avgifter" in text and "30,00\xa0kr" in text
    assert page.evaluate("document.body.getAttribute('data-last-signal')") == "attention"
    scan = page.get_by_label("Skanna ett exemplar")
    acknowledge(page, scan)
    alert = page.get_by_test_id("patron-alert")
    assert mark in alert.get_by_test_id("alert-ready-here").inner_text()
    assert alert.get_by_test_id("alert-ready-elsewhere").count() == 1

    # 3 + 4. Another patron's loan: refused with a tone, the borrower masked and the due date.
    heard = tones(page)
    page.keyboard.type(others_loan.item.barcode)
    page.keyboard.press("Enter")
    text = dialog_text(page)
    other_mark = f"{other.cards.get().number[-4:]} V.M."
    assert f"Exemplaret är utlånat till {other_mark}" in text and "Moberg" not in text
    assert tones(page) == heard + 1
    assert page.evaluate("document.body.getAttribute('data-last-signal')") == "refusal"
    acknowledge(page, scan)
    row = page.get_by_test_id("checkout-row").filter(has_text=others_loan.item.barcode)
    row.get_by_text("Ta över lånet…").click()
    question = row.get_by_test_id("take-over-question").inner_text()
    assert f"lånet hos {other_mark} och låna ut det till Selma Lagerlöf?" in question
    assert Loan.objects.open().get(item=others_loan.item).patron == other  # nothing moved yet
    row.get_by_role("button", name="Ja, återlämna och låna ut").click()
    lent = page.locator("[data-testid=checkout-row].ok").filter(has_text=others_loan.item.barcode)
    lent.wait_for()
    assert "återlämnad först" in lent.inner_text()
    assert Loan.objects.open().get(item=others_loan.item).patron == selma

    # The patron's own loan: offered a renewal instead.
    page.keyboard.type(own_loan.item.barcode)
    page.keyboard.press("Enter")
    assert "Låntagaren har redan detta exemplar på lån" in dialog_text(page)
    acknowledge(page, scan)
    row = page.get_by_test_id("checkout-row").filter(has_text=own_loan.item.barcode)
    row.get_by_role("button", name="Låna om").click()
    page.locator("[data-testid=checkout-row].ok").filter(has_text=own_loan.item.barcode).wait_for()
    assert Loan.objects.get(pk=own_loan.pk).renewals == 1

    # 4. The sound is switched off at this workstation: a refusal still blocks, silently.
    toggle = page.get_by_test_id("sound-toggle")
    assert toggle.inner_text() == "Ljud på"
    toggle.click()
    assert toggle.inner_text() == "Ljud av"
    heard = tones(page)
    scan.focus()
    page.keyboard.type("NO-SUCH-ITEM")
    page.keyboard.press("Enter")
    assert "Inget exemplar har den här streckkoden." in dialog_text(page)
    assert tones(page) == heard
    acknowledge(page, scan)
    page.reload()  # the choice is kept in this browser
    assert page.get_by_test_id("sound-toggle").inner_text() == "Ljud av"
