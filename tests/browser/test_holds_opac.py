"""A patron places a hold in the OPAC, staff check the copy in, the patron sees it is ready."""

import pytest

from catalog.models import Item
from circulation.defaults import ensure_all as ensure_rules
from libraries.models import Library
from patrons.services import set_pin
from tests.circulation.factories import LoanFactory, PatronFactory, RecordFactory
from tests.conftest import DEMO_PASSWORD
from tests.patrons.conftest import _fast_hashers  # noqa: F401 — fast PIN hashing here too

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_patron_holds_in_opac_staff_check_in_patron_sees_ready_for_pickup(
    page, browser, live_server, desk_staff_karlskoga
):
    ensure_rules()
    kga = Library.objects.get(code="KGA")
    record = RecordFactory(title="Kallocain")
    item = LoanFactory(item__record=record).item  # the only copy is out on loan
    patron = PatronFactory(first_name="Karin", home_library=kga, email="karin@example.se")
    set_pin(patron=patron, pin="1357")
    card = patron.cards.get().number

    # The patron: log in, find the title, place a hold (Karlskoga preselected), see it waiting.
    page.goto("/konto/logga-in/")
    page.get_by_label("Lånekortsnummer").fill(card)
    page.get_by_label("PIN-kod").fill("1357")
    page.get_by_role("button", name="Logga in").click()
    page.goto(f"/post/{record.pk}/")
    page.get_by_test_id("place-hold").click()
    assert page.get_by_label("Hämtas på").input_value() == str(kga.pk)
    page.get_by_role("button", name="Reservera").click()
    assert "Din reservation är lagd." in page.content()
    row = page.get_by_test_id("hold-row")
    assert "Kallocain" in row.inner_text()
    assert "Väntar" in row.inner_text() and "Nummer 1 i kön" in row.inner_text()

    # Staff in Karlskoga check the returned copy in: it is caught for the hold.
    context = browser.new_context(locale="sv-SE", base_url=live_server.url)
    desk = context.new_page()
    desk.goto("/staff/circulation/checkin/")
    desk.get_by_label("Användarnamn").fill("desk_kga")
    desk.get_by_label("Lösenord").fill(DEMO_PASSWORD)
    desk.get_by_role("button", name="Logga in").click()
    # One library: the login goes straight on, no library to pick.
    if "/staff/circulation/checkin/" not in desk.url:
        desk.goto("/staff/circulation/checkin/")
    desk.get_by_label("Skanna ett exemplar").fill(item.barcode)
    desk.keyboard.press("Enter")
    desk.get_by_text("hämthyllan").first.wait_for()
    desk.goto("/staff/holds/")
    assert "Kallocain" in desk.get_by_test_id("hold-shelf").inner_text()
    context.close()
    item.refresh_from_db()
    assert item.status == Item.Status.ON_HOLD_SHELF

    # The patron reloads My holds: ready for pickup, with the deadline.
    page.get_by_test_id("my-holds-link").click()
    state = page.get_by_test_id("hold-state").inner_text()
    assert "Klar att hämta" in state and "Hämtas senast" in state
