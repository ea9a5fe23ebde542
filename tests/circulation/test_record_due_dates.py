"""The OPAC record page shows when a copy on loan is due back (circulation hands over the dates)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.circulation.factories import LoanFactory

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Europe/Stockholm")


def test_record_page_says_on_loan_until_the_due_day(client):
    loan = LoanFactory(due_at=datetime(2026, 3, 12, 23, 59, 59, tzinfo=TZ))
    html = client.get(f"/post/{loan.item.record_id}/").content.decode()
    assert "Utlånad till 12 mars" in html


def test_record_page_due_day_is_the_swedish_day_not_utc(client):
    # Due at 00:30 Swedish time on 13 March is 23:30 UTC on 12 March.
    loan = LoanFactory(due_at=datetime(2026, 3, 13, 0, 30, tzinfo=TZ))
    html = client.get(f"/post/{loan.item.record_id}/").content.decode()
    assert "Utlånad till 13 mars" in html
