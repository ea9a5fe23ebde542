"""Check-in (circulation) asks transport for a transfer, and scans items in transit."""

from __future__ import annotations

import pytest

from catalog.models import Item
from circulation.services import Action, check_in
from transport.models import FloatingRule, Transfer

from .conftest import at
from .factories import ItemFactory

pytestmark = pytest.mark.django_db


def test_karlskoga_item_checked_in_at_kristinehamn_goes_via_storfors(
    network, libraries, monday_morning, desk_staff_kristinehamn
):
    item = ItemFactory()
    result = check_in(
        barcode=item.barcode,
        library=libraries["KHM"],
        staff=desk_staff_kristinehamn,
        now=monday_morning,
    )
    transfer = result.extra["transfer"]
    assert result.action == Action.SEND_HOME
    assert result.destination == libraries["KGA"]
    assert result.message.endswith("Skicka till Storfors → Karlskoga")
    assert transfer.expected_arrival == at("2025-03-11 10:45")
    assert transfer.state == Transfer.State.WAITING

    at_hub = check_in(
        barcode=item.barcode, library=libraries["STO"], staff=None, now=at("2025-03-10 15:00")
    )
    assert at_hub.action == Action.SEND_HOME
    assert at_hub.message.endswith("Skicka till Karlskoga")
    assert at_hub.extra["transfer"].id == transfer.id

    home = check_in(
        barcode=item.barcode, library=libraries["KGA"], staff=None, now=at("2025-03-11 11:00")
    )
    assert home.action == Action.RESHELVE and "transfer" not in home.extra
    item.refresh_from_db()
    assert (item.status, item.current_library.code) == (Item.Status.AVAILABLE, "KGA")
    transfer.refresh_from_db()
    assert transfer.state == Transfer.State.ARRIVED


def test_an_item_returned_where_its_type_floats_stays(network, libraries, monday_morning):
    FloatingRule.objects.create(library=libraries["KHM"], item_type=None)
    item = ItemFactory()
    result = check_in(
        barcode=item.barcode, library=libraries["KHM"], staff=None, now=monday_morning
    )
    assert result.action == Action.RESHELVE
    item.refresh_from_db()
    assert (item.current_library.code, item.home_library.code) == ("KHM", "KGA")
    assert item.status == Item.Status.AVAILABLE
    assert not Transfer.objects.filter(item=item).exists()


def test_checking_in_again_before_the_van_repeats_the_instruction(
    network, libraries, monday_morning
):
    item = ItemFactory()
    first = check_in(barcode=item.barcode, library=libraries["KHM"], staff=None, now=monday_morning)
    again = check_in(barcode=item.barcode, library=libraries["KHM"], staff=None, now=monday_morning)
    assert again.extra["transfer"].id == first.extra["transfer"].id
    assert again.message.endswith("Skicka till Storfors → Karlskoga")
    assert Transfer.objects.filter(item=item).count() == 1
