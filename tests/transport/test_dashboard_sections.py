"""The transport dashboard's "Expected arrivals" (the current hop ends here) and "Missing in
transport" (overdue transits from or to here) sections."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from libraries.models import StaffRole
from tests.conftest import make_staff, staff_client
from transport import services
from transport.models import Transfer

from .conftest import at
from .factories import ItemFactory

pytestmark = pytest.mark.django_db


def section(page: str, heading_id: str) -> str:
    start = page.index(f'id="{heading_id}"')
    return page[start : page.index("</section>", start)]


def dashboard(client, user, code: str, when) -> str:
    staff_client(client, user, code)
    with time_machine.travel(when, tick=False):
        return client.get("/staff/transport/").content.decode()


def test_expected_arrivals_and_missing_in_transport(
    client, network, libraries, desk_staff_karlskoga
):
    desk_storfors = make_staff("desk_sto", ("STO", StaffRole.Role.DESK))
    monday = at("2025-03-10 10:15")
    item = ItemFactory(barcode="T8000001", current_library=libraries["KHM"])
    transfer = services.start_transfer(
        item=item,
        from_library=libraries["KHM"],
        to_library=libraries["KGA"],
        reason=Transfer.Reason.RETURN_HOME,
        staff=None,
        now=monday,
    )
    services.plan_transfer(transfer_id=transfer.id, now=monday)
    assert services.close_due_packing_lists(now=at("2025-03-10 14:00")) == 1  # KHM → STO van

    on_the_van = at("2025-03-10 14:10")
    storfors = dashboard(client, desk_storfors, "STO", on_the_van)
    assert "T8000001" in section(storfors, "arr-h")  # the van's next stop is Storfors
    assert "T8000001" not in section(storfors, "missing-h")
    karlskoga = dashboard(client, desk_staff_karlskoga, "KGA", on_the_van)
    assert "T8000001" not in section(karlskoga, "arr-h")  # not on its last hop yet
    assert "T8000001" in section(karlskoga, "to-h")
    assert "T8000001" not in section(karlskoga, "missing-h")  # not overdue yet

    transfer.refresh_from_db()
    overdue = transfer.expected_arrival + timedelta(days=3, minutes=1)
    assert services.flag_missing_transits(now=overdue) == [transfer.id]
    karlskoga = dashboard(client, desk_staff_karlskoga, "KGA", overdue)
    assert "T8000001" in section(karlskoga, "missing-h")
    storfors = dashboard(client, desk_storfors, "STO", overdue)
    assert "T8000001" not in section(storfors, "missing-h")  # neither from nor to Storfors
