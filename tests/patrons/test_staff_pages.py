"""Staff pages: search, register, detail with access log, cards, blocks, PIN, admin actions."""

from __future__ import annotations

import pytest

from libraries.models import Library
from patrons.models import Card, Patron, PatronAccess, PatronBlock, PatronCategory
from patrons.selectors import patron_by_card
from tests.conftest import staff_client
from tests.patrons.factories import PatronFactory, card_of, next_card_number

pytestmark = pytest.mark.django_db


def test_search_by_card_goes_straight_to_the_record(client, desk_staff_karlskoga, adult_patron):
    staff_client(client, desk_staff_karlskoga, "KGA")
    response = client.post("/staff/patrons/", {"q": card_of(adult_patron)})
    assert response["Location"] == f"/staff/patrons/{adult_patron.pk}/"


def test_search_by_personnummer_name_email_and_phone(client, desk_staff_karlskoga, adult_patron):
    PatronFactory(first_name="Anna", last_name="Ödman")
    adult_patron.phone = "070-1234567"
    adult_patron.save(update_fields=["phone"])
    staff_client(client, desk_staff_karlskoga, "KGA")
    for term in ("811218-9876", "198112189876", adult_patron.email, "070-1234567"):
        response = client.post("/staff/patrons/", {"q": term})
        assert response.status_code == 302, term
    page = client.post("/staff/patrons/", {"q": "anna"}).content.decode()
    assert "Åkesson" in page and "Ödman" in page


def test_detail_masks_personnummer_and_writes_the_access_log(
    client, desk_staff_kristinehamn, adult_patron
):
    staff_client(client, desk_staff_kristinehamn, "KHM")
    page = client.get(f"/staff/patrons/{adult_patron.pk}/").content.decode()
    assert "19811218-****" in page and "9876" not in page
    row = PatronAccess.objects.get()
    assert (row.patron, row.staff, row.library.code, row.action) == (
        adult_patron,
        desk_staff_kristinehamn,
        "KHM",
        "view",
    )
    shown = client.post(f"/staff/patrons/{adult_patron.pk}/personnummer/").content.decode()
    assert "19811218-9876" in shown
    assert PatronAccess.objects.filter(action="personnummer").count() == 1


def test_access_log_page_is_for_library_admins(
    client, desk_staff_karlskoga, admin_storfors, adult_patron
):
    adult_patron.home_library = Library.objects.get(code="STO")
    adult_patron.save(update_fields=["home_library"])
    staff_client(client, desk_staff_karlskoga, "KGA")
    client.get(f"/staff/patrons/{adult_patron.pk}/")
    assert client.get("/staff/patrons/access-log/").status_code == 403
    staff_client(client, admin_storfors, "STO")
    page = client.get("/staff/patrons/access-log/").content.decode()
    assert "desk_kga" in page and "Åkesson" in page


def test_staff_registers_a_patron(client, desk_staff_karlskoga):
    staff_client(client, desk_staff_karlskoga, "KGA")
    number = next_card_number()
    response = client.post(
        "/staff/patrons/new/",
        {
            "first_name": "Sören",
            "last_name": "Bäckström",
            "personnummer": "121212+1212",
            "category": PatronCategory.objects.get(code="SENIOR").pk,
            "home_library": Library.objects.get(code="KGA").pk,
            "preferred_language": "sv",
            "notice_channel": "letter",
            "card_number": number,
            "pin": "1357",
        },
    )
    patron = Patron.objects.get()
    assert response["Location"] == f"/staff/patrons/{patron.pk}/"
    assert patron.personnummer == "191212121212"
    assert patron_by_card(number) == patron


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"personnummer": "811218-9875"}, "kontrollsiffra"),
        ({"email": "anna @example.se"}, "e-postadress"),
        ({"pin": "abcd"}, "PIN-kod"),
        ({"card_number": "DUPLICATE"}, "används redan"),
    ],
)
def test_register_bad_input_shows_a_translated_message_and_saves_nothing(
    client, desk_staff_karlskoga, adult_patron, changes, message
):
    staff_client(client, desk_staff_karlskoga, "KGA")
    data = {
        "first_name": "Karin",
        "last_name": "Nyström",
        "personnummer": "",
        "birth_date": "1990-02-03",
        "category": PatronCategory.objects.get(code="ADULT").pk,
        "home_library": Library.objects.get(code="KGA").pk,
        "preferred_language": "sv",
        "notice_channel": "email",
        "card_number": next_card_number(),
        **changes,
    }
    if data["card_number"] == "DUPLICATE":
        data["card_number"] = card_of(adult_patron)
    response = client.post("/staff/patrons/new/", data, HTTP_ACCEPT_LANGUAGE="sv")
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Patron.objects.count() == 1


