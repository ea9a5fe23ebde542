"""Notice pages: who may see and do what, bad input, query counts, the OPAC settings."""

from __future__ import annotations

from datetime import date

import pytest

from notices import services
from notices.models import Notice, NoticePreference, NoticeTemplate
from tests.conftest import make_staff, staff_client
from tests.notices.conftest import at, due_loan
from tests.patrons.conftest import _fast_hashers  # noqa: F401 - fast password hashing here too
from tests.patrons.factories import TEST_PIN, card_of
from tests.patrons.factories import PatronFactory as OpacPatronFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def overdue_notice(emailed):
    due_loan(emailed, title="Hemlig titel")
    services.run(now=at(date(2025, 3, 18)), today=date(2025, 3, 18))
    return Notice.objects.get()


def test_desk_sees_what_was_sent_but_not_the_text(client, desk_staff_karlskoga, overdue_notice):
    staff_client(client, desk_staff_karlskoga, "KGA")
    page = client.get(f"/staff/notices/patron/{overdue_notice.patron_id}/").content.decode()
    assert "Påminnelse" in page or "Overdue" in page or "Försen" in page
    assert "Hemlig titel" not in page
    assert 'data-testid="notice-row"' in page


def test_patron_notices_fragment_query_count(
    client, desk_staff_karlskoga, overdue_notice, django_assert_max_num_queries
):
    staff_client(client, desk_staff_karlskoga, "KGA")
    url = f"/staff/notices/patron/{overdue_notice.patron_id}/"
    client.get(url, headers={"HX-Request": "true"})
    with django_assert_max_num_queries(6):
        response = client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "<html" not in response.content.decode()


def test_desk_resends_a_notice(client, desk_staff_karlskoga, overdue_notice):
    services.deliver_notice(notice_id=overdue_notice.pk, now=at(date(2025, 3, 18), 3))
    staff_client(client, desk_staff_karlskoga, "KGA")
    response = client.post(f"/staff/notices/{overdue_notice.pk}/resend/")
    assert response.status_code == 302
    overdue_notice.refresh_from_db()
    assert overdue_notice.state == Notice.State.PENDING


def test_anonymous_and_patron_less_staff_are_kept_out(client, overdue_notice):
    assert client.get(f"/staff/notices/patron/{overdue_notice.patron_id}/").status_code == 302
    assert client.post(f"/staff/notices/{overdue_notice.pk}/resend/").status_code == 302
    cataloguer = make_staff("cat_kga", ("KGA", "cataloguer"))
    staff_client(client, cataloguer, "KGA")
    assert client.get(f"/staff/notices/patron/{overdue_notice.patron_id}/").status_code == 403
    assert client.post(f"/staff/notices/{overdue_notice.pk}/resend/").status_code == 403
    assert client.get("/staff/notices/letters/").status_code == 403


def test_letters_page_prints_a_pdf_batch(client, desk_staff_karlskoga, lettered):
    due_loan(lettered)
    services.run(now=at(date(2025, 3, 18)), today=date(2025, 3, 18))
    staff_client(client, desk_staff_karlskoga, "KGA")
    assert "1" in client.get("/staff/notices/letters/").content.decode()
    response = client.post("/staff/notices/letters/print/")
    assert response.status_code == 302
    pdf = client.get(response["Location"])
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    # Kristinehamn's desk may not read Karlskoga's letters.
    khm = make_staff("desk_khm2", ("KHM", "desk"))
    staff_client(client, khm, "KHM")
    assert client.get(response["Location"]).status_code == 403


def test_only_consortium_admins_edit_templates(client, desk_staff_karlskoga, admin_storfors):
    for user, code in ((desk_staff_karlskoga, "KGA"), (admin_storfors, "STO")):
        staff_client(client, user, code)
        assert client.get("/staff/notices/templates/").status_code == 403
        assert client.get("/staff/notices/templates/overdue/sv/").status_code == 403


def test_admin_previews_saves_and_resets_a_template(client, consortium_admin):
    staff_client(client, consortium_admin, "KGA")
    assert client.get("/staff/notices/templates/").status_code == 200
    url = "/staff/notices/templates/overdue/sv/"
    data = {"subject": "Försenat {{ count }}", "body": "Hej {{ first_name }}!", "sms": "Hej"}
    preview = client.post(url, {**data, "action": "preview"})
    assert preview.status_code == 200 and "Hej Astrid!" in preview.content.decode()
    assert not NoticeTemplate.objects.exists()
    assert client.post(url, {**data, "action": "save"}).status_code == 302
    assert NoticeTemplate.objects.get().body == "Hej {{ first_name }}!"
    client.post(url, {"action": "reset"})
    assert not NoticeTemplate.objects.exists()


@pytest.mark.parametrize(
    "body",
    ["{{ patron.personnummer }}", "{% load static %}", "{% include 'x.html' %}", "{% if count %}"],
)
def test_unsafe_template_is_refused_with_a_form_error(client, consortium_admin, body):
    staff_client(client, consortium_admin, "KGA")
    response = client.post(
        "/staff/notices/templates/overdue/sv/",
        {"subject": "s", "body": body, "sms": "x", "action": "save"},
    )
    assert response.status_code == 400
    assert not NoticeTemplate.objects.exists()


def test_unknown_template_kind_is_404(client, consortium_admin):
    staff_client(client, consortium_admin, "KGA")
    assert client.get("/staff/notices/templates/nonsense/sv/").status_code == 404


def log_in(client, patron):
    client.post("/konto/logga-in/", {"card_number": card_of(patron), "pin": TEST_PIN})


def test_patron_chooses_channel_and_opts_in_to_due_soon(client):
    patron = OpacPatronFactory(phone="0701112233")
    log_in(client, patron)
    assert client.get("/konto/meddelanden/").status_code == 200
    response = client.post("/konto/meddelanden/", {"channel": "sms", "due_soon": "on"})
    assert response.status_code == 302
    patron.refresh_from_db()
    assert patron.notice_channel == "sms"
    assert NoticePreference.objects.get(patron=patron).due_soon is True


def test_patron_cannot_choose_a_channel_without_its_contact(client):
    patron = OpacPatronFactory(phone="")
    log_in(client, patron)
    response = client.post("/konto/meddelanden/", {"channel": "sms"})
    assert response.status_code == 400
    assert client.post("/konto/meddelanden/", {"channel": "pigeon"}).status_code == 400
    patron.refresh_from_db()
    assert patron.notice_channel == "email"


def test_notice_settings_need_a_logged_in_patron(client):
    assert client.get("/konto/meddelanden/").status_code == 302


def test_letters_and_templates_pages_query_counts(
    client, consortium_admin, lettered, django_assert_max_num_queries
):
    due_loan(lettered)
    services.run(now=at(date(2025, 3, 18)), today=date(2025, 3, 18))
    staff_client(client, consortium_admin, "KGA")
    for url, most in (
        ("/staff/notices/letters/", 6),
        ("/staff/notices/templates/", 4),
        ("/staff/notices/templates/due_soon/en/", 4),
    ):
        client.get(url)
        with django_assert_max_num_queries(most):
            assert client.get(url).status_code == 200


def test_opac_notice_settings_query_count(client, django_assert_max_num_queries):
    patron = OpacPatronFactory()
    log_in(client, patron)
    client.get("/konto/meddelanden/")
    with django_assert_max_num_queries(5):
        assert client.get("/konto/meddelanden/").status_code == 200
