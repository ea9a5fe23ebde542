"""The benchmark harness works end to end on a tiny consortium (timings are not asserted)."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from bench import run
from bench.generator import is_empty
from catalog.models import Item, Record
from circulation.holds.models import Hold
from circulation.models import Loan
from patrons.models import Patron

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_generator_and_runner_write_their_results(tmp_path, monkeypatch):
    from bench import report

    call_command("generate_consortium", scale="T0", records=800)
    assert Record.objects.count() == 800
    assert Item.objects.count() >= 800
    assert Patron.objects.filter(staff_note="bench:heavy").exists()
    heavy = Patron.objects.get(staff_note="bench:heavy")
    assert Loan.objects.open().filter(patron=heavy).count() == 1000
    assert Loan.objects.closed().exists()
    assert Record.objects.filter(search_vector__isnull=True).count() == 0
    # Holds: queues, and copies caught for the oldest ones (shelved or travelling), consistent.
    waiting = Hold.objects.waiting()
    assert waiting.count() == 32  # T0's 400 waiting holds, shrunk with the records
    assert waiting.values("record").distinct().count() < waiting.count()  # queues form
    shelved = Hold.objects.filter(state=Hold.State.ON_HOLD_SHELF)
    assert shelved.exists()
    assert Item.objects.filter(status=Item.Status.ON_HOLD_SHELF).count() == shelved.count()
    for hold in shelved.select_related("item"):
        assert hold.item.current_library_id == hold.pickup_library_id
        assert hold.pickup_deadline is not None
    for hold in Hold.objects.filter(state=Hold.State.IN_TRANSIT).select_related("item"):
        assert hold.item.status == Item.Status.IN_TRANSIT
        assert hold.item.transfers.filter(
            reason="hold_pickup", state="in_transit", to_library=hold.pickup_library
        ).exists()
    assert Hold.objects.filter(state__in=["fulfilled", "cancelled", "expired"]).exists()
    assert not is_empty()
    with pytest.raises(CommandError):
        call_command("generate_consortium", scale="T0", records=800)

    monkeypatch.setattr(report, "RESULTS", tmp_path)
    result = run.main(
        [
            "--scale", "T0", "--iterations", "5", "--rounds", "1", "--import-records", "60",
            "--routing-items", "30", "--http-iterations", "3", "--mixed-seconds", "2",
            "--targeting-rounds", "1",
        ]
    )  # fmt: skip
    rows = result["rows"]
    for name in ("checkout", "renew", "checkin", "checkin_transfer", "checkin_hold",
                 "wsgi_checkout", "wsgi_renew", "wsgi_checkin",
                 "service_checkout", "service_checkin_hold", "heavy_checkout", "renew_all_100",
                 "search_warm", "search_cold", "http_checkout", "mixed_all",
                 "hold_targeting"):  # fmt: skip
        assert rows[name]["n"] > 0, name
    for name in ("checkout", "renew", "checkin", "checkin_transfer", "checkin_hold",
                 "wsgi_checkout", "wsgi_renew", "wsgi_checkin",
                 "service_checkin_hold", "http_checkout"):  # fmt: skip
        assert rows[name]["errors"] == 0, (name, rows[name])
        assert "expected" not in rows[name].get("note", ""), (name, rows[name])
    holds = result["holds"]
    assert holds["holds_considered"] > 0
    assert holds["targets_written"] > 0
    assert holds["statements"] == holds["subset"]["statements"]  # set-based
    assert not Hold.objects.filter(target_item__isnull=False).exists()  # each run was undone
    assert rows["service_checkout"]["statements"] > 0
    assert result["floor"]["floor"]["n"] == 5
    assert result["floor"]["floor_rollback"]["n"] == 5  # the same statements, rolled back
    # The requests alternated with the floor: through the test client and the WSGI application
    # (a real session and CSRF cookie; a refused request would be counted as an error).
    for name in ("checkout", "renew", "checkin", "wsgi_checkout", "wsgi_renew", "wsgi_checkin"):
        assert result["floor"][f"interleaved_{name}"]["n"] == 5, name
        assert result["floor"][f"interleaved_{name}"]["errors"] == 0, name
    assert rows["wsgi_checkout"]["statements"] == rows["checkout"]["statements"]
    assert rows["renew_all_100"]["errors"] == 0  # refusals by the rules are no errors
    assert result["import"]["create_only"]["created"] == 60
    assert result["routing"]["planned"] >= 30
    written = json.loads((tmp_path / "T0-latest.json").read_text())
    assert written["rows"]["checkout"]["n"] == 5
    assert "| checkout |" in (tmp_path / "T0-latest.md").read_text()
