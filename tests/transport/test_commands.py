"""The transport management commands (the beat jobs by hand): reconcile, sweep, close crates,
flag missing. Each says what it did, and a second run does nothing more."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from transport.models import PackingList, Transfer

from .conftest import at
from .factories import ItemFactory

pytestmark = pytest.mark.django_db
State = Transfer.State


def run(command: str, when: str) -> str:
    out = StringIO()
    with time_machine.travel(at(when), tick=False):
        call_command(command, stdout=out)
    return out.getvalue()


def test_reconcile_sweep_close_and_flag_missing_by_command(network, libraries):
    item = ItemFactory(barcode="T9000001", current_library=libraries["KHM"])  # home: Karlskoga
    ItemFactory(current_library=libraries["KGA"])  # at home: nothing to do

    out = run("transport_reconcile", "2025-03-10 02:00")
    transfer = Transfer.objects.get()
    assert "T9000001: KHM → KGA" in out and out.rstrip().endswith("1 transfers created")
    assert (transfer.item, transfer.reason, transfer.state) == (item, "return_home", State.WAITING)
    assert run("transport_reconcile", "2025-03-10 02:05").strip() == "0 transfers created"

    assert run("transport_sweep", "2025-03-10 10:15").strip() == "1 planned"
    transfer.refresh_from_db()
    assert transfer.state == State.PACKED
    crate = PackingList.objects.get(entries__transfer=transfer)
    assert (crate.link.from_library.code, crate.link.to_library.code) == ("KHM", "STO")
    assert run("transport_sweep", "2025-03-10 10:20").strip() == "0 planned"

    assert run("transport_close_crates", "2025-03-10 13:59").strip() == "0 crates closed"
    assert run("transport_close_crates", "2025-03-10 14:00").strip() == "1 crates closed"
    transfer.refresh_from_db()
    assert transfer.state == State.IN_TRANSIT and transfer.expected_arrival is not None
    assert run("transport_close_crates", "2025-03-10 14:05").strip() == "0 crates closed"

    arrival = transfer.expected_arrival.astimezone(at("2025-03-10 00:00").tzinfo)
    early = f"{arrival:%Y-%m-%d %H:%M}"
    assert run("transport_flag_missing", early).strip() == "0 transfers flagged missing"
    late = f"{arrival + timedelta(days=3, minutes=1):%Y-%m-%d %H:%M}"
    assert run("transport_flag_missing", late).strip() == "1 transfers flagged missing"
    transfer.refresh_from_db()
    assert transfer.missing_since is not None
    assert run("transport_flag_missing", late).strip() == "0 transfers flagged missing"
