"""The benchmark harness works end to end on a tiny consortium (timings are not asserted)."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from bench import run
from bench.generator import is_empty
from catalog.models import Item, Record
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
    assert not is_empty()
    with pytest.raises(CommandError):
        call_command("generate_consortium", scale="T0", records=800)

    monkeypatch.setattr(report, "RESULTS", tmp_path)
    result = run.main(
        [
            "--scale", "T0", "--iterations", "5", "--rounds", "1", "--import-records", "60",
            "--routing-items", "30", "--http-iterations", "3", "--mixed-seconds", "2",
        ]
    )  # fmt: skip
    rows = result["rows"]
    for name in ("checkout", "renew", "checkin", "checkin_transfer", "service_checkout",
                 "heavy_checkout", "renew_all_100", "search_warm", "search_cold",
                 "http_checkout", "mixed_all"):  # fmt: skip
        assert rows[name]["n"] > 0, name
    for name in ("checkout", "renew", "checkin", "checkin_transfer", "http_checkout"):
        assert rows[name]["errors"] == 0, (name, rows[name])
    assert rows["service_checkout"]["statements"] > 0
    assert result["floor"]["floor"]["n"] == 5
    assert result["import"]["create_only"]["created"] == 60
    assert result["routing"]["planned"] >= 30
    written = json.loads((tmp_path / "T0-latest.json").read_text())
    assert written["rows"]["checkout"]["n"] == 5
    assert "| checkout |" in (tmp_path / "T0-latest.md").read_text()
