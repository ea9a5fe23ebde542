"""Screen texts for refusal codes: every code circulation uses today has one, in Swedish and
English; a code added later gets a sensible fallback instead of an error."""

import pytest
from django.utils import translation

from circulation import refusals
from patrons import rules as patron_rules
from sip2 import texts

DESK_CODES = [
    refusals.UNKNOWN_CARD, refusals.UNKNOWN_ITEM, refusals.ALREADY_ON_LOAN, refusals.NOT_FOR_LOAN,
    refusals.ITEM_LOST, refusals.ITEM_MISSING, refusals.ITEM_WITHDRAWN, refusals.ON_HOLD_SHELF,
    refusals.IN_TRANSIT, refusals.MAX_LOANS_TOTAL, refusals.MAX_LOANS_OF_TYPE,
    refusals.MAX_RENEWALS, refusals.OTHERS_WAITING, refusals.NOT_ON_LOAN, refusals.FEE_SETTLED,
    patron_rules.CARD_EXPIRED, patron_rules.CARD_NOT_ACTIVE, patron_rules.MANUAL_BLOCK,
    patron_rules.DEBT, patron_rules.OVERDUE, patron_rules.ANONYMIZED,
    "too_soon", "on_loan_to_this_patron",
]  # fmt: skip


@pytest.mark.parametrize("code", DESK_CODES)
def test_every_refusal_code_has_a_screen_text(code):
    assert code in texts.SCREEN_MESSAGES
    with translation.override("sv"):
        swedish = texts.screen_message(code)
    with translation.override("en"):
        english = texts.screen_message(code)
    assert swedish and english and swedish != english


def test_an_unknown_code_gets_the_fallback():
    with translation.override("sv"):
        assert texts.screen_message("a_code_from_the_future") == (
            "Det går inte att göra här. Fråga personalen."
        )


@pytest.mark.parametrize(
    ("sip", "terminal", "expected"),
    [
        ("001", "sv", "en"),
        ("006", "en", "sv"),
        ("000", "sv", "sv"),
        ("003", "en", "en"),
        (None, "sv", "sv"),
    ],
)
def test_language_from_the_request_or_the_terminal(sip, terminal, expected):
    assert texts.language_for(sip, terminal) == expected
