"""The check-in API response carries the transfer the check-in started."""

from __future__ import annotations

import pytest
import time_machine

from tests.conftest import staff_client

from .factories import ItemFactory

pytestmark = pytest.mark.django_db


def test_checkin_api_reports_destination_next_hop_and_expected_arrival(
    client, network, libraries, desk_staff_kristinehamn, monday_morning
):
    item = ItemFactory()  # a Karlskoga item, on the shelf in Karlskoga's catalogue
    staff_client(client, desk_staff_kristinehamn, "KHM")
    with time_machine.travel(monday_morning, tick=False):
        response = client.post(
            "/api/v1/checkins/", {"barcode": item.barcode}, content_type="application/json"
        )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["action"] == "send_home"
    assert body["destination"] == "KGA"
    transfer = body["transfer"]
    assert transfer["destination"] == "KGA"
    assert transfer["stops"] == ["STO", "KGA"]
    assert transfer["next_hop"].endswith("Storfors → Karlskoga")
    assert transfer["expected_arrival"].startswith("2025-03-11T10:45")


def test_checkin_api_has_no_transfer_for_an_item_at_home(
    client, network, libraries, desk_staff_karlskoga, monday_morning
):
    item = ItemFactory()
    staff_client(client, desk_staff_karlskoga, "KGA")
    with time_machine.travel(monday_morning, tick=False):
        body = client.post(
            "/api/v1/checkins/", {"barcode": item.barcode}, content_type="application/json"
        ).json()
    assert body["transfer"] is None
