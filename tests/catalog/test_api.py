"""The catalogue API: search, record detail (JSON/MARC), items for cataloguers."""

import pytest

from catalog import marc
from catalog.models import Item
from tests.catalog.factories import ItemFactory, RecordFactory
from tests.conftest import staff_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def mio(libraries):
    record = RecordFactory(
        title="Mio, min Mio",
        author="Lindgren, Astrid",
        year=1954,
        isbn="91-29-65770-9",
        audience_code="j",
    )
    ItemFactory(record=record, home_library=libraries["KHM"], barcode="KHM00001")
    ItemFactory(
        record=record, home_library=libraries["KGA"], barcode="KGA00001", status=Item.Status.ON_LOAN
    )
    return record


def test_record_search_is_public_with_facets(client, mio):
    data = client.get("/api/v1/records/", {"q": "author:lindgren"}).json()
    assert data["count"] == 1
    assert data["results"][0]["title"] == "Mio, min Mio"
    assert data["results"][0]["isbns"] == ["9789129657708"]
    assert data["facets"]["library"] == {"KGA": 1, "KHM": 1}
    assert data["facets"]["available"] == {"KHM": 1}
    assert data["facets"]["audience"] == {"children": 1}


def test_record_search_filters_and_validation(client, mio):
    assert client.get("/api/v1/records/", {"q": "mio", "available": "KGA"}).json()["count"] == 0
    assert client.get("/api/v1/records/", {"q": "mio", "media": "video"}).json()["count"] == 0
    assert client.get("/api/v1/records/", {"q": "mio", "media": "nonsense"}).status_code == 400
    assert client.get("/api/v1/records/", {"q": "mio", "limit": "x"}).status_code == 400


def test_record_list_query_count_is_constant(client, mio, libraries, django_assert_num_queries):
    # libraries, exact lookup, page ids + total + facets in one statement, the page's records
    with django_assert_num_queries(4):
        client.get("/api/v1/records/", {"q": "mio"})
    for i in range(10):
        rec = RecordFactory(title=f"Mio del {i}")
        ItemFactory(record=rec, home_library=libraries["DEG"], barcode=f"DEG{i:05d}")
    with django_assert_num_queries(4):
        assert client.get("/api/v1/records/", {"q": "mio"}).json()["count"] == 11


def test_record_detail_json_and_marc(client, mio):
    data = client.get(f"/api/v1/records/{mio.id}/").json()
    assert data["title"] == "Mio, min Mio"
    assert {h["barcode"]: h["status"] for h in data["holdings"]} == {
        "KGA00001": "on_loan",
        "KHM00001": "available",
    }
    xml = client.get(f"/api/v1/records/{mio.id}/", {"format": "marcxml"})
    assert xml["Content-Type"].startswith("application/marcxml+xml")
    (rec,) = [r.record for r in marc.read_records(xml.content)]
    assert {h.barcode for h in marc.holdings(rec)} == {"KGA00001", "KHM00001"}
    iso = client.get(f"/api/v1/records/{mio.id}/", {"format": "marc"})
    (rec,) = [r.record for r in marc.read_records(iso.content)]
    assert marc.extract(rec).title == "Mio, min Mio"
    assert client.get("/api/v1/records/999999/").status_code == 404


def test_items_by_barcode_for_staff_only(
    client, mio, libraries, desk_staff_karlskoga, django_assert_num_queries
):
    assert client.get("/api/v1/items/", {"barcode": "KHM00001"}).status_code in (401, 403)
    staff_client(client, desk_staff_karlskoga, "KGA")
    client.get("/api/v1/items/", {"barcode": "KHM00001"})  # warm the session
    # user, count, page (the session and the staff roles come from Redis)
    with django_assert_num_queries(3):
        data = client.get("/api/v1/items/", {"barcode": "KHM00001"}).json()
    for i in range(10):
        ItemFactory(record=mio, home_library=libraries["DEG"], barcode=f"DEG{i:05d}")
    with django_assert_num_queries(3):
        assert client.get("/api/v1/items/", {"record": mio.id}).json()["count"] == 12
    assert data["count"] == 1
    assert data["results"][0]["home_library"] == "KHM"
    assert data["results"][0]["title"] == "Mio, min Mio"


def test_cataloguer_creates_and_updates_items_at_own_library(client, mio, cataloguer_karlskoga):
    staff_client(client, cataloguer_karlskoga, "KGA")
    created = client.post(
        "/api/v1/items/",
        {
            "barcode": "KGA55555",
            "record": mio.id,
            "home_library": "KGA",
            "item_type": "BOOK",
            "call_number": "Hc",
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    item_id = created.json()["id"]
    refused = client.post(
        "/api/v1/items/",
        {"barcode": "KHM55555", "record": mio.id, "home_library": "KHM", "item_type": "BOOK"},
        content_type="application/json",
    )
    assert refused.status_code == 403
    duplicate = client.post(
        "/api/v1/items/",
        {"barcode": "KGA55555", "record": mio.id, "home_library": "KGA", "item_type": "BOOK"},
        content_type="application/json",
    )
    assert duplicate.status_code == 400 and duplicate.json()["reason"] == "duplicate_barcode"
    updated = client.patch(
        f"/api/v1/items/{item_id}/", {"shelf_location": "Barn"}, content_type="application/json"
    )
    assert updated.status_code == 200 and updated.json()["shelf_location"] == "Barn"
    khm_item = Item.objects.get(barcode="KHM00001")
    assert (
        client.patch(
            f"/api/v1/items/{khm_item.id}/",
            {"shelf_location": "X"},
            content_type="application/json",
        ).status_code
        == 403
    )
    assert (
        client.patch(
            f"/api/v1/items/{item_id}/", {"home_library": "STO"}, content_type="application/json"
        ).status_code
        == 403
    )


def test_record_list_offsets_are_exact(client, libraries):
    for n in range(30):
        RecordFactory(title=f"Sommarboken del {n}")
    ids = [
        r["id"]
        for r in client.get("/api/v1/records/", {"q": "sommarboken", "limit": 30}).json()["results"]
    ]
    page = client.get("/api/v1/records/", {"q": "sommarboken", "offset": 10, "limit": 20}).json()
    assert [r["id"] for r in page["results"]] == ids[10:30]
    page = client.get("/api/v1/records/", {"q": "sommarboken", "offset": 7, "limit": 5}).json()
    assert [r["id"] for r in page["results"]] == ids[7:12]


def test_record_list_without_a_query_lists_records_newest_first(client, libraries):
    made = [RecordFactory(title=f"Bok {n}").id for n in range(5)]
    data = client.get("/api/v1/records/").json()
    assert data["count"] == 5
    assert [r["id"] for r in data["results"]] == made[::-1]
    data = client.get("/api/v1/records/", {"offset": 2, "limit": 2}).json()
    assert [r["id"] for r in data["results"]] == made[::-1][2:4]
