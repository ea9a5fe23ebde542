"""The nightly reconciliation leaves an item staff moved on purpose where they sent it."""

from __future__ import annotations

import pytest

from catalog.models import Item
from transport import moves, services
from transport.models import Transfer

from .conftest import at
from .factories import ItemFactory

pytestmark = pytest.mark.django_db
MONDAY = at("2025-03-10 10:15")


def arrive(item, library, now):
    return services.receive_item(item=item, library=library, staff=None, now=now)


def test_a_manual_move_that_arrived_is_not_sent_home_at_night(network, libraries):
    item = ItemFactory(barcode="T8000001")  # a Karlskoga item on the shelf in Karlskoga
    moves.send_item(
        barcode=item.barcode,
        from_library=libraries["KGA"],
        to_library=libraries["HFS"],
        staff=None,
        now=MONDAY,
    )
    arrive(item, libraries["HFS"], at("2025-03-12 16:00"))
    item.refresh_from_db()
    assert (item.current_library.code, item.status) == ("HFS", Item.Status.AVAILABLE)

    report = services.reconcile(now=at("2025-03-13 02:30"))
    assert item.barcode not in [t.item.barcode for t in report.created]
    assert not Transfer.objects.filter(item=item, state__in=Transfer.OPEN_STATES).exists()


def test_an_item_left_away_from_home_without_a_move_is_still_sent_home(network, libraries):
    item = ItemFactory(barcode="T8000002")
    Item.objects.filter(pk=item.pk).update(current_library=libraries["HFS"])
    report = services.reconcile(now=at("2025-03-13 02:30"))
    assert [t.item.barcode for t in report.created] == ["T8000002"]
