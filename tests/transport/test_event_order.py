"""A transfer's events are in the order they happened, even when a transaction that waited for
a lock carries an earlier clock than the one it waited for."""

from __future__ import annotations

from datetime import timedelta

import pytest

from catalog.models import Item
from transport import services
from transport.models import Transfer, TransferEvent

from .factories import ItemFactory

pytestmark = pytest.mark.django_db


def test_an_event_is_never_stamped_before_the_one_before_it(network, libraries, monday_morning):
    item = ItemFactory(home_library=libraries["KGA"], current_library=libraries["DEG"])
    transfer = services.start_transfer(
        item=item,
        from_library=libraries["DEG"],
        to_library=libraries["KGA"],
        reason=Transfer.Reason.RETURN_HOME,
        staff=None,
        now=monday_morning,
    )
    # A desk at Storfors read its clock a moment earlier and then waited for the item's lock.
    earlier = monday_morning - timedelta(seconds=3)
    services.receive_item(item=item, library=libraries["STO"], staff=None, now=earlier)
    services.plan_transfer(transfer_id=transfer.id, now=earlier - timedelta(seconds=1))
    events = list(TransferEvent.objects.filter(transfer=transfer).order_by("id"))
    assert [e.state for e in events] == ["waiting", "received_at_hub", "packed"]
    assert [e.at for e in events] == [monday_morning] * 3
    # The route starts where the item is.
    transfer.refresh_from_db()
    assert Item.objects.get(id=item.id).current_library == libraries["STO"]
    assert transfer.route[transfer.current_hop]["from"] == "STO"
