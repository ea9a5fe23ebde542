"""The desk's check-in rows never say "reshelve" for a copy caught for a hold."""

import pytest
from django.utils import timezone

from circulation.holds import services as hold_services
from libraries.models import Library
from tests.circulation.factories import LoanFactory, PatronFactory
from tests.conftest import staff_client
from transport.demo import create_demo_network

pytestmark = pytest.mark.django_db


def lib(code: str) -> Library:
    return Library.objects.get(code=code)


def place_hold_for(item, pickup: str):
    patron = PatronFactory(home_library=lib(pickup))
    return hold_services.place_hold(
        patron=patron, record=item.record, pickup_library=lib(pickup), now=timezone.now()
    )


def test_checkin_row_says_hold_shelf_and_offers_the_hold_slip(client, desk_staff_karlskoga):
    item = LoanFactory(item__home_library=lib("KGA")).item
    hold = place_hold_for(item, "KGA")
    staff_client(client, desk_staff_karlskoga, "KGA")
    page = client.post("/staff/circulation/checkin/", {"barcode": item.barcode}, follow=True)
    html = page.content.decode()
    assert "Lägg på hämthyllan" in html
    assert "Ställ tillbaka här" not in html
    assert f"/staff/holds/{hold.pk}/slip/" in html
    slip = client.get(f"/staff/holds/{hold.pk}/slip/").content.decode()
    card, patron = hold.patron.cards.get().number, hold.patron
    assert f"{card[-4:]} {patron.first_name[0].upper()}.{patron.last_name[0].upper()}." in slip


def test_checkin_row_says_where_a_held_copy_travels(client, desk_staff_karlskoga):
    create_demo_network()
    item = LoanFactory(item__home_library=lib("KGA")).item
    place_hold_for(item, "HFS")
    staff_client(client, desk_staff_karlskoga, "KGA")
    html = client.post(
        "/staff/circulation/checkin/", {"barcode": item.barcode}, follow=True
    ).content.decode()
    assert "Skicka till Hällefors bibliotek för en reservation" in html
    assert "Ställ tillbaka här" not in html
