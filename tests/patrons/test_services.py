"""Registry services and selectors: cards, blocks, facts, merge, anonymize, inactivity, demo."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from libraries.models import ConsortiumSettings, Library
from patrons import selectors
from patrons.demo import DEMO_PIN, create_demo_patrons, demo_cards
from patrons.models import Card, Patron, PatronBlock
from patrons.rules import may_borrow
from patrons.services import (
    PatronRefused,
    add_block,
    anonymize_patron,
    delete_patron,
    merge_patrons,
    remove_block,
    replace_card,
)
from tests.patrons.factories import PatronFactory, card_of, next_card_number

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 15, 10, 0, tzinfo=UTC)


def test_patron_by_card_costs_one_query(adult_patron, django_assert_num_queries):
    number = card_of(adult_patron)
    with django_assert_num_queries(1):
        patron = selectors.patron_by_card(number)
        assert patron.category.code == "ADULT" and patron.home_library.code == "KGA"
        assert patron.open_block_reasons == []


def test_replaced_card_resolves_to_nobody_but_tells_its_status(adult_patron):
    old = card_of(adult_patron)
    replace_card(patron=adult_patron, new_number=next_card_number(), lost=False, now=NOW)
    assert selectors.patron_by_card(old) is None
    assert selectors.card_status(old) == "replaced"
    assert selectors.card_status(next_card_number()) is None
    assert [c.status for c in selectors.card_history(adult_patron)] == ["active", "replaced"]


def test_replacing_with_a_taken_number_changes_nothing(adult_patron, other_patron):
    old = card_of(adult_patron)
    with pytest.raises(PatronRefused):
        replace_card(patron=adult_patron, new_number=card_of(other_patron), now=NOW)
    assert card_of(adult_patron) == old


def test_facts_from_a_patron_answer_may_borrow(adult_patron):
    kga = Library.objects.get(code="KGA")
    block = add_block(patron=adult_patron, reason="Skadad bok", library=kga, staff=None, now=NOW)
    patron = selectors.patron_by_card(card_of(adult_patron))
    facts = selectors.build_facts(
        patron=patron, debt=Decimal("150"), consortium=ConsortiumSettings.load()
    )
    assert may_borrow(facts, NOW.date()).reasons == ("manual_block", "debt_over_limit")
    remove_block(block=block, staff=None, now=NOW)
    facts = selectors.build_facts(patron=selectors.patron_by_card(card_of(adult_patron)))
    assert may_borrow(facts, NOW.date()).allowed
    assert PatronBlock.objects.get().removed_at == NOW


def test_blank_block_reason_is_refused(adult_patron):
    with pytest.raises(PatronRefused):
        add_block(
            patron=adult_patron,
            reason=" ",
            library=Library.objects.get(code="KGA"),
            staff=None,
            now=NOW,
        )


def test_merge_moves_cards_blocks_and_wards(adult_patron, child_patron):
    duplicate = PatronFactory(first_name="Anna", last_name="Åkesson", phone="070-1")
    child_patron.guardian = duplicate
    child_patron.save(update_fields=["guardian"])
    dup_card = card_of(duplicate)
    kept = merge_patrons(keep=adult_patron, duplicate=duplicate, now=NOW)
    assert kept.phone == "070-1"
    assert Card.objects.get(number=dup_card).patron == kept
    assert card_of(kept) != dup_card  # the kept record's card stays the active one
    child_patron.refresh_from_db()
    assert child_patron.guardian == kept


def test_anonymize_keeps_statistics_and_refuses_with_loans_or_debt(adult_patron, child_patron):
    with pytest.raises(PatronRefused) as refused:
        anonymize_patron(patron=adult_patron, now=NOW, open_loans=1, debt=Decimal(0))
    assert refused.value.reason == "open_loans"
    with pytest.raises(PatronRefused):
        anonymize_patron(patron=adult_patron, now=NOW, open_loans=0, debt=Decimal("5"))
    number = card_of(adult_patron)
    patron = anonymize_patron(patron=adult_patron, now=NOW)
    assert patron.anonymized_at == NOW
    assert (patron.first_name, patron.email, patron.personnummer, patron.birth_date) == (
        "",
        "",
        None,
        None,
    )
    assert patron.birth_year == 1985 and patron.home_library.code == "KGA"
    assert selectors.patron_by_card(number) is None and not patron.cards.exists()
    child_patron.refresh_from_db()
    assert child_patron.guardian is None
    # Idempotent
    assert anonymize_patron(patron=patron, now=NOW + timedelta(days=1)).anonymized_at == NOW


def test_delete_refuses_with_debt(adult_patron):
    with pytest.raises(PatronRefused):
        delete_patron(patron=adult_patron, open_loans=0, debt=Decimal("10"))
    delete_patron(patron=adult_patron, open_loans=0, debt=Decimal("0"))
    assert not Patron.objects.exists()


def test_inactive_patrons_selector():
    old = PatronFactory(last_activity_at=NOW - timedelta(days=4 * 365))
    PatronFactory(last_activity_at=NOW - timedelta(days=10))
    gone = PatronFactory(last_activity_at=NOW - timedelta(days=5 * 365))
    anonymize_patron(patron=gone, now=NOW)
    assert list(selectors.inactive_patrons(before=NOW - timedelta(days=3 * 365))) == [old]


def test_search_never_matches_an_anonymized_patron(adult_patron):
    anonymize_patron(patron=adult_patron, now=NOW)
    assert selectors.search_patrons(term="", today=date(2026, 6, 15)) == []
    assert selectors.search_patrons(term="Åkesson", today=date(2026, 6, 15)) == []


def test_demo_patrons_are_idempotent_and_log_in_with_the_demo_pin():
    from patrons.opac_auth import authenticate_patron

    created = create_demo_patrons()
    assert created == 300
    assert create_demo_patrons() == 0
    anna = demo_cards()["Anna Åkesson"]
    patron = authenticate_patron(card_number=anna, pin=DEMO_PIN, now=NOW)
    assert patron.first_name == "Anna"
    elsa = selectors.patron_by_card(demo_cards()["Elsa Åkesson"])
    assert elsa.guardian == patron
    assert selectors.patron_by_card(demo_cards()["Björn Märak"]).open_block_reasons
    assert Patron.objects.values("home_library").distinct().count() == 5
    assert Patron.objects.values("category").distinct().count() >= 5
