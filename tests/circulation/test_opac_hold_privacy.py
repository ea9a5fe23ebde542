"""Patron A cannot pause, resume or cancel patron B's hold in the OPAC: 404, and B's hold is
unchanged."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from circulation.holds import services as hold_services
from circulation.holds.models import Hold
from libraries.models import Library
from patrons.services import set_pin
from tests.circulation.factories import ItemFactory, PatronFactory, RecordFactory

pytestmark = pytest.mark.django_db
MONDAY = datetime(2025, 3, 10, 10, 15, tzinfo=ZoneInfo("Europe/Stockholm"))


def test_pausing_or_resuming_another_patrons_hold_is_404(client):
    me, other = PatronFactory(), PatronFactory()
    record = RecordFactory()
    ItemFactory(record=record)
    theirs = hold_services.place_hold(
        patron=other, record=record, pickup_library=Library.objects.get(code="KGA"), now=MONDAY
    )
    set_pin(patron=me, pin="2468")
    login = client.post("/konto/logga-in/", {"card_number": me.cards.get().number, "pin": "2468"})
    assert login.status_code == 302
    assert (
        client.post(f"/reservationer/{theirs.pk}/pausa/", {"until": "2099-04-01"}).status_code
        == 404
    )
    assert client.post(f"/reservationer/{theirs.pk}/pausa/", {"until": ""}).status_code == 404
    assert client.post(f"/reservationer/{theirs.pk}/avboka/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == Hold.State.WAITING and theirs.suspended_until is None
    assert client.post("/reservationer/999999999/pausa/", {"until": ""}).status_code == 404
