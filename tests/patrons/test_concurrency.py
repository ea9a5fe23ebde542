"""Two desks registering the same person at the same moment: exactly one record."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from django.db import connection

from libraries.models import Library
from patrons.models import Patron, PatronCategory
from patrons.services import PatronDetails, PatronRefused, register_patron
from tests.patrons.factories import next_card_number

NOW = datetime(2026, 6, 15, 10, 0, tzinfo=UTC)


@pytest.mark.django_db(transaction=True)
def test_parallel_registrations_of_one_personnummer_make_one_patron():
    details = PatronDetails(
        first_name="Göran",
        last_name="Sjöberg",
        personnummer="811218-9876",
        home_library=Library.objects.get(code="KGA"),
        category=PatronCategory.objects.get(code="ADULT"),
    )
    cards = [next_card_number() for _ in range(6)]
    barrier = threading.Barrier(len(cards))
    outcomes: list[str] = []

    def desk(card: str) -> None:
        try:
            barrier.wait()
            register_patron(details=details, card_number=card, now=NOW)
            outcomes.append("registered")
        except PatronRefused as refused:
            outcomes.append(refused.reason)
        finally:
            connection.close()

    threads = [threading.Thread(target=desk, args=(card,)) for card in cards]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("registered") == 1
    assert set(outcomes) - {"registered"} <= {"duplicate_personnummer", "conflict"}
    assert Patron.objects.count() == 1
