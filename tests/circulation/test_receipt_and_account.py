"""The 80 mm loan receipt (library name, address, opening hours; print CSS) and the summary at
the top of the OPAC's "My account" (debt, loans with due dates, holds)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from catalog.models import Item
from circulation.holds.models import Hold
from libraries.models import Library
from tests.circulation.factories import FeeFactory, ItemFactory, LoanFactory
from tests.conftest import staff_client, warm_reference_caches
from tests.patrons.conftest import _fast_hashers  # noqa: F401 — fast password hashing here too

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def opac_login(client, patron):
    patron.pin_hash = make_password("2468")
    patron.save(update_fields=["pin_hash"])
    response = client.post(
        "/konto/logga-in/", {"card_number": patron.cards.get().number, "pin": "2468"}
    )
    assert response.status_code == 302


@pytest.fixture
def desk(client, desk_staff_karlskoga):
    kga = Library.objects.get(code="KGA")
    kga.address = "Kungsgatan 7\n691 31 Karlskoga"
    kga.phone = "0586-610 00"
    kga.opening_hours = "Mån–tor 10–19\nFre 10–17\nLör 10–14"
    kga.save(update_fields=["address", "phone", "opening_hours"])
    desk = staff_client(client, desk_staff_karlskoga, "KGA")
    warm_reference_caches()
    return desk


def test_the_receipt_names_the_library_its_address_and_opening_hours(desk, adult_patron):
    item = ItemFactory()
    url = f"/staff/circulation/checkout/{adult_patron.pk}/"
    desk.post(url, {"barcode": item.barcode}, HTTP_HX_REQUEST="true")
    receipt = desk.get(desk.post(f"{url}finish/")["Location"]).content.decode()
    head = receipt.split('data-testid="slip-library"')[1].split("</header>")[0]
    assert "Karlskoga bibliotek" in head and "Kungsgatan 7<br>691 31 Karlskoga" in head
    assert "0586-610 00" in head
    hours = receipt.split('data-testid="slip-hours"')[1].split("</footer>")[0]
    assert "Mån–tor 10–19<br>Fre 10–17" in hours
    assert 'class="receipt slip"' in receipt
    assert "onclick" not in receipt and "data-print" in receipt


def test_slips_print_on_80_mm_paper():
    css = (ROOT / "static" / "css" / "desk.css").read_text()
    assert "@page slip { size:80mm auto;" in css and ".slip { page:slip; width:72mm;" in css


def test_my_account_summarises_debt_loans_and_holds_at_the_top(client, adult_patron):
    now = timezone.now()
    FeeFactory(patron=adult_patron, amount=Decimal("45.50"))
    soon = LoanFactory(
        patron=adult_patron,
        item=ItemFactory(status=Item.Status.ON_LOAN, record__title="Röda rummet"),
        checked_out_at=now - timedelta(days=30),
        due_at=now - timedelta(days=2),
    )
    LoanFactory(
        patron=adult_patron,
        item=ItemFactory(status=Item.Status.ON_LOAN, record__title="Hemsöborna"),
        checked_out_at=now,
        due_at=now + timedelta(days=28),
    )
    item = ItemFactory(status=Item.Status.ON_HOLD_SHELF, record__title="Utvandrarna")
    Hold.objects.create(
        patron=adult_patron,
        record=item.record,
        pickup_library=Library.objects.get(code="KHM"),
        state=Hold.State.ON_HOLD_SHELF,
        placed_at=now - timedelta(days=3),
        queue_key=0,
        item=item,
        pickup_deadline=now + timedelta(days=7),
    )
    opac_login(client, adult_patron)
    page = client.get("/konto/").content.decode()
    summary = page.split('data-testid="account-summary"')[1].split("</section>")[0]
    assert page.index('data-testid="account-summary"') < page.index('id="details-h"')
    assert "45,50\u00a0kr" in summary.split('data-testid="summary-debt"')[1]
    loans = summary.split('data-testid="summary-loans"')[1]
    assert "2 lån" in loans and "1 är försenat" in loans
    assert loans.index("Röda rummet") < loans.index("Hemsöborna")  # soonest due first
    assert timezone.localdate(soon.due_at).isoformat() in loans
    holds = summary.split('data-testid="summary-holds"')[1]
    assert "1 är klar att hämta" in holds and "Utvandrarna" in holds
    assert "Kristinehamns bibliotek" in holds


def test_my_account_costs_a_fixed_number_of_queries(
    client, adult_patron, django_assert_num_queries
):
    for _ in range(3):
        LoanFactory(patron=adult_patron, item=ItemFactory(status=Item.Status.ON_LOAN))
    opac_login(client, adult_patron)
    client.get("/konto/")
    with django_assert_num_queries(4):  # the patron, loans, debt, holds
        client.get("/konto/")


def test_a_library_admin_sets_what_receipts_print(client, admin_storfors, desk_staff_karlskoga):
    admin = staff_client(client, admin_storfors, "STO")
    response = admin.post(
        "/staff/calendar/",
        {
            "action": "contact",
            "address": " Storgatan 3\n688 30 Storfors ",
            "phone": "0550-650 00",
            "opening_hours": "Mån–fre 10–17",
        },
    )
    assert response.status_code == 302
    sto = Library.objects.get(code="STO")
    assert (sto.address, sto.phone, sto.opening_hours) == (
        "Storgatan 3\n688 30 Storfors",
        "0550-650 00",
        "Mån–fre 10–17",
    )
    desk = staff_client(client.__class__(), desk_staff_karlskoga, "KGA")
    assert desk.post("/staff/calendar/", {"action": "contact", "address": "x"}).status_code == 403
