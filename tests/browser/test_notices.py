"""An admin edits a notice template and previews it; a patron changes channel in the OPAC."""

import pytest

from notices.models import NoticePreference, NoticeTemplate
from patrons.services import set_pin
from tests.circulation.factories import PatronFactory
from tests.conftest import DEMO_PASSWORD
from tests.patrons.conftest import _fast_hashers  # noqa: F401 — fast PIN hashing here too

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_edits_and_previews_a_template(page, consortium_admin):
    page.goto("/staff/notices/templates/")
    page.get_by_label("Användarnamn").fill("consortium")
    page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    if "/staff/library/" in page.url:
        page.get_by_role("button", name="Karlskoga bibliotek").click()
    page.goto("/staff/notices/templates/")
    page.get_by_test_id("edit-overdue-sv").click()
    page.get_by_label("Ämne").fill("Påminnelse {{ level }} till {{ first_name }}")
    page.get_by_label("Text (e-post och brev)").fill(
        "Hej {{ first_name }}!\n{% for loan in loans %}* {{ loan.title }}\n{% endfor %}"
    )
    page.get_by_test_id("preview").click()
    box = page.get_by_test_id("preview-box")
    box.get_by_text("Påminnelse 1 till Astrid").wait_for()
    assert "* Pippi Långstrump" in box.inner_text()
    assert not NoticeTemplate.objects.exists()  # a preview saves nothing
    page.get_by_test_id("save").click()
    page.get_by_test_id("notice-templates").wait_for()
    assert "Mallen är sparad." in page.content()
    assert NoticeTemplate.objects.get(kind="overdue", language="sv").subject.startswith(
        "Påminnelse {{ level }}"
    )


def test_patron_changes_channel_and_opts_in(page):
    patron = PatronFactory(first_name="Karin", email="karin@example.se", phone="0701234567")
    set_pin(patron=patron, pin="1357")
    page.goto("/konto/logga-in/")
    page.get_by_label("Lånekortsnummer").fill(patron.cards.get().number)
    page.get_by_label("PIN-kod").fill("1357")
    page.get_by_role("button", name="Logga in").click()
    page.get_by_role("link", name="Mina meddelanden").click()
    form = page.get_by_test_id("notice-preferences")
    form.locator("input[value=sms]").check()
    form.get_by_label("Påminn mig några dagar innan mina lån ska lämnas tillbaka").check()
    form.get_by_role("button", name="Spara").click()
    page.get_by_text("Dina meddelandeinställningar är sparade.").wait_for()
    patron.refresh_from_db()
    assert patron.notice_channel == "sms"
    assert NoticePreference.objects.get(patron=patron).due_soon
