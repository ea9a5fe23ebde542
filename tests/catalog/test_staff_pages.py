"""Cataloguing pages: records, MARC editor, items, permissions per library."""

import pytest

from catalog import marc
from catalog.models import Item, ItemType, Record
from tests.catalog.factories import ItemFactory, RecordFactory
from tests.conftest import staff_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def cat_client(client, cataloguer_karlskoga):
    return staff_client(client, cataloguer_karlskoga, "KGA")


def test_desk_staff_cannot_catalogue(client, desk_staff_karlskoga):
    staff_client(client, desk_staff_karlskoga, "KGA")
    assert client.get("/staff/catalog/").status_code == 403


def test_create_record_from_the_form(cat_client):
    response = cat_client.post(
        "/staff/catalog/new/",
        {
            "title": "Vägen till Östersund",
            "author": "Åberg, Märta",
            "isbn": "91-29-65770-9",
            "year": "2021",
            "language": "swe",
            "media_type": "audiobook",
            "audience": "youth",
            "subjects": "Resor\nJämtland",
            "contributors": "Öst, Göran",
        },
    )
    record = Record.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/staff/catalog/{record.id}/"
    assert record.title == "Vägen till Östersund"
    assert record.authors == ["Åberg, Märta", "Öst, Göran"]
    assert record.isbns == ["9789129657708"]
    assert (record.media_type, record.audience, record.year) == ("audiobook", "youth", 2021)
    assert record.subjects == ["Resor", "Jämtland"]


def test_create_record_rejects_bad_isbn(cat_client):
    response = cat_client.post(
        "/staff/catalog/new/",
        {"title": "X", "isbn": "123", "language": "swe", "media_type": "book", "audience": "adult"},
    )
    assert response.status_code == 200 and "ISBN" in response.content.decode()
    assert Record.objects.count() == 0


def test_marc_editor_saves_and_validates(cat_client):
    record = RecordFactory(title="Gammal titel")
    page = cat_client.get(f"/staff/catalog/{record.id}/").content.decode()
    assert "245 10 $aGammal titel" in page
    text = marc.from_iso2709(bytes(record.marc))
    from catalog.marc_edit import marc_text

    edited = marc_text(text).replace("$aGammal titel", "$aNy titel med åäö")
    assert cat_client.post(f"/staff/catalog/{record.id}/marc/", {"marc": edited}).status_code == 302
    record.refresh_from_db()
    assert record.title == "Ny titel med åäö"

    bad_line = len(edited.splitlines()) + 1
    for broken in [
        edited + "\n24X! 10 $aX",  # bad tag
        edited + "\n245 1 $aX",  # one indicator
        edited + "\n650 _7 $AStora",  # upper-case subfield code
        edited + "\n650 _% $aX",  # bad indicator
        edited + "\n650 _7 no subfields",
    ]:
        response = cat_client.post(f"/staff/catalog/{record.id}/marc/", {"marc": broken})
        assert response.status_code == 400
        assert f" {bad_line}: " in response.content.decode()  # "rad 9: …"
    record.refresh_from_db()
    assert record.title == "Ny titel med åäö"


def test_add_item_with_barcode_validation(cat_client, libraries):
    record = RecordFactory(title="Boken")
    book = ItemType.objects.get(code="BOOK")
    ok = cat_client.post(
        f"/staff/catalog/{record.id}/items/",
        {"barcode": "KGA12345", "home_library": libraries["KGA"].id, "item_type": book.id},
    )
    assert ok.status_code == 302
    item = Item.objects.get(barcode="KGA12345")
    assert item.home_library.code == item.current_library.code == "KGA"
    record.refresh_from_db()
    assert record.library_ids == [libraries["KGA"].id]
    for bad in ["KGA12345", "has space", "x"]:
        response = cat_client.post(
            f"/staff/catalog/{record.id}/items/",
            {"barcode": bad, "home_library": libraries["KGA"].id, "item_type": book.id},
        )
        assert response.status_code == 400
    assert Item.objects.count() == 1


def test_cannot_add_items_for_another_library(cat_client, libraries):
    record = RecordFactory(title="Boken")
    response = cat_client.post(
        f"/staff/catalog/{record.id}/items/",
        {
            "barcode": "STO12345",
            "home_library": libraries["STO"].id,
            "item_type": ItemType.objects.get(code="BOOK").id,
        },
    )
    assert response.status_code == 403 and Item.objects.count() == 0


def test_edit_move_withdraw_only_where_cataloguer(client, cataloguer_kga_sto, libraries):
    staff_client(client, cataloguer_kga_sto, "KGA")
    ours = ItemFactory(home_library=libraries["KGA"], barcode="KGA00001")
    theirs = ItemFactory(record=ours.record, home_library=libraries["KHM"], barcode="KHM00001")
    page = client.get(f"/staff/catalog/{ours.record_id}/").content.decode()
    assert f"/staff/catalog/items/{ours.id}/" in page
    assert f"/staff/catalog/items/{theirs.id}/" not in page
    assert client.get(f"/staff/catalog/items/{theirs.id}/").status_code == 403
    assert client.post(f"/staff/catalog/items/{theirs.id}/withdraw/").status_code == 403

    response = client.post(
        f"/staff/catalog/items/{ours.id}/",
        {"item_type": ItemType.objects.get(code="BOOK").id, "call_number": "Hc Lagerlöf"},
    )
    assert response.status_code == 302
    ours.refresh_from_db()
    assert ours.call_number == "Hc Lagerlöf"

    # Move to Storfors (cataloguer there too) but not to Kristinehamn.
    assert (
        client.post(
            f"/staff/catalog/items/{ours.id}/move/", {"to_library": libraries["KHM"].id}
        ).status_code
        == 403
    )
    client.post(f"/staff/catalog/items/{ours.id}/move/", {"to_library": libraries["STO"].id})
    ours.refresh_from_db()
    assert ours.home_library.code == "STO"
    ours.record.refresh_from_db()
    assert sorted(ours.record.library_ids) == sorted([libraries["STO"].id, libraries["KHM"].id])

    client.post(f"/staff/catalog/items/{ours.id}/withdraw/")
    ours.refresh_from_db()
    assert ours.status == Item.Status.WITHDRAWN


def test_withdraw_refused_while_on_loan(cat_client, libraries):
    item = ItemFactory(home_library=libraries["KGA"], status=Item.Status.ON_LOAN)
    cat_client.post(f"/staff/catalog/items/{item.id}/withdraw/")
    item.refresh_from_db()
    assert item.status == Item.Status.ON_LOAN


def test_delete_record_only_without_items(cat_client, libraries):
    empty = RecordFactory(title="Tom")
    held = ItemFactory(home_library=libraries["KGA"]).record
    cat_client.post(f"/staff/catalog/{held.id}/delete/")
    assert Record.objects.filter(pk=held.pk).exists()
    cat_client.post(f"/staff/catalog/{empty.id}/delete/")
    assert not Record.objects.filter(pk=empty.pk).exists()


def test_catalog_index_finds_by_barcode(cat_client, libraries):
    item = ItemFactory(home_library=libraries["KGA"], barcode="KGA77777")
    html = cat_client.get("/staff/catalog/", {"q": "KGA77777"}).content.decode()
    assert f"/staff/catalog/{item.record_id}/" in html