def test_replacing_a_card_blocks_the_old_one_everywhere(client, desk_staff_karlskoga, adult_patron):
    old = card_of(adult_patron)
    new = next_card_number()
    staff_client(client, desk_staff_karlskoga, "KGA")
    client.post(f"/staff/patrons/{adult_patron.pk}/card/", {"card_number": new})
    assert patron_by_card(old) is None
    assert patron_by_card(new) == adult_patron
    assert Card.objects.get(number=old).status == "lost"
    page = client.get(f"/staff/patrons/{adult_patron.pk}/").content.decode()
    assert old in page and new in page  # the history


def test_report_lost_blocks_at_once(client, desk_staff_karlskoga, adult_patron):
    old = card_of(adult_patron)
    staff_client(client, desk_staff_karlskoga, "KGA")
    client.post(f"/staff/patrons/{adult_patron.pk}/lost/")
    assert patron_by_card(old) is None


def test_blocks_can_be_added_and_removed(client, desk_staff_karlskoga, adult_patron):
    staff_client(client, desk_staff_karlskoga, "KGA")
    client.post(f"/staff/patrons/{adult_patron.pk}/blocks/", {"reason": "Obetald räkning"})
    block = PatronBlock.objects.get()
    assert block.library.code == "KGA" and block.created_by == desk_staff_karlskoga
    assert patron_by_card(card_of(adult_patron)).open_block_reasons == ["Obetald räkning"]
    client.post(f"/staff/patrons/{adult_patron.pk}/blocks/{block.pk}/remove/")
    assert patron_by_card(card_of(adult_patron)).open_block_reasons == []


def test_merge_and_anonymize_are_for_library_admins(client, desk_staff_karlskoga, adult_patron):
    staff_client(client, desk_staff_karlskoga, "KGA")
    assert client.get(f"/staff/patrons/{adult_patron.pk}/merge/").status_code == 403
    assert (
        client.post(f"/staff/patrons/{adult_patron.pk}/remove/", {"action": "delete"}).status_code
        == 403
    )
    assert Patron.objects.filter(pk=adult_patron.pk).exists()


def test_admin_merges_a_duplicate(client, admin_storfors, adult_patron):
    duplicate = PatronFactory(first_name="Anna", last_name="Åkesson", phone="070-555")
    dup_card = card_of(duplicate)
    PatronBlock.objects.create(
        patron=duplicate,
        reason="x",
        library=Library.objects.get(code="STO"),
        created_at=adult_patron.created_at,
    )
    staff_client(client, admin_storfors, "STO")
    client.post(f"/staff/patrons/{adult_patron.pk}/merge/", {"duplicate_card": dup_card})
    assert not Patron.objects.filter(pk=duplicate.pk).exists()
    adult_patron.refresh_from_db()
    assert adult_patron.phone == "070-555"
    assert Card.objects.get(number=dup_card).patron == adult_patron
    assert patron_by_card(dup_card) is None
    assert adult_patron.blocks.count() == 1


