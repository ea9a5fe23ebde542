"""The backfill builds events from the loan, hold and transfer tables, once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command

from events.models import CirculationEvent, Kind
from stats.models import DailyRollup
from stats.rollups import roll_up
from tests.circulation.factories import LoanFactory, PatronFactory
from tests.stats.conftest import at, lib

pytestmark = pytest.mark.django_db


def test_backfill_builds_loans_renewals_and_returns_once(db):
    patron = PatronFactory(birth_year=1990, home_library=lib("STO"))
    LoanFactory(patron=patron, checked_out_at=at(1), renewals=2, last_renewed_at=at(5))
    LoanFactory(
        patron=None,
        checked_out_at=at(2),
        returned_at=at(9),
        returned_library=lib("DEG"),
        end_reason="returned",
    )
    roll_up(now=at(20))  # rollups exist (empty) through 19 March: the backfill refreshes them
    call_command("backfill_events", stdout=open("/dev/null", "w"))  # noqa: SIM115
    counts = {k: CirculationEvent.objects.filter(kind=k).count() for k in Kind.values}
    assert counts[Kind.CHECKOUT] == 2 and counts[Kind.RENEWAL] == 2 and counts[Kind.RETURN] == 1
    checkout = CirculationEvent.objects.filter(kind=Kind.CHECKOUT).order_by("occurred_at")[0]
    assert checkout.patron_municipality == "Storfors" and checkout.age_band == "18-64"
    times = list(CirculationEvent.objects.order_by("id").values_list("occurred_at", flat=True))
    assert times == sorted(times)  # written in time order: the BRIN index on the day works
    returned = CirculationEvent.objects.get(kind=Kind.RETURN)
    assert returned.library_id == lib("DEG").id and returned.patron_category_id is None
    assert sum(DailyRollup.objects.filter(grain="library").values_list("events", flat=True)) == 5
    call_command("backfill_events", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert CirculationEvent.objects.count() == 5


def test_backfill_stops_at_the_first_logged_event(db):
    LoanFactory(checked_out_at=at(1))
    later = LoanFactory(checked_out_at=at(10))
    from events import services

    services.record(
        Kind.CHECKOUT, at=at(10), library_id=later.checkout_library_id, item_ids=[later.item_id]
    )
    from stats.backfill import backfill

    written = backfill(now=at(11) + timedelta(days=1))
    assert written[Kind.CHECKOUT] == 1
    assert CirculationEvent.objects.filter(kind=Kind.CHECKOUT).count() == 2
