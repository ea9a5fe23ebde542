"""Staff transport pages and the API: content, permissions, constant query counts."""

from __future__ import annotations

import pytest
import time_machine

from libraries.models import StaffRole
from tests.conftest import make_staff, staff_client
from transport import barcode, services
from transport.models import PackingList, Transfer, TransportLink

from .conftest import at
from .factories import ItemFactory

pytestmark = pytest.mark.django_db


def returned_at_khm(libraries, count=1, now=None):
    now = now or at("2025-03-10 10:15")
    transfers = []
    for _n in range(count):
        item = ItemFactory()
        transfer = services.start_transfer(
            item=item,
            from_library=libraries["KHM"],
            to_library=libraries["KGA"],
            reason="return_home",
            staff=None,
            now=now,
        )
        services.plan_transfer(transfer_id=transfer.id, now=now)
        transfers.append(transfer)
    return transfers


@time_machine.travel(at("2025-03-10 11:00"), tick=False)
def test_dashboard_lists_todays_crate_and_transits(
    client, network, libraries, desk_staff_kristinehamn
):
    returned_at_khm(libraries, 2)
    staff_client(client, desk_staff_kristinehamn, "KHM")
    page = client.get("/staff/transport/").content.decode()
    assert "Storfors bibliotek" in page  # the crate to Storfors
    assert "På väg från mitt bibliotek" in page
    crate = PackingList.objects.get()
    assert f"/staff/transport/crates/{crate.id}/" in page


@time_machine.travel(at("2025-03-10 11:00"), tick=False)
def test_dashboard_query_count_is_constant(
    client, network, libraries, desk_staff_kristinehamn, django_assert_max_num_queries
):
    returned_at_khm(libraries, 1)
    staff_client(client, desk_staff_kristinehamn, "KHM")
    client.get("/staff/transport/")
    returned_at_khm(libraries, 15)
    with django_assert_max_num_queries(14):
        assert client.get("/staff/transport/").status_code == 200


@time_machine.travel(at("2025-03-10 11:00"), tick=False)
def test_crate_page_prints_barcodes_and_destinations(
    client, network, libraries, desk_staff_kristinehamn, django_assert_max_num_queries
):
    transfers = returned_at_khm(libraries, 3)
    crate = PackingList.objects.get()
    staff_client(client, desk_staff_kristinehamn, "KHM")
    with django_assert_max_num_queries(10):
        page = client.get(f"/staff/transport/crates/{crate.id}/").content.decode()
    for transfer in transfers:
        assert f'aria-label="{transfer.item.barcode}"' in page
    assert page.count("Karlskoga</td>") == 3
    # Print and close side by side in one row (a form inside a <p> would have closed the <p>).
    actions = page.split('class="no-print actions"')[1].split("</div>")[0]
    assert "data-print" in actions and f"/staff/transport/crates/{crate.id}/close/" in actions
    response = client.post(f"/staff/transport/crates/{crate.id}/close/")
    assert response.status_code == 302
    assert set(Transfer.objects.values_list("state", flat=True)) == {"in_transit"}


def test_another_library_cannot_close_a_crate(client, network, libraries, desk_staff_karlskoga):
    returned_at_khm(libraries, 1)
    crate = PackingList.objects.get()
    staff_client(client, desk_staff_karlskoga, "KGA")
    assert client.post(f"/staff/transport/crates/{crate.id}/close/").status_code == 403


