"""Privacy jobs: returned loans forget patrons who keep no history; inactive patrons are
anonymized unless they still have loans or debt. Both are idempotent."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from circulation import privacy
from circulation.models import Loan
from patrons.models import Patron
from tests.circulation.factories import FeeFactory, LoanFactory, PatronFactory

pytestmark = pytest.mark.django_db


def returned(patron, when):
    return LoanFactory(patron=patron, returned_at=when, end_reason="returned")


def test_after_a_run_no_returned_loan_points_to_a_no_history_patron(now):
    forgetful = PatronFactory(keeps_loan_history=False)
    keeper = PatronFactory(keeps_loan_history=True)
    for _ in range(3):
        returned(forgetful, now - timedelta(days=1))
        returned(keeper, now - timedelta(days=1))
    still_out = LoanFactory(patron=forgetful)

    assert privacy.unlink_returned_loans(now=now, delay_days=0) == 3
    assert not Loan.objects.filter(patron=forgetful, returned_at__isnull=False).exists()
    assert Loan.objects.filter(patron=keeper).count() == 3
    assert Loan.objects.get(pk=still_out.pk).patron == forgetful
    assert privacy.unlink_returned_loans(now=now, delay_days=0) == 0  # idempotent


def test_the_delay_keeps_recent_returns_linked(now):
    patron = PatronFactory()
    old = returned(patron, now - timedelta(days=20))
    recent = returned(patron, now - timedelta(days=2))
    assert privacy.unlink_returned_loans(now=now, delay_days=14) == 1
    assert Loan.objects.get(pk=old.pk).patron is None
    assert Loan.objects.get(pk=recent.pk).patron == patron


def test_inactive_patrons_are_anonymized_unless_they_have_loans_or_debt(now):
    long_ago = now - timedelta(days=4 * 365)
    idle = PatronFactory(first_name="Idle", last_activity_at=long_ago, keeps_loan_history=True)
    history = returned(idle, long_ago)
    borrower = PatronFactory(last_activity_at=long_ago)
    LoanFactory(patron=borrower)
    debtor = PatronFactory(last_activity_at=long_ago)
    FeeFactory(patron=debtor)
    active = PatronFactory(last_activity_at=now - timedelta(days=30))

    report = privacy.anonymize_inactive(now=now, days=3 * 365)
    assert (report.anonymized, report.kept_for_open_business) == (1, 2)
    idle.refresh_from_db()
    assert idle.anonymized_at == now
    assert idle.first_name == ""
    assert Loan.objects.get(pk=history.pk).patron is None
    for kept in (borrower, debtor, active):
        assert Patron.objects.get(pk=kept.pk).anonymized_at is None
    again = privacy.anonymize_inactive(now=now, days=3 * 365)
    assert again.anonymized == 0


def test_management_commands_report_what_they_did():
    patron = PatronFactory()
    returned(patron, timezone.now() - timedelta(days=1))
    out = StringIO()
    call_command("circulation_unlink_returned_loans", stdout=out)
    assert out.getvalue().startswith("1 returned loans unlinked")
    out = StringIO()
    call_command("circulation_anonymize_inactive", "--days", "1", stdout=out)
    assert "patrons anonymized" in out.getvalue()
