"""The command, the rule explainer's notice fields, hold and card notices, the hold-ready
forwarding task through a real worker."""

from __future__ import annotations

import time
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from circulation import services as circulation_services
from circulation.holds import services as hold_services
from circulation.holds.models import Hold
from circulation.models import LoanRule
from libraries.models import Library
from notices import services
from notices.models import Notice, NoticeSent
from tests.circulation.factories import LoanFactory, PatronFactory, RecordFactory
from tests.conftest import staff_client
from tests.notices.conftest import at, due_loan


@pytest.mark.django_db
def test_command_dry_run_counts_and_writes_nothing(emailed, capsys):
    due_loan(emailed)
    call_command("send_notices", "--dry-run", "--date", "2025-03-18")
    out = capsys.readouterr().out
    assert "would send overdue: 1" in out
    assert not Notice.objects.exists()
    call_command("send_notices", "--date", "2025-03-18")
    assert Notice.objects.count() == 1
    with pytest.raises(CommandError):
        call_command("send_notices", "--date", "18/3")


@pytest.mark.django_db
def test_rule_explainer_shows_notice_offsets_with_their_source(client, desk_staff_karlskoga):
    LoanRule.objects.create(library=Library.objects.get(code="KGA"), overdue_notice_days="5,15")
    staff_client(client, desk_staff_karlskoga, "KGA")
    fields = client.get(
        "/api/v1/rules/effective/", {"library": "KGA", "category": "ADULT", "item_type": "BOOK"}
    ).json()["fields"]
    assert fields["overdue_notice_days"]["value"] == "5,15"
    assert fields["overdue_notice_days"]["source"]["local"] is True
    assert (
        fields["due_soon_days"]
        == {
            "value": 3,
            "source": fields["due_soon_days"]["source"],
        }
        and fields["due_soon_days"]["source"]["local"] is False
    )
    assert fields["bill_after_days"]["value"] == 35


def shelve_hold_for(patron):
    record = RecordFactory(title="Hämtboken")
    item = LoanFactory(item__record=record).item
    hold = hold_services.place_hold(
        patron=patron, record=record, pickup_library=Library.objects.get(code="KGA"),
        now=at(date(2025, 3, 10), 10),
    )  # fmt: skip
    circulation_services.check_in(
        barcode=item.barcode,
        library=Library.objects.get(code="KGA"),
        staff=None,
        now=at(date(2025, 3, 10), 11),
    )
    hold.refresh_from_db()
    assert hold.state == Hold.State.ON_HOLD_SHELF
    return hold


@pytest.mark.django_db
def test_nightly_run_catches_up_a_lost_hold_ready_notice_and_warns_before_expiry(emailed):
    hold = shelve_hold_for(emailed)
    deadline = hold.pickup_deadline.astimezone(at(date(2025, 3, 10)).tzinfo).date()
    day = date(2025, 3, 11)
    report = services.run(now=at(day), today=day)
    assert report.by_kind == {"hold_ready": 1}
    hold.refresh_from_db()
    assert hold.notice_sent_at is not None
    assert services.run(now=at(day), today=day).notices == 0
    warn = deadline - timedelta(days=1)
    while warn.weekday() >= 5:
        warn -= timedelta(days=1)
    report = services.run(now=at(warn), today=warn)
    assert report.by_kind.get("hold_expiring") == 1
    for notice in Notice.objects.all():
        services.deliver_notice(notice_id=notice.pk, now=at(warn, 3))
    subjects = sorted(m.subject for m in mail.outbox)
    assert subjects[0].startswith("Din reservation finns att hämta: Hämtboken")
    assert subjects[1].startswith("Hämta din reservation senast")


@pytest.mark.django_db
def test_sweep_sends_a_lost_hold_ready_notice_within_minutes_and_only_once(emailed):
    """The check-in's task never reached the broker (here: the test's transaction never
    commits, so on_commit never queues it): the five-minute sweep sends it, not the night."""
    from notices import selectors, tasks

    hold = shelve_hold_for(emailed)  # shelved 2025-03-10 11:00
    shelved = at(date(2025, 3, 10), 11)
    assert selectors.holds_missing_ready_notice(now=shelved + timedelta(minutes=5)) == []
    assert selectors.holds_missing_ready_notice(now=shelved + timedelta(minutes=15)) == [hold.pk]
    sent = tasks.sweep_hold_ready_notices()
    assert len(sent) == 1 and Notice.objects.get(pk=sent[0]).kind == "hold_ready"
    hold.refresh_from_db()
    assert hold.notice_sent_at is not None
    assert tasks.sweep_hold_ready_notices() == []  # once


@pytest.mark.django_db
def test_card_about_to_expire_once_per_expiry(emailed):
    emailed.expiry_date = date(2025, 4, 1)
    emailed.save(update_fields=["expiry_date"])
    assert services.run(now=at(date(2025, 3, 1)), today=date(2025, 3, 1)).cards == 0
    assert services.run(now=at(date(2025, 3, 3)), today=date(2025, 3, 3)).cards == 1
    assert services.run(now=at(date(2025, 3, 4)), today=date(2025, 3, 4)).cards == 0
    assert NoticeSent.objects.get().kind == "card_expiring"


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_old_hold_ready_task_name_forwards_to_the_notices_app(celery_worker_process):
    from circulation.tasks import send_hold_ready_notice

    patron = PatronFactory(email="forward@example.org")
    hold = shelve_hold_for(patron)
    Hold.objects.filter(pk=hold.pk).update(notice_sent_at=None)
    send_hold_ready_notice.delay(hold_id=hold.pk).get(timeout=30)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not Notice.objects.filter(state="sent").exists():
        time.sleep(0.1)
    notice = Notice.objects.get()
    assert (notice.kind, notice.channel, notice.state) == ("hold_ready", "email", "sent")
