"""The nightly run against PostgreSQL: what is written, sent once, and never after a return."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from circulation import config_cache
from circulation.models import Fee, Loan, LoanRule
from libraries.calendar import add_open_days
from libraries.models import Library
from notices import services, sms
from notices.models import LetterBatch, Notice, NoticePreference, NoticeSent
from tests.circulation.factories import PatronFactory
from tests.notices.conftest import DUE_DAY, STHLM, at, due_loan

pytestmark = pytest.mark.django_db


def deliver_all() -> list[str]:
    return [
        services.deliver_notice(notice_id=pk, now=at(date(2025, 3, 4), 3))
        for pk in Notice.objects.order_by("pk").values_list("pk", flat=True)
    ]


def test_one_due_soon_message_lists_every_loan_and_any_library(emailed):
    NoticePreference.objects.create(patron=emailed, due_soon=True)
    for title in ("Pippi", "Emil", "Ronja"):
        due_loan(emailed, title=title)
    report = services.run(now=at(date(2025, 3, 4)), today=date(2025, 3, 4))
    assert report.notices == 1
    notice = Notice.objects.get()
    assert (notice.kind, notice.channel, notice.state) == ("due_soon", "email", "pending")
    assert NoticeSent.objects.filter(notice=notice).count() == 3
    assert deliver_all() == ["sent"]
    [message] = mail.outbox
    assert message.subject.startswith("3 lån")
    for title in ("Pippi", "Emil", "Ronja"):
        assert title in message.body
    assert "vilket som helst av biblioteken" in message.body and "Storfors" in message.body
    assert message.alternatives and "Pippi" in message.alternatives[0][0]


def test_no_due_soon_notice_without_opting_in(emailed):
    due_loan(emailed)
    assert services.run(now=at(date(2025, 3, 4)), today=date(2025, 3, 4)).notices == 0


def test_a_second_run_writes_and_sends_nothing(emailed):
    due_loan(emailed)
    day = date(2025, 3, 18)
    assert services.run(now=at(day), today=day).notices == 1
    assert services.run(now=at(day), today=day).notices == 0
    assert services.run(now=at(date(2025, 3, 19)), today=date(2025, 3, 19)).notices == 0
    deliver_all()
    deliver_all()  # a re-delivered task
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject.startswith("Påminnelse 1")


def test_returned_loan_gets_no_reminder_even_if_already_queued(emailed):
    loan = due_loan(emailed)
    services.run(now=at(date(2025, 3, 18)), today=date(2025, 3, 18))
    Loan.objects.filter(pk=loan.pk).update(
        returned_at=at(date(2025, 3, 18), 1), end_reason="returned"
    )
    assert deliver_all() == ["cancelled"]
    assert mail.outbox == []
    assert services.run(now=at(date(2025, 4, 7)), today=date(2025, 4, 7)).notices == 0


def test_renewed_loan_gets_no_reminder_for_its_old_due_day(emailed):
    loan = due_loan(emailed)
    services.run(now=at(date(2025, 3, 18)), today=date(2025, 3, 18))
    Loan.objects.filter(pk=loan.pk).update(
        due_at=datetime.combine(date(2025, 4, 4), time(23, 59, 59), tzinfo=STHLM)
    )
    assert deliver_all() == ["cancelled"]
    assert services.run(now=at(date(2025, 3, 19)), today=date(2025, 3, 19)).notices == 0


def test_english_patron_gets_english_text(emailed):
    emailed.preferred_language = "en"
    emailed.save(update_fields=["preferred_language"])
    due_loan(emailed, title="Moomin")
    services.run(now=at(date(2025, 3, 18)), today=date(2025, 3, 18))
    deliver_all()
    assert mail.outbox[0].subject == "Reminder 1: 1 overdue loan"
    assert "any of the libraries" in mail.outbox[0].body and "Moomin" in mail.outbox[0].body


def test_local_override_of_the_reminder_days(emailed):
    kga = Library.objects.get(code="KGA")
    LoanRule.objects.create(library=kga, overdue_notice_days="3", bill_after_days=0)
    due_loan(emailed)
    third = add_open_days(config_cache.config().calendar(kga.pk), DUE_DAY, 3)
    before = third - timedelta(days=1)
    assert services.run(now=at(before), today=before).notices == 0
    assert services.run(now=at(third), today=third).notices == 1
    # Storfors' loans still follow the common rule (7 open days).
    other = PatronFactory(email="sto@example.org")
    due_loan(other, rules_library=Library.objects.get(code="STO"))
    assert services.run(now=at(third), today=third).notices == 0


def test_bill_marks_the_loan_lost_and_bills_the_price(emailed):
    loan = due_loan(emailed, title="Dyr bok", price=399)
    day = date(2025, 4, 29)  # the 35th open day after 7 March (Easter closed)
    report = services.run(now=at(day), today=day)
    assert report.bills == 1
    loan.refresh_from_db()
    assert loan.end_reason == Loan.EndReason.LOST
    assert Fee.objects.get(loan=loan, kind=Fee.Kind.LOST).amount == 399
    deliver_all()
    assert "Dyr bok" in mail.outbox[0].body and "399,00" in mail.outbox[0].body
    assert services.run(now=at(date(2025, 4, 30)), today=date(2025, 4, 30)).notices == 0


def test_sms_goes_through_the_gateway(texted, settings):
    settings.SMS_URL = "locmem:"
    sms.outbox.clear()
    due_loan(texted, title="Hemlig titel")
    services.run(now=at(date(2025, 3, 18)), today=date(2025, 3, 18))
    assert deliver_all() == ["sent"]
    assert sms.outbox[0]["to"] == "0701234567"
    assert "1 lån är försenade" in sms.outbox[0]["message"]


def test_failed_send_is_retried_then_marked_failed(texted, settings):
    settings.SMS_URL = "http://127.0.0.1:9/send"  # nothing listens: connection refused
    due_loan(texted)
    services.run(now=at(date(2025, 3, 18)), today=date(2025, 3, 18))
    assert deliver_all() == ["retrying"]
    notice = Notice.objects.get()
    assert notice.attempts == 1 and notice.last_error
    for _ in range(services.MAX_ATTEMPTS - 1):
        deliver_all()
    notice.refresh_from_db()
    assert notice.state == "failed" and notice.attempts == services.MAX_ATTEMPTS
    settings.SMS_URL = "locmem:"
    services.resend(notice=notice, staff=None, now=at(date(2025, 3, 19)))
    assert deliver_all() == ["sent"]


def test_letters_for_patrons_without_email_or_phone_make_a_pdf_batch(lettered):
    due_loan(lettered, title="Brevboken")
    services.run(now=at(date(2025, 3, 18)), today=date(2025, 3, 18))
    notice = Notice.objects.get()
    assert notice.channel == "letter"
    assert deliver_all() == ["pending"]  # letters are printed, not sent
    kga = Library.objects.get(code="KGA")
    batch = services.print_letters(library=kga, staff=None, now=at(date(2025, 3, 18), 9))
    notice.refresh_from_db()
    assert notice.state == "sent" and notice.letter_batch == batch
    pdf = services.batch_pdf(batch)
    assert pdf.startswith(b"%PDF")
    assert services.print_letters(library=kga, staff=None, now=at(date(2025, 3, 18), 10)) is None
    assert LetterBatch.objects.count() == 1


def test_statements_per_batch_do_not_grow_with_the_loans(emailed):
    def statements(patrons: int) -> int:
        Notice.objects.all().delete()
        Loan.objects.all().delete()
        for n in range(patrons):
            patron = PatronFactory(email=f"p{n}@example.org")
            due_loan(patron)
            due_loan(patron)
        with CaptureQueriesContext(connection) as ctx:
            report = services.run(now=at(date(2025, 3, 18)), today=date(2025, 3, 18))
        assert report.notices == patrons
        return len(ctx.captured_queries)

    statements(1)  # loads the per-process copy of rules and calendars
    assert statements(3) == statements(12)


def test_requeue_takes_only_earlier_unsent_notices(emailed):
    due_loan(emailed)
    services.run(now=at(date(2025, 3, 18)), today=date(2025, 3, 18))
    assert services.requeue_pending(now=at(date(2025, 3, 18))) == 0  # this run's own
    assert services.requeue_pending(now=at(date(2025, 3, 19))) == 1
    deliver_all()
    assert services.requeue_pending(now=at(date(2025, 3, 19))) == 0
