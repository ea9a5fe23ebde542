"""Browser (issue 14, item 7): the hold shelf names each patron by the last four card digits and
the initials; the pick list's shelf column says where the copy stands."""

from datetime import timedelta

import pytest
from django.utils import timezone

from circulation import services
from circulation.holds import services as hold_services
from circulation.holds import targeting as hold_targeting
from libraries.models import Library
from tests.browser.test_circulation_desk import log_in
from tests.circulation.factories import ItemFactory, LoanFactory, PatronFactory, RecordFactory
from tests.patrons.conftest import _fast_hashers  # noqa: F401 — fast password hashing here too
from transport.demo import create_demo_network

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_hold_shelf_shows_card_digits_and_initials_and_pick_list_the_shelf(
    page, desk_staff_karlskoga
):
    create_demo_network()
    kga = Library.objects.get(code="KGA")
    now = timezone.now()
    selma = PatronFactory(first_name="Selma", last_name="Lagerlöf")
    loan = LoanFactory(item__record=RecordFactory(title="Gösta Berlings saga"))
    hold_services.place_hold(patron=selma, record=loan.item.record, pickup_library=kga, now=now)
    services.check_in(barcode=loan.item.barcode, library=kga, staff=None, now=now)  # caught

    wanted = ItemFactory(record=RecordFactory(title="Jerusalem"), shelf_location="Vuxen")
    hold_services.place_hold(
        patron=PatronFactory(), record=wanted.record, pickup_library=kga, now=now
    )
    # Targeting asks libraries open that day: run it as on the coming Monday morning.
    monday = (now + timedelta(days=7 - now.weekday())).replace(hour=9, minute=15)
    hold_targeting.run_targeting(now=monday)

    page.goto("/staff/")
    log_in(page, "desk_kga", "Karlskoga bibliotek")
    page.get_by_role("link", name="Reservationer", exact=True).click()
    row = page.get_by_test_id("shelf-row").filter(has_text="Gösta Berlings saga")
    card = selma.cards.get().number
    assert row.get_by_test_id("shelf-mark").inner_text() == f"{card[-4:]} S.L."
    assert card not in row.inner_text() and "Lagerlöf" not in row.inner_text()

    page.goto("/staff/holds/pick-list/")
    line = page.get_by_test_id("pick-list").locator("tr").filter(has_text="Jerusalem")
    assert line.get_by_test_id("pick-shelf").inner_text() == "Vuxen"
