import pytest
from django.contrib.auth.hashers import check_password

from patrons.models import Patron
from tests.conftest import DEMO_PASSWORD
from tests.patrons.conftest import _fast_hashers  # noqa: F401 — fast PIN hashing here too
from tests.patrons.factories import next_card_number

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_registers_a_patron_who_logs_in_and_changes_the_pin(
    page, browser, live_server, desk_staff_karlskoga
):
    card = next_card_number()
    # Staff: log in, pick the library, register the patron with a card and a PIN.
    page.goto("/staff/patrons/new/")
    page.get_by_label("Användarnamn").fill("desk_kga")
    page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    # One library: the login goes straight on, no library to pick.
    page.get_by_label("Förnamn", exact=True).fill("Märta")
    page.get_by_label("Efternamn", exact=True).fill("Öberg")
    page.get_by_label("Födelsedatum", exact=True).fill("1990-02-03")
    page.get_by_label("E-post", exact=True).fill("marta@example.se")
    page.get_by_label("Lånekortsnummer", exact=True).fill(card)
    page.get_by_label("PIN-kod (4–8 siffror)").fill("1357")
    page.get_by_role("button", name="Registrera").click()
    assert page.get_by_test_id("patron-name").inner_text() == "Märta Öberg"
    assert "Låntagaren är registrerad." in page.content()

    # The patron, in another browser: log in with the new card and PIN, change the PIN.
    context = browser.new_context(locale="sv-SE", base_url=live_server.url)
    opac = context.new_page()
    opac.goto("/")
    opac.get_by_role("link", name="Logga in").click()
    opac.get_by_label("Lånekortsnummer").fill(card)
    opac.get_by_label("PIN-kod").fill("1357")
    opac.get_by_role("button", name="Logga in").click()
    assert "Märta Öberg" in opac.get_by_test_id("account-name").inner_text()
    opac.get_by_label("Nuvarande PIN-kod").fill("1357")
    opac.get_by_label("Ny PIN-kod (4–8 siffror)").fill("86420")
    opac.get_by_role("button", name="Byt PIN-kod").click()
    assert "Din PIN-kod är ändrad." in opac.content()
    patron = Patron.objects.get(cards__number=card)
    assert check_password("86420", patron.pin_hash)

    # Log out, and back in with the new PIN.
    opac.get_by_role("button", name="Logga ut").click()
    opac.get_by_role("link", name="Logga in").click()
    opac.get_by_label("Lånekortsnummer").fill(card)
    opac.get_by_label("PIN-kod").fill("86420")
    opac.get_by_role("button", name="Logga in").click()
    assert opac.get_by_test_id("account-name").is_visible()
    context.close()
