"""Migration from the previous system (CSV): every row stored whole or rejected with its
reason, re-runs store nothing twice, a dry run stores nothing, and a generated sample
migrates cleanly twice."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.hashers import check_password, make_password
from django.core.management import call_command
from django.utils import timezone

from bench.migration_sample import write_sample
from catalog.models import Item
from circulation.holds.models import Hold
from circulation.models import Fee, Loan
from interop.migration import migrate, migrate_files
from interop.models import MigratedRow
from patrons.cardnumbers import make_card_number
from patrons.models import Card, Patron, PatronBlock
from patrons.services import card_policy
from tests.catalog.factories import ItemFactory, RecordFactory

pytestmark = pytest.mark.django_db

HEADER = ";".join(
    [
        "legacy_id", "card_number", "first_name", "last_name", "personnummer", "birth_date",
        "email", "home_library", "category", "guardian_legacy_id", "pin", "pin_hash",
        "old_cards", "block_reason", "debt", "debt_note",
    ]
)  # fmt: skip
ROWS = [
    "C1;{c1};Lilla;Ek;;2018-03-01;;KGA;CHILD;G1;;;;;;",
    "G1;{c2};Greta;Ek;;1980-05-05;greta@example.se;KGA;ADULT;;1234;;{old};;;",
    "A1;{c3};Arne;Berg;;1950-01-02;arne@example.se;STO;SENIOR;;;{hash};;Obetald räkning;"
    "125,50;Skuld från Libra",
    "D1;{c4};Dora;Dubbel;;1980-05-05;;KGA;ADULT;;;;;;;",
    "D2;{c5};Dora;Dubbel;;1980-05-05;;KGA;ADULT;;;;;;;",
    "X1;{c6};Xena;Fel;;1990-13-40;;KGA;ADULT;;;;;;;",
    "X2;{c7};Yngve;Okänd;;1990-01-01;;ZZZ;ADULT;;;;;;;",
    "X3;{c8};Zack;Hash;;1990-01-01;;KGA;ADULT;;;md5-ish-nonsense;;;;",
    "X4;7000000098;Åsa;Kortfel;;1990-01-01;;KGA;ADULT;;;;;;;",  # a wrong check digit
    "C2;{c9};Orvar;Ensam;;2019-01-01;;KGA;CHILD;NOBODY;;;;;;",
]


def card(n: int, prefix: str = "7") -> str:
    return make_card_number(n, policy=card_policy(), prefix=prefix)


def _patrons_csv() -> bytes:
    values = {f"c{n}": card(n) for n in range(1, 10)}
    values.update(old=card(2, "6"), hash=make_password("9876"))
    return "\n".join([HEADER, *(row.format(**values) for row in ROWS)]).encode()


@pytest.fixture
def catalogue():
    mio = RecordFactory(title="Mio, min Mio", isbn="9789129688313")
    emil = RecordFactory(title="Emil i Lönneberga")
    items = {
        "A": ItemFactory(record=mio, barcode="5000000001"),
        "B": ItemFactory(record=emil, barcode="5000000002"),
        "C": ItemFactory(record=emil, barcode="5000000003"),
    }
    return {"mio": mio, "emil": emil, **items}


def test_patrons_stored_whole_or_rejected_with_reasons():
    report = migrate(patrons=_patrons_csv())
    r = report.kinds["patron"]
    assert r.read == 10 and r.balanced
    reasons = {rej["key"]: rej["reason"] for rej in r.rejected}
    assert reasons == {
        "D2": "possible_duplicate",
        "X1": "bad_date",
        "X2": "unknown_library",
        "X3": "bad_pin_hash",
        "X4": "check_digit",
        "C2": "unknown_guardian",
    }
    assert r.created == 4
    child = Patron.objects.get(first_name="Lilla")
    assert child.guardian.first_name == "Greta"  # listed after the child, stored first
    greta = Patron.objects.get(first_name="Greta")
    assert check_password("1234", greta.pin_hash)
    assert Card.objects.get(number=card(2, "6")).patron == greta
    arne = Patron.objects.get(first_name="Arne")
    assert check_password("9876", arne.pin_hash)
    assert PatronBlock.objects.get(patron=arne).reason == "Obetald räkning"
    fee = Fee.objects.get(patron=arne)
    assert fee.amount == Decimal("125.50") and fee.description == "Skuld från Libra"
    # Nothing half-written for a rejected row: X3's patron (bad hash after registration) is gone.
    assert not Patron.objects.filter(first_name="Zack").exists()
    assert not Card.objects.filter(number=card(8)).exists()


def test_rerun_stores_nothing_twice_and_dry_run_stores_nothing():
    dry = migrate(patrons=_patrons_csv(), dry_run=True)
    assert dry.kinds["patron"].created == 4
    assert Patron.objects.count() == 0 and MigratedRow.objects.count() == 0
    migrate(patrons=_patrons_csv())
    count = Patron.objects.count()
    again = migrate(patrons=_patrons_csv())
    assert again.kinds["patron"].already == 4
    assert again.kinds["patron"].created == 0
    assert Patron.objects.count() == count


def test_loans_and_holds(catalogue):
    migrate(patrons=_patrons_csv())
    greta, arne = card(2), card(3)
    loans = (
        "card_number,barcode,library,checked_out_at,due_date,renewals\n"
        f"{greta},5000000001,KGA,2026-11-20T10:00:00,2026-12-18,1\n"
        f"{greta},5000000001,KGA,2026-11-21T10:00:00,2026-12-19,0\n"  # already on loan
        "7000000999,5000000002,KGA,2026-11-20T10:00:00,2026-12-18,0\n"  # unknown card
        f"{greta},9999999999,KGA,2026-11-20T10:00:00,2026-12-18,0\n"  # unknown item
        f"{arne},5000000002,STO,2026-11-20T10:00:00,2026-11-01,0\n"  # due before loan
        f"{arne},5000000003,STO,2026-11-20 10:00,2026-12-18,x\n"  # renewals not a number
    ).encode()
    holds = (
        "card_number,isbn,barcode,pickup_library,placed_at\n"
        f"{arne},91-29-68831-0,,STO,2026-11-25T09:00:00\n"
        f"{greta},,5000000002,KGA,2026-11-25T09:30:00\n"
        f"{greta},,5000000003,KGA,2026-11-25T09:31:00\n"  # the same title again
        f"{greta},9780000000002,,KGA,2026-11-25T09:00:00\n"  # unknown title
    ).encode()
    report = migrate(loans=loans, holds=holds)
    loan_reasons = [rej["reason"] for rej in report.kinds["loan"].rejected]
    assert loan_reasons == [
        "item_on_loan",
        "unknown_card",
        "unknown_item",
        "bad_due_date",
        "bad_number",
    ]
    loan = Loan.objects.get()
    assert loan.item.barcode == "5000000001" and loan.renewals == 1
    assert timezone.localtime(loan.due_at).date().isoformat() == "2026-12-18"
    assert Item.objects.get(barcode="5000000001").status == Item.Status.ON_LOAN
    hold_reasons = [rej["reason"] for rej in report.kinds["hold"].rejected]
    assert hold_reasons == ["already_held", "unknown_title"]
    assert {h.record_id for h in Hold.objects.all()} == {catalogue["mio"].id, catalogue["emil"].id}
    again = migrate(loans=loans, holds=holds)
    assert again.kinds["loan"].already == 1 and again.kinds["hold"].already == 2
    assert Loan.objects.count() == 1 and Hold.objects.count() == 2


def test_not_utf8_and_command(tmp_path, capsys):
    (tmp_path / "patrons.csv").write_bytes("legacy_id;first_name\nA;Åsa\n".encode("latin-1"))
    with pytest.raises(Exception, match="UTF-8"):
        call_command("migrate_from_csv", "--dir", str(tmp_path))
    (tmp_path / "patrons.csv").write_bytes(_patrons_csv())
    call_command("migrate_from_csv", "--dir", str(tmp_path), "--dry-run")
    assert Patron.objects.count() == 0
    out = capsys.readouterr().out
    assert "10" in out


def test_generated_sample_migrates_cleanly_twice(tmp_path, catalogue):
    counts = write_sample(tmp_path, patrons=150, loans=200, holds=3, today=timezone.localdate())
    first = migrate_files(directory=tmp_path)
    assert first.clean, first.lines()[:20]
    for kind, n in counts.items():
        assert first.kinds[kind.rstrip("s")].created == n
    second = migrate_files(directory=tmp_path)
    assert second.clean
    assert all(r.created == 0 for r in second.kinds.values())
    assert Patron.objects.count() == counts["patrons"]
    assert Loan.objects.count() == counts["loans"]
    assert Hold.objects.count() == counts["holds"]
    assert second.kinds["patron"].stored == counts["patrons"]
