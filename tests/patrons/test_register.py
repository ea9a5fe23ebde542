"""Registration: duplicate detection, validation, nothing saved on bad input."""

from datetime import UTC, date, datetime

import pytest
from django.contrib.auth.hashers import check_password

from libraries.models import Library
from patrons.models import Card, Patron, PatronCategory
from patrons.services import PatronDetails, PatronRefused, register_patron
from tests.patrons.factories import next_card_number

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 15, 10, 0, tzinfo=UTC)


def details(**changes) -> PatronDetails:
    values = {
        "first_name": "Göran",
        "last_name": "Sjöberg",
        "home_library": Library.objects.get(code="KHM"),
        "category": PatronCategory.objects.get(code="ADULT"),
        "personnummer": "811218-9876",
        "email": "goran@example.se",
    }
    return PatronDetails(**{**values, **changes})


def test_register_normalises_personnummer_hashes_pin_and_issues_a_card():
    number = next_card_number()
    patron = register_patron(details=details(), card_number=number, pin="4321", now=NOW)
    patron.refresh_from_db()
    assert patron.personnummer == "198112189876"
    assert patron.birth_date == date(1981, 12, 18) and patron.birth_year == 1981
    assert patron.pin_hash != "4321" and check_password("4321", patron.pin_hash)
    assert patron.cards.get().number == number
    assert patron.expiry_date == date(2029, 6, 15)
    assert patron.keeps_loan_history is False


def test_same_personnummer_is_refused_even_when_confirmed():
    register_patron(details=details(), card_number=next_card_number(), now=NOW)
    with pytest.raises(PatronRefused) as refused:
        register_patron(
            details=details(first_name="Other", personnummer="198112189876"),
            card_number=next_card_number(),
            confirm_duplicate=True,
            now=NOW,
        )
    assert refused.value.reason == "duplicate_personnummer"
    assert Patron.objects.count() == 1


def test_same_name_and_birth_date_needs_staff_confirmation():
    first = register_patron(
        details=details(personnummer="", birth_date=date(1990, 1, 1)),
        card_number=next_card_number(),
        now=NOW,
    )
    with pytest.raises(PatronRefused) as refused:
        register_patron(
            details=details(personnummer="", birth_date=date(1990, 1, 1), first_name="göran"),
            card_number=next_card_number(),
            now=NOW,
        )
    assert refused.value.reason == "possible_duplicate"
    assert refused.value.duplicates == [first]
    assert Patron.objects.count() == 1
    register_patron(
        details=details(personnummer="", birth_date=date(1990, 1, 1)),
        card_number=next_card_number(),
        confirm_duplicate=True,
        now=NOW,
    )
    assert Patron.objects.count() == 2


@pytest.mark.parametrize(
    ("changes", "card", "pin", "field"),
    [
        ({"personnummer": "811218-9875"}, None, "", "personnummer"),
        ({"personnummer": "81-12-18"}, None, "", "personnummer"),
        ({"email": "goran @example.se"}, None, "", "email"),
        ({"email": "not-an-address"}, None, "", "email"),
        ({}, None, "abcd", "pin"),
        ({}, None, "12", "pin"),
        ({}, None, "123456789", "pin"),
        ({}, "123", "", "card_number"),
        ({}, "1000000009", "", "card_number"),  # wrong check digit
        ({"personnummer": "", "birth_date": None}, None, "", "birth_date"),
        ({"birth_date": date(1981, 12, 19)}, None, "", "birth_date"),
        ({"first_name": "  "}, None, "", "last_name"),
        ({"category_code": "CHILD"}, None, "", "category"),  # a 44-year-old child
    ],
)
def test_bad_input_is_refused_with_a_message_and_saves_nothing(changes, card, pin, field):
    if "category_code" in changes:
        changes = {"category": PatronCategory.objects.get(code=changes.pop("category_code"))}
    with pytest.raises(PatronRefused) as refused:
        register_patron(
            details=details(**changes), card_number=card or next_card_number(), pin=pin, now=NOW
        )
    assert refused.value.field == field
    assert str(refused.value.message)
    assert Patron.objects.count() == 0 and Card.objects.count() == 0


def test_duplicate_card_number_is_refused(adult_patron):
    taken = adult_patron.cards.get().number
    with pytest.raises(PatronRefused) as refused:
        register_patron(details=details(), card_number=taken, now=NOW)
    assert refused.value.reason == "card_taken"
    assert Patron.objects.count() == 1


def test_a_child_needs_a_guardian(adult_patron):
    child = details(
        first_name="Elsa",
        personnummer="",
        birth_date=date(2017, 5, 20),
        category=PatronCategory.objects.get(code="CHILD"),
    )
    with pytest.raises(PatronRefused) as refused:
        register_patron(details=child, card_number=next_card_number(), now=NOW)
    assert refused.value.field == "guardian"
    from dataclasses import replace

    patron = register_patron(
        details=replace(child, guardian=adult_patron), card_number=next_card_number(), now=NOW
    )
    assert patron.guardian == adult_patron


def test_refusal_messages_are_translated(settings):
    from django.utils import translation

    with translation.override("sv"), pytest.raises(PatronRefused) as refused:
        register_patron(details=details(), card_number="12", now=NOW)
    assert str(refused.value.message) != "A card number has 10 digits."