def test_admin_anonymizes_a_patron(client, admin_storfors, adult_patron):
    staff_client(client, admin_storfors, "STO")
    client.post(f"/staff/patrons/{adult_patron.pk}/remove/", {"action": "anonymize"})
    adult_patron.refresh_from_db()
    assert adult_patron.anonymized_at is not None
    assert (adult_patron.first_name, adult_patron.personnummer, adult_patron.pin_hash) == (
        "",
        None,
        "",
    )
    assert adult_patron.birth_year == 1985 and adult_patron.category.code == "ADULT"
    assert client.get(f"/staff/patrons/{adult_patron.pk}/").status_code == 404


def test_detail_page_query_count_is_constant(
    client, desk_staff_karlskoga, adult_patron, django_assert_max_num_queries
):
    staff_client(client, desk_staff_karlskoga, "KGA")
    client.get(f"/staff/patrons/{adult_patron.pk}/")
    with django_assert_max_num_queries(12) as first:
        client.get(f"/staff/patrons/{adult_patron.pk}/")
    for n in range(5):
        PatronBlock.objects.create(
            patron=adult_patron,
            reason=f"r{n}",
            library=Library.objects.get(code="KGA"),
            created_at=adult_patron.created_at,
        )
        Card.objects.filter(patron=adult_patron).update(status="replaced")
        Card.objects.create(patron=adult_patron, number=next_card_number())
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(f"/staff/patrons/{adult_patron.pk}/")


def test_edit_keeps_the_personnummer_out_of_the_page_and_logs_the_view(
    client, desk_staff_karlskoga, adult_patron
):
    staff_client(client, desk_staff_karlskoga, "KGA")
    page = client.get(f"/staff/patrons/{adult_patron.pk}/edit/").content.decode()
    assert "9876" not in page and "19811218-****" in page
    assert PatronAccess.objects.filter(action="view").count() == 1
    data = {
        "first_name": "Anna",
        "last_name": "Åkesson-Ek",
        "personnummer": "",
        "birth_date": "1981-12-18",
        "category": adult_patron.category_id,
        "home_library": adult_patron.home_library_id,
        "preferred_language": "sv",
        "notice_channel": "email",
        "email": adult_patron.email,
    }
    response = client.post(f"/staff/patrons/{adult_patron.pk}/edit/", data)
    assert response.status_code == 302
    adult_patron.refresh_from_db()
    assert adult_patron.last_name == "Åkesson-Ek" and adult_patron.personnummer == "198112189876"
    assert PatronAccess.objects.filter(action="edit").count() == 1


def test_staff_edit_leaves_the_patrons_loan_history_choice(client, desk_staff_karlskoga):
    patron = PatronFactory(keeps_loan_history=True)
    staff_client(client, desk_staff_karlskoga, "KGA")
    client.post(
        f"/staff/patrons/{patron.pk}/edit/",
        {
            "first_name": patron.first_name,
            "last_name": "Ny",
            "birth_date": "1985-04-01",
            "category": patron.category_id,
            "home_library": patron.home_library_id,
            "preferred_language": "sv",
            "notice_channel": "email",
            "email": patron.email,
        },
    )
    patron.refresh_from_db()
    assert patron.last_name == "Ny" and patron.keeps_loan_history


def test_htmx_search_returns_the_results_fragment(client, desk_staff_karlskoga, adult_patron):
    PatronFactory(first_name="Anna", last_name="Ödman")
    staff_client(client, desk_staff_karlskoga, "KGA")
    fragment = client.post("/staff/patrons/", {"q": "Anna"}, HTTP_HX_REQUEST="true")
    body = fragment.content.decode()
    assert body.lstrip().startswith('<div id="results">') and "<html" not in body
    one = client.post("/staff/patrons/", {"q": card_of(adult_patron)}, HTTP_HX_REQUEST="true")
    assert one["HX-Redirect"] == f"/staff/patrons/{adult_patron.pk}/"


def test_personnummer_search_is_post_only(client, desk_staff_karlskoga, adult_patron):
    staff_client(client, desk_staff_karlskoga, "KGA")
    page = client.get("/staff/patrons/", {"q": "811218-9876"}).content.decode()
    assert "Åkesson" not in page
