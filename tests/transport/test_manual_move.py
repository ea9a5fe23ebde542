"""A manual move: desk staff send an item on the shelf at their library to another library (a
transfer with reason "manual move", the item in transit, a slip); refused with a reason for an
item on loan, already on its way, withdrawn, on the hold shelf or at another library."""

from __future__ import annotations

import pytest
import time_machine

from catalog.models import Item
from tests.conftest import staff_client
from transport import moves
from transport.models import Transfer, TransferEvent

from .conftest import at
from .factories import ItemFactory

pytestmark = pytest.mark.django_db

URL = "/staff/transport/send/"
MONDAY = at("2025-03-10 10:15")


@pytest.fixture
def desk(client, desk_staff_karlskoga):
    return staff_client(client, desk_staff_karlskoga, "KGA")


@time_machine.travel(MONDAY, tick=False)
def test_desk_sends_an_item_to_another_library(desk, network, libraries, desk_staff_karlskoga):
    item = ItemFactory(barcode="T7000001")
    response = desk.post(URL, {"barcode": " T7000001 ", "to": libraries["HFS"].id})
    assert response.status_code == 200
    transfer = Transfer.objects.get(item=item)
    assert transfer.reason == Transfer.Reason.MANUAL
    assert (transfer.from_library.code, transfer.to_library.code) == ("KGA", "HFS")
    assert transfer.state == Transfer.State.WAITING and transfer.route
    event = TransferEvent.objects.get(transfer=transfer)
    assert event.staff == desk_staff_karlskoga and event.library.code == "KGA"
    item.refresh_from_db()
    assert (item.status, item.current_library.code) == (Item.Status.IN_TRANSIT, "KGA")
    page = response.content.decode()
    assert 'data-testid="send-result"' in page and "Skicka till" in page
    assert f"/staff/transport/transfers/{transfer.id}/slip/" in page


@pytest.mark.parametrize(
    ("status", "reason", "swedish"),
    [
        (Item.Status.ON_LOAN, "on_loan", "Exemplaret är utlånat: återlämna det först."),
        (Item.Status.IN_TRANSIT, "already_in_transfer", "Exemplaret är redan på väg någonstans."),
        (Item.Status.WITHDRAWN, "not_on_shelf", "Exemplaret har status gallrad"),
        (Item.Status.ON_HOLD_SHELF, "on_hold_shelf", "hämthyllan"),
    ],
)
def test_an_item_not_on_the_shelf_is_refused(desk, libraries, status, reason, swedish):
    item = ItemFactory(status=status)
    with pytest.raises(moves.MoveRefused) as refused:
        moves.send_item(
            barcode=item.barcode,
            from_library=libraries["KGA"],
            to_library=libraries["DEG"],
            staff=None,
            now=MONDAY,
        )
    assert refused.value.reason == reason
    response = desk.post(URL, {"barcode": item.barcode, "to": libraries["DEG"].id})
    assert response.status_code == 400
    assert swedish in response.content.decode()
    assert not Transfer.objects.exists()
    item.refresh_from_db()
    assert item.status == status


def test_an_item_at_another_library_or_unknown_is_refused(desk, libraries):
    elsewhere = ItemFactory(home_library=libraries["KHM"])
    page = desk.post(URL, {"barcode": elsewhere.barcode, "to": libraries["DEG"].id})
    assert page.status_code == 400
    assert "Kristinehamn" in page.content.decode()
    unknown = desk.post(URL, {"barcode": "NOPE", "to": libraries["DEG"].id})
    assert unknown.status_code == 400 and 'data-testid="send-error"' in unknown.content.decode()
    nowhere = desk.post(URL, {"barcode": ItemFactory().barcode, "to": ""})
    assert nowhere.status_code == 400
    here = desk.post(URL, {"barcode": ItemFactory().barcode, "to": libraries["KGA"].id})
    assert here.status_code == 400  # the working library is not a destination
    assert not Transfer.objects.exists()


@time_machine.travel(MONDAY, tick=False)
def test_the_second_send_of_the_same_item_is_refused(desk, network, libraries):
    item = ItemFactory()
    desk.post(URL, {"barcode": item.barcode, "to": libraries["STO"].id})
    again = desk.post(URL, {"barcode": item.barcode, "to": libraries["DEG"].id})
    assert again.status_code == 400
    assert Transfer.objects.filter(item=item).count() == 1


def test_the_page_needs_the_desk_role_here(client, desk_staff_kristinehamn, libraries):
    assert client.get(URL).status_code == 302  # not logged in
    staff_client(client, desk_staff_kristinehamn, "KHM")
    page = client.get(URL).content.decode()
    assert "autofocus" in page and "data-scan-field" in page
    assert f'value="{libraries["KHM"].id}"' not in page
    assert URL in client.get("/staff/transport/").content.decode()