def test_receive_page_at_the_hub_says_the_next_hop(client, network, libraries, pool_staff):
    [transfer] = returned_at_khm(libraries, 1)
    staff_client(client, pool_staff, "STO")
    page = client.post(
        "/staff/transport/receive/", {"barcode": transfer.item.barcode}
    ).content.decode()
    assert "Skicka till Karlskoga" in page
    htmx = client.post(
        "/staff/transport/receive/", {"barcode": "NOPE"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert "Inget exemplar har streckkoden NOPE" in htmx and "<html" not in htmx


def test_slip_shows_the_route(client, network, libraries, desk_staff_kristinehamn):
    [transfer] = returned_at_khm(libraries, 1)
    staff_client(client, desk_staff_kristinehamn, "KHM")
    page = client.get(f"/staff/transport/transfers/{transfer.id}/slip/").content.decode()
    assert "Storfors → Karlskoga" in page


def test_library_admin_edits_only_links_touching_their_library(client, network, admin_storfors):
    staff_client(client, admin_storfors, "STO")
    mine = TransportLink.objects.get(from_library__code="STO", to_library__code="KGA")
    other = TransportLink.objects.get(from_library__code="KGA", to_library__code="HFS")
    assert client.get(f"/staff/transport/links/{other.id}/").status_code == 403
    data = {
        "from_library": mine.from_library_id,
        "to_library": mine.to_library_id,
        "kind": "van",
        "weekdays": ["1", "3", "4"],
        "departure_time": "10:30",
        "duration": "00:45:00",
        "active": "on",
        "note": "",
    }
    assert client.post(f"/staff/transport/links/{mine.id}/", data).status_code == 302
    mine.refresh_from_db()
    assert mine.weekdays == [1, 3, 4] and mine.departure_time.hour == 10


def test_desk_staff_cannot_edit_links(client, network, desk_staff_kristinehamn):
    staff_client(client, desk_staff_kristinehamn, "KHM")
    link = TransportLink.objects.filter(from_library__code="KHM").first()
    assert client.get(f"/staff/transport/links/{link.id}/").status_code == 403
    assert "Kristinehamns bibliotek" in client.get("/staff/transport/links/").content.decode()


def test_link_form_refuses_a_link_to_itself(client, network, consortium_admin, libraries):
    staff_client(client, consortium_admin, "KGA")
    data = {
        "from_library": libraries["KGA"].id,
        "to_library": libraries["KGA"].id,
        "kind": "van",
        "weekdays": ["1"],
        "departure_time": "10:30",
        "duration": "00:45:00",
    }
    response = client.post("/staff/transport/links/new/", data)
    assert response.status_code == 200
    assert "två olika bibliotek" in response.content.decode()


def test_statistics_matrix_page(client, network, libraries, consortium_admin):
    returned_at_khm(libraries, 2)
    staff_client(client, consortium_admin, "KGA")
    page = client.get(
        "/staff/transport/statistics/?start=2025-03-01&end=2025-03-31"
    ).content.decode()
    assert 'data-testid="transfer-matrix"' in page
    assert "<td><strong>2</strong></td>" in page


def test_code39_is_well_formed():
    assert all(p.count("w") == 3 and len(p) == 9 for p in barcode.CODE39.values())
    assert len(set(barcode.CODE39.values())) == len(barcode.CODE39)
    assert barcode.svg("bad*") == "" and barcode.svg("") == ""
    # *A*: start, A, stop = 3 symbols of 5 bars each.
    assert len(barcode.bars("A")) == 15


# --- API -----------------------------------------------------------------------------------


def test_transfers_api_filters_and_counts_queries(
    client, network, libraries, desk_staff_kristinehamn, django_assert_num_queries
):
    transfers = returned_at_khm(libraries, 2)
    staff_client(client, desk_staff_kristinehamn, "KHM")
    url = "/api/v1/transfers/"
    # user, count, page of transfers with item/record/libraries joined (session and staff
    # roles come from Redis)
    with django_assert_num_queries(3):
        body = client.get(url).json()
    assert body["count"] == 2
    returned_at_khm(libraries, 10)
    with django_assert_num_queries(3):
        assert client.get(url).json()["count"] == 12
    one = client.get(url, {"item": transfers[0].item.barcode}).json()
    assert [r["id"] for r in one["results"]] == [transfers[0].id]
    assert one["results"][0]["next_stops"] == ["STO", "KGA"]
    assert client.get(url, {"from": "KHM", "to": "KGA", "state": "packed"}).json()["count"] == 12
    assert client.get(url, {"from": "STO"}).json()["count"] == 0
    assert client.get(url, {"library": "KGA"}).json()["count"] == 12


def test_route_api_answers_with_the_planner(client, network, desk_staff_kristinehamn):
    staff_client(client, desk_staff_kristinehamn)
    body = client.get(
        "/api/v1/transport/route/", {"from": "KHM", "to": "KGA", "at": "2025-03-10T10:15:00+01:00"}
    ).json()
    assert body["description"] == "Storfors → Karlskoga"
    assert [h["to_library"] for h in body["hops"]] == ["STO", "KGA"]
    assert body["arrives"] == "2025-03-11T10:45:00+01:00"


def test_route_api_explains_a_missing_link(client, network, desk_staff_kristinehamn):
    TransportLink.objects.filter(to_library__code="HFS").update(active=False)
    staff_client(client, desk_staff_kristinehamn)
    response = client.get("/api/v1/transport/route/", {"from": "KHM", "to": "HFS"})
    assert response.status_code == 422
    assert response.json()["reason"] == "no_link"
    assert client.get("/api/v1/transport/route/", {"from": "X", "to": "HFS"}).status_code == 400


def test_api_needs_staff(client, django_user_model):
    assert client.get("/api/v1/transfers/").status_code in (401, 403)
    # Transfers are desk work (the transport pages' role), not a cataloguer's.
    user = make_staff("cat", ("KGA", StaffRole.Role.CATALOGUER))
    staff_client(client, user, "KGA")
    assert client.get("/api/v1/transfers/").status_code == 403
    desk = make_staff("desk", ("KGA", StaffRole.Role.DESK))
    staff_client(client, desk, "KGA")
    assert client.get("/api/v1/transfers/").status_code == 200
