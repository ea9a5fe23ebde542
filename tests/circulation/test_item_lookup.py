"""The desk's item lookup (issue 14, item 5): desk staff (not only cataloguers) find a copy by
barcode or title and see status, place, due date and transfers, but not the borrower until they
open the loan (which is logged)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from catalog.indexing import refresh_library_ids, refresh_search_vectors
from libraries.models import Library
from patrons.models import PatronAccess
from tests.circulation.factories import ItemFactory, LoanFactory, PatronFactory, RecordFactory
from tests.conftest import staff_client
from transport import services as transport_services

pytestmark = pytest.mark.django_db


def statements(fn) -> int:
    """SQL statements run by ``fn`` (counted as they run: the test client resets Django's
    query log at each request start, so slicing that log miscounts)."""
    count = 0

    def counter(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        fn()
    return count


@pytest.fixture
def desk(client, desk_staff_karlskoga):
    return staff_client(client, desk_staff_karlskoga, "KGA")


def test_desk_staff_may_use_the_item_lookup_but_a_patron_may_not(client, desk, adult_patron):
    assert desk.get("/staff/circulation/items/").status_code == 200
    desk.logout()
    assert client.get("/staff/circulation/items/").status_code == 302  # to the staff login


def test_staff_without_a_desk_role_at_the_working_library_get_403(client, admin_storfors):
    from tests.conftest import make_staff

    cataloguer = make_staff("cat_only", ("KGA", "cataloguer"))
    staff_client(client, cataloguer, "KGA")
    assert client.get("/staff/circulation/items/").status_code == 403


def test_a_scanned_barcode_goes_straight_to_the_copy(desk):
    item = ItemFactory()
    response = desk.get("/staff/circulation/items/", {"q": f" {item.barcode} "})
    assert response.status_code == 302
    assert response["Location"] == f"/staff/circulation/items/{item.pk}/"


def test_title_search_lists_copies_with_status_place_and_due_date(desk):
    record = RecordFactory(title="Kejsarn av Portugallien")
    refresh_search_vectors([record.pk])
    on_shelf = ItemFactory(record=record, shelf_location="Vuxen")
    loan = LoanFactory(item__record=record)
    refresh_library_ids([record.pk])
    page = desk.get("/staff/circulation/items/", {"q": "kejsarn portugallien"}).content.decode()
    assert page.count('data-testid="item-row"') == 2
    assert on_shelf.barcode in page and "Vuxen" in page and "Tillgänglig" in page
    assert loan.item.barcode in page and "Utlånad" in page
    due = timezone.localtime(loan.due_at).date()
    assert f'datetime="{due.isoformat()}"' in page
    assert loan.patron.last_name not in page  # never the borrower in the list


def test_no_match_says_so(desk):
    page = desk.get("/staff/circulation/items/", {"q": "zzzqqq"}).content.decode()
    assert 'data-testid="no-items"' in page


def test_item_page_shows_due_date_and_transfers_not_the_borrower(
    desk,
):
    patron = PatronFactory(first_name="Hemlig", last_name="Hemligsson")
    loan = LoanFactory(patron=patron, due_at=timezone.now() + timedelta(days=9))
    kga, sto = Library.objects.get(code="KGA"), Library.objects.get(code="STO")
    moved = ItemFactory()
    transport_services.start_transfer(
        item=moved,
        from_library=kga,
        to_library=sto,
        reason="manual",
        staff=None,
        now=timezone.now(),
    )
    page = desk.get(f"/staff/circulation/items/{loan.item.pk}/").content.decode()
    assert "Utlånad" in page and 'data-testid="item-due"' in page
    assert "Hemlig" not in page
    assert 'data-testid="open-loan"' in page
    page = desk.get(f"/staff/circulation/items/{moved.pk}/").content.decode()
    assert page.count('data-testid="item-transfer"') == 1 and "Storfors bibliotek" in page
    few = statements(lambda: desk.get(f"/staff/circulation/items/{moved.pk}/"))
    assert few <= 12
    here, there = kga, sto
    for _ in range(3):  # more transfers and events: the same number of queries
        transport_services.receive_item(item=moved, library=there, staff=None, now=timezone.now())
        here, there = there, here
        transport_services.start_transfer(
            item=moved, from_library=here, to_library=there, reason="manual", staff=None,
            now=timezone.now(),
        )  # fmt: skip
    page = desk.get(f"/staff/circulation/items/{moved.pk}/").content.decode()
    assert page.count('data-testid="item-transfer"') == 4
    assert statements(lambda: desk.get(f"/staff/circulation/items/{moved.pk}/")) == few


def test_opening_the_loan_shows_the_borrower_and_is_logged(desk, desk_staff_karlskoga):
    loan = LoanFactory()
    response = desk.get(f"/staff/circulation/loans/{loan.pk}/open/", follow=True)
    assert loan.patron.last_name in response.content.decode()
    assert PatronAccess.objects.filter(patron=loan.patron, staff=desk_staff_karlskoga).exists()


def test_unknown_item_or_loan_is_404(desk):
    assert desk.get("/staff/circulation/items/999999/").status_code == 404
    assert desk.get("/staff/circulation/loans/999999/open/").status_code == 404
