"""Desk pages: checkout (summary, rows, refusals, overrides, check in first, receipt), checkin
(reshelve / send home with a slip / fine), with and without htmx, and their query counts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from catalog.models import Item, ItemType
from circulation.models import Fee, Loan, OverrideLog
from libraries.formats import format_money
from patrons.models import Card, PatronBlock
from tests.circulation.factories import FeeFactory, ItemFactory, LoanFactory, PatronFactory
from tests.conftest import staff_client, warm_reference_caches
from tests.patrons.conftest import _fast_hashers  # noqa: F401 — fast password hashing here too

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def card_of(patron) -> str:
    return patron.cards.get(status=Card.Status.ACTIVE).number


@pytest.fixture
def desk(client, desk_staff_karlskoga):
    desk = staff_client(client, desk_staff_karlskoga, "KGA")
    warm_reference_caches()  # a desk that has served requests: rules and calendars are loaded
    assert desk.get("/staff/").status_code == 200  # ... and its user
    return desk


def open_loan(patron, *, days_ago: int = 3, due_in: int = 25, item=None) -> Loan:
    now = timezone.now()
    return LoanFactory(
        patron=patron,
        item=item or ItemFactory(status=Item.Status.ON_LOAN),
        checked_out_at=now - timedelta(days=days_ago),
        due_at=now + timedelta(days=due_in),
    )


# --- Checkout --------------------------------------------------------------------------------


def test_scanning_a_card_opens_the_checkout_with_the_patron_summary(desk, adult_patron):
    adult_patron.staff_note = "Prefers large print"
    adult_patron.save(update_fields=["staff_note"])
    FeeFactory(patron=adult_patron, amount=Decimal("30.00"))
    open_loan(adult_patron)

    response = desk.post("/staff/circulation/checkout/", {"card": card_of(adult_patron)})
    assert response.status_code == 302
    assert response["Location"] == f"/staff/circulation/checkout/{adult_patron.pk}/"
    page = desk.get(response["Location"]).content.decode()
    assert "Astrid" in page
    assert "Prefers large print" in page
    assert 'data-testid="loan-count">1<' in page
    assert "30,00\u00a0kr" in page
    assert "autofocus" in page and "data-scan-field" in page


def test_an_unknown_or_lost_card_is_refused_with_a_reason(desk, adult_patron):
    response = desk.post("/staff/circulation/checkout/", {"card": "nope123"})
    assert response.status_code == 200
    assert "Ingen låntagare har det här lånekortet." in response.content.decode()
    card = adult_patron.cards.get()
    card.status = Card.Status.LOST
    card.save(update_fields=["status"])
    response = desk.post("/staff/circulation/checkout/", {"card": card.number})
    assert "Kortet är anmält förlorat eller ersatt." in response.content.decode()


def test_the_summary_shows_blocks_with_their_reasons(desk, adult_patron, libraries):
    PatronBlock.objects.create(
        patron=adult_patron,
        reason="Damaged books",
        library=libraries["KGA"],
        created_at=timezone.now(),
    )
    page = desk.get(f"/staff/circulation/checkout/{adult_patron.pk}/").content.decode()
    assert "Damaged books" in page
    assert 'data-testid="blocks"' in page


def test_items_scanned_one_after_another_each_get_a_row_with_the_due_date(desk, adult_patron):
    first, second = ItemFactory(), ItemFactory()
    url = f"/staff/circulation/checkout/{adult_patron.pk}/"
    response = desk.post(url, {"barcode": first.barcode}, **HTMX)
    assert response.status_code == 200
    row = response.content.decode()
    loan = Loan.objects.get(item=first)
    assert first.record.title in row
    assert timezone.localdate(loan.due_at).isoformat() in row
    # The refreshed summary comes along out of band.
    assert 'hx-swap-oob="true"' in row and 'data-testid="loan-count">1<' in row

    desk.post(url, {"barcode": second.barcode})  # without JavaScript: post, redirect, get
    page = desk.get(url).content.decode()
    assert page.index(second.barcode) < page.index(first.barcode)  # newest first
    assert Loan.objects.open().filter(patron=adult_patron).count() == 2


def test_a_refusal_shows_its_translated_reason_and_no_override_for_desk_staff(desk, adult_patron):
    reference = ItemFactory(item_type=ItemType.objects.get(code="REFERENCE"))
    url = f"/staff/circulation/checkout/{adult_patron.pk}/"
    row = desk.post(url, {"barcode": reference.barcode}, **HTMX).content.decode()
    assert "Den här medietypen lånas inte ut." in row
    assert "override_reason" not in row
    assert not Loan.objects.filter(item=reference).exists()


def test_a_library_admin_overrides_a_refusal_giving_a_reason(client, adult_patron, admin_karlskoga):
    desk = staff_client(client, admin_karlskoga, "KGA")
    reference = ItemFactory(item_type=ItemType.objects.get(code="REFERENCE"))
    url = f"/staff/circulation/checkout/{adult_patron.pk}/"
    row = desk.post(url, {"barcode": reference.barcode}, **HTMX).content.decode()
    assert 'name="override_reason"' in row
    key = row.split('id="row-')[1].split('"')[0]

    row = desk.post(
        url,
        {"barcode": reference.barcode, "override_reason": "Teacher's request", "replaces": key},
        **HTMX,
    ).content.decode()
    assert Loan.objects.open().filter(item=reference, patron=adult_patron).exists()
    assert OverrideLog.objects.get().reason == "Teacher's request"
    assert "spärr förbigången" in row
    # The refused row was replaced, not kept beside the new one.
    page = desk.get(url).content.decode()
    assert page.count('data-testid="checkout-row"') == 1


def test_already_on_loan_names_the_borrower_masked_and_take_over_needs_the_loan_confirmed(
    desk, adult_patron
):
    other = PatronFactory(first_name="Selma", last_name="Lagerlöf")
    loan = open_loan(other)
    url = f"/staff/circulation/checkout/{adult_patron.pk}/"
    row = desk.post(url, {"barcode": loan.item.barcode}, **HTMX).content.decode()
    mark = f"{card_of(other)[-4:]} S.L."
    assert f"Exemplaret är utlånat till {mark}" in row
    assert "Lagerlöf" not in row and card_of(other) not in row
    # The confirmation names both patrons.
    name = f"{adult_patron.first_name} {adult_patron.last_name}"
    assert f"lånet hos {mark} och låna ut det till {name}?" in row
    key = row.split('id="row-')[1].split('"')[0]
    # Without the confirmed loan nothing moves.
    bare = desk.post(f"{url}check-in-first/", {"barcode": loan.item.barcode, "replaces": key})
    assert bare.status_code == 400
    assert Loan.objects.open().get(item=loan.item).patron == other
    row = desk.post(
        f"{url}check-in-first/",
        {"barcode": loan.item.barcode, "replaces": key, "loan": loan.pk},
        **HTMX,
    ).content.decode()
    assert Loan.objects.open().get(item=loan.item).patron == adult_patron
    assert 'data-testid="checkout-row"' in row


def test_take_over_is_refused_when_the_confirmed_loan_changed_meanwhile(desk, adult_patron):
    first = open_loan(PatronFactory())
    url = f"/staff/circulation/checkout/{adult_patron.pk}/"
    # Meanwhile another desk checks the item in and lends it to a third patron.
    Loan.objects.filter(pk=first.pk).update(returned_at=timezone.now(), end_reason="returned")
    third = LoanFactory(item=first.item, patron=PatronFactory())
    row = desk.post(
        f"{url}check-in-first/", {"barcode": first.item.barcode, "loan": first.pk}, **HTMX
    ).content.decode()
    assert "Exemplarets lån har ändrats" in row
    assert Loan.objects.open().get(item=first.item).pk == third.pk


def test_own_loan_scanned_again_offers_renewal(desk, adult_patron):
    loan = open_loan(adult_patron, days_ago=26, due_in=2)
    url = f"/staff/circulation/checkout/{adult_patron.pk}/"
    row = desk.post(url, {"barcode": loan.item.barcode}, **HTMX).content.decode()
    assert "Låntagaren har redan detta exemplar" in row
    assert 'data-testid="take-over"' not in row and 'data-testid="renew-instead"' in row
    key = row.split('id="row-')[1].split('"')[0]
    row = desk.post(f"{url}renew/", {"loan": loan.pk, "replaces": key}, **HTMX).content.decode()
    renewed = Loan.objects.get(pk=loan.pk)
    assert renewed.renewals == 1 and renewed.due_at > loan.due_at
    assert "omlånad" in row
    # Renewing again at once is too soon: said in the row, nothing counted.
    row = desk.post(f"{url}renew/", {"loan": loan.pk}, **HTMX).content.decode()
    assert "För tidigt att låna om" in row
    assert Loan.objects.get(pk=loan.pk).renewals == 1
    # Another patron's loan cannot be renewed from here.
    assert desk.post(f"{url}renew/", {"loan": open_loan(PatronFactory()).pk}).status_code == 400


def test_finish_prints_a_receipt_without_personnummer(desk, adult_patron):
    adult_patron.personnummer = "198112189876"
    adult_patron.save(update_fields=["personnummer"])
    items = [ItemFactory(), ItemFactory()]
    url = f"/staff/circulation/checkout/{adult_patron.pk}/"
    for item in items:
        desk.post(url, {"barcode": item.barcode}, **HTMX)
    response = desk.post(f"{url}finish/")
    assert response.status_code == 302
    assert "/receipt/?loans=" in response["Location"]
    receipt = desk.get(response["Location"]).content.decode()
    assert receipt.count('data-testid="receipt-row"') == 2
    for item in items:
        assert item.barcode in receipt and item.record.title in receipt
    assert "8112189876" not in receipt and "811218" not in receipt
    # The checkout session ended: the next patron starts with an empty list.
    assert desk.get(url).content.decode().count('data-testid="checkout-row"') == 0


def test_a_receipt_shows_only_the_patrons_own_loans(desk, adult_patron):
    mine, theirs = open_loan(adult_patron), open_loan(PatronFactory())
    receipt = desk.get(
        f"/staff/circulation/checkout/{adult_patron.pk}/receipt/?loans={mine.pk},{theirs.pk}"
    ).content.decode()
    assert mine.item.barcode in receipt and theirs.item.barcode not in receipt


def test_checkout_needs_the_desk_role_at_the_working_library(
    client, desk_staff_karlskoga, adult_patron
):
    desk = staff_client(client, desk_staff_karlskoga, "STO")
    assert desk.get("/staff/circulation/checkout/").status_code in (302, 403)


# --- Checkin ---------------------------------------------------------------------------------


def test_checkin_at_home_says_reshelve(desk, adult_patron):
    loan = open_loan(adult_patron)
    row = desk.post("/staff/circulation/checkin/", {"barcode": loan.item.barcode}, **HTMX)
    text = row.content.decode()
    assert "Ställ tillbaka här" in text
    assert Loan.objects.get(pk=loan.pk).returned_at is not None


def test_checkin_away_from_home_says_where_to_send_it_with_a_slip(client, adult_patron, libraries):
    from tests.conftest import make_staff

    user = make_staff("desk_sto", ("STO", "desk"))
    desk = staff_client(client, user, "STO")
    loan = open_loan(adult_patron)  # a Karlskoga item
    text = desk.post(
        "/staff/circulation/checkin/", {"barcode": loan.item.barcode}, **HTMX
    ).content.decode()
    assert "Skicka till Karlskoga bibliotek" in text
    assert "/staff/transport/transfers/" in text and "/slip/" in text


def test_checkin_of_an_overdue_loan_says_the_fine_was_charged(desk, adult_patron):
    now = timezone.now()
    loan = LoanFactory(
        patron=adult_patron,
        item=ItemFactory(status=Item.Status.ON_LOAN),
        checked_out_at=now - timedelta(days=60),
        due_at=now - timedelta(days=30),
    )
    text = desk.post(
        "/staff/circulation/checkin/", {"barcode": loan.item.barcode}, **HTMX
    ).content.decode()
    fee = Fee.objects.get(loan=loan)
    with translation.override("sv"):
        shown = format_money(fee.amount)
    assert shown in text and 'data-testid="checkin-fee"' in text


def test_checkin_without_javascript_keeps_the_rows(desk, adult_patron):
    first, second = open_loan(adult_patron), open_loan(adult_patron)
    assert (
        desk.post("/staff/circulation/checkin/", {"barcode": first.item.barcode}).status_code == 302
    )
    desk.post("/staff/circulation/checkin/", {"barcode": second.item.barcode})
    desk.post("/staff/circulation/checkin/", {"barcode": "no-such-item"})
    page = desk.get("/staff/circulation/checkin/").content.decode()
    assert page.count('data-testid="checkin-row"') == 3
    assert "Inget exemplar har den här streckkoden." in page


# --- Query counts ----------------------------------------------------------------------------


def queries(method, *args, **kwargs) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = method(*args, **kwargs)
    assert response.status_code == 200
    return len(captured)


def test_checkout_scan_costs_the_same_queries_with_0_and_40_loans(desk):
    """Session, user, roles, the checkout service, the refreshed summary: about 21 queries."""
    counts = []
    for loans in (0, 40):
        patron = PatronFactory()
        for _ in range(loans):
            open_loan(patron)
        url = f"/staff/circulation/checkout/{patron.pk}/"
        desk.get(url)
        item = ItemFactory()
        counts.append(queries(desk.post, url, {"barcode": item.barcode}, **HTMX))
    assert counts[0] == counts[1] <= 24


def test_checkin_scan_costs_the_same_queries_with_0_and_40_loans(desk):
    counts = []
    for loans in (0, 40):
        patron = PatronFactory()
        for _ in range(loans):
            open_loan(patron)
        loan = open_loan(patron)
        desk.get("/staff/circulation/checkin/")
        url = "/staff/circulation/checkin/"
        counts.append(queries(desk.post, url, {"barcode": loan.item.barcode}, **HTMX))
    assert counts[0] == counts[1] <= 16


def test_patron_account_page_costs_the_same_queries_with_0_and_40_loans_and_fees(desk):
    counts = []
    for n in (0, 40):
        patron = PatronFactory(keeps_loan_history=True)
        for _ in range(n):
            open_loan(patron)
            FeeFactory(patron=patron)
        counts.append(queries(desk.get, f"/staff/patrons/{patron.pk}/"))
        page = desk.get(f"/staff/patrons/{patron.pk}/").content.decode()
        assert page.count('data-testid="loan-row"') == n
        assert page.count('data-testid="fee-row"') == n
    assert counts[0] == counts[1]


def test_an_anonymized_patron_has_no_checkout_page(desk, adult_patron):
    adult_patron.anonymized_at = timezone.now()
    adult_patron.save(update_fields=["anonymized_at"])
    url = f"/staff/circulation/checkout/{adult_patron.pk}/"
    assert desk.get(url).status_code == 404
    item = ItemFactory()
    assert desk.post(url, {"barcode": item.barcode}, **HTMX).status_code == 404
    assert not Loan.objects.filter(item=item).exists()


def test_override_works_without_javascript(client, adult_patron, admin_karlskoga):
    desk = staff_client(client, admin_karlskoga, "KGA")
    reference = ItemFactory(item_type=ItemType.objects.get(code="REFERENCE"))
    url = f"/staff/circulation/checkout/{adult_patron.pk}/"
    desk.post(url, {"barcode": reference.barcode})
    page = desk.get(url).content.decode()
    assert 'name="override_reason"' in page
    key = page.split('id="row-')[1].split('"')[0]
    response = desk.post(
        url, {"barcode": reference.barcode, "override_reason": "Exhibition", "replaces": key}
    )
    assert response.status_code == 302
    assert Loan.objects.open().filter(item=reference).exists()
    assert desk.get(url).content.decode().count('data-testid="checkout-row"') == 1


def test_checking_in_an_item_not_on_loan_is_harmless_and_says_so(desk):
    item = ItemFactory()
    text = desk.post(
        "/staff/circulation/checkin/", {"barcode": item.barcode}, **HTMX
    ).content.decode()
    assert "Ställ tillbaka här" in text
    assert 'data-testid="checkin-fee"' not in text


def test_an_empty_scan_does_nothing(desk, adult_patron):
    url = f"/staff/circulation/checkout/{adult_patron.pk}/"
    assert desk.post(url, {"barcode": ""}, **HTMX).status_code == 204
    assert desk.post("/staff/circulation/checkin/", {"barcode": " "}, **HTMX).status_code == 204


# --- The checkout alert (issue 14) -----------------------------------------------------------


def caught_hold(patron, pickup: str):
    from circulation import services
    from circulation.holds import services as hold_services
    from libraries.models import Library

    library = Library.objects.get(code=pickup)
    loan = LoanFactory()
    hold_services.place_hold(
        patron=patron, record=loan.item.record, pickup_library=library, now=timezone.now()
    )
    services.check_in(barcode=loan.item.barcode, library=library, staff=None, now=timezone.now())
    return loan.item


def test_checkout_alerts_holds_ready_here_and_elsewhere_and_debt(desk, adult_patron):
    from transport.demo import create_demo_network

    create_demo_network()
    here = caught_hold(adult_patron, "KGA")
    elsewhere = caught_hold(adult_patron, "STO")
    FeeFactory(patron=adult_patron, amount=Decimal("30.00"))
    page = desk.get(f"/staff/circulation/checkout/{adult_patron.pk}/").content.decode()
    alert = page.split('data-testid="patron-alert"')[1].split("</section>")[0]
    assert 'data-desk-alert="attention"' in page
    mark = f"{card_of(adult_patron)[-4:]} {adult_patron.first_name[0]}.{adult_patron.last_name[0]}."
    assert here.barcode in alert and f"på hämthyllan under <strong>{mark}</strong>" in alert
    assert "Klar att hämta på Storfors bibliotek" in alert and elsewhere.record.title in alert
    assert "30,00\xa0kr" in alert


def test_no_alert_for_a_patron_with_nothing_to_tell(desk, adult_patron):
    page = desk.get(f"/staff/circulation/checkout/{adult_patron.pk}/").content.decode()
    assert 'data-testid="patron-alert"' not in page and "Får låna" in page


def test_checkout_page_costs_the_same_queries_with_0_and_5_ready_holds(desk):
    from transport.demo import create_demo_network

    create_demo_network()
    counts = []
    for holds in (0, 5):
        patron = PatronFactory()
        for _ in range(holds):
            caught_hold(patron, "KGA")
        url = f"/staff/circulation/checkout/{patron.pk}/"
        desk.get(url)  # opens the checkout session (access log) once
        counts.append(queries(desk.get, url))
    assert counts[0] == counts[1]
