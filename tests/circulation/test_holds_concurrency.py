"""Two copies of a title with one hold, checked in at the same moment: exactly one is caught."""

from __future__ import annotations

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from catalog.models import Item
from circulation import services
from circulation.holds import services as hold_services
from circulation.holds.models import Hold
from libraries.models import Library
from tests.circulation.factories import LoanFactory, PatronFactory, RecordFactory

NOW = datetime(2025, 3, 12, 12, 0, tzinfo=ZoneInfo("Europe/Stockholm"))


@pytest.mark.django_db(transaction=True)
def test_two_copies_checked_in_at_once_fill_the_single_hold_once():
    kga = Library.objects.get(code="KGA")
    from circulation.defaults import ensure_all

    ensure_all()
    record = RecordFactory()
    items = [LoanFactory(item__record=record).item for _ in range(2)]
    hold = hold_services.place_hold(
        patron=PatronFactory(), record=record, pickup_library=kga, now=NOW
    )
    barrier = threading.Barrier(2)
    results, errors = [], []

    def desk(item):
        try:
            barrier.wait()
            results.append(
                services.check_in(barcode=item.barcode, library=kga, staff=None, now=NOW)
            )
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=desk, args=(item,)) for item in items]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    actions = sorted(r.action for r in results)
    assert actions == [services.Action.HOLD_SHELF, services.Action.RESHELVE]
    hold.refresh_from_db()
    assert hold.state == Hold.State.ON_HOLD_SHELF
    statuses = sorted(Item.objects.filter(record=record).values_list("status", flat=True))
    assert statuses == [Item.Status.AVAILABLE, Item.Status.ON_HOLD_SHELF]
