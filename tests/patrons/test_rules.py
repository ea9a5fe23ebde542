"""The blocks table: who may borrow, renew and place holds, and why not."""

from datetime import date
from decimal import Decimal

import pytest

from patrons.cardnumbers import (
    CardNumberPolicy,
    InvalidCardNumber,
    clean_card_number,
    make_card_number,
)
from patrons.rules import (
    PatronFacts,
    borrowing_blocks,
    masked_identity,
    may_borrow,
    may_place_holds,
    may_renew,
)

TODAY = date(2026, 6, 15)
OK = PatronFacts(expiry_date=date(2027, 1, 1))


def facts(**changes) -> PatronFacts:
    return PatronFacts(**{**OK.__dict__, **changes})


@pytest.mark.parametrize(
    ("changes", "borrow", "renew", "holds"),
    [
        ({}, (), (), ()),
        (
            {"expiry_date": date(2026, 6, 14)},
            ("card_expired",),
            ("card_expired",),
            ("card_expired",),
        ),
        ({"expiry_date": TODAY}, (), (), ()),  # valid through its last day
        ({"card_status": "lost"}, ("card_not_active",), (), ()),
        (
            {"manual_blocks": ("Unpaid bill",)},
            ("manual_block",),
            ("manual_block",),
            ("manual_block",),
        ),
        ({"debt": Decimal("100.00")}, (), (), ()),  # at the limit is fine
        (
            {"debt": Decimal("100.01")},
            ("debt_over_limit",),
            ("debt_over_limit",),
            ("debt_over_limit",),
        ),
        ({"oldest_overdue_days": 30}, (), (), ()),
        ({"oldest_overdue_days": 31}, ("overdue",), (), ("overdue",)),
        (
            {"manual_blocks": ("A", "B"), "debt": Decimal(500)},
            ("manual_block", "manual_block", "debt_over_limit"),
            ("manual_block", "manual_block", "debt_over_limit"),
            ("manual_block", "manual_block", "debt_over_limit"),
        ),
    ],
)
def test_blocks_table(changes, borrow, renew, holds):
    f = facts(**changes)
    assert may_borrow(f, TODAY).reasons == borrow
    assert may_renew(f, TODAY).reasons == renew
    assert may_place_holds(f, TODAY).reasons == holds
    assert bool(may_borrow(f, TODAY)) is (not borrow)


def test_every_block_has_a_message():
    everything = facts(
        expiry_date=date(2020, 1, 1),
        card_status="lost",
        manual_blocks=("Stolen item",),
        debt=Decimal(900),
        oldest_overdue_days=90,
        anonymized=True,
    )
    blocks = borrowing_blocks(everything, TODAY)
    assert len(blocks) == 6
    assert all(str(block.message) for block in blocks)
    assert "Stolen item" in str(blocks[1].message)


POLICY = CardNumberPolicy(length=10, check_digit="luhn")


@pytest.mark.parametrize(
    ("typed", "result"),
    [
        ("1000000008", "1000000008"),
        (" 10000 00008 ", "1000000008"),
        ("1000000009", "check_digit"),
        ("100000000", "length"),
        ("10000000091", "length"),
        ("10000000O9", "digits"),
        ("", "digits"),
    ],
)
def test_card_number_validation_table(typed, result):
    if result.isdigit():
        assert clean_card_number(typed, policy=POLICY) == result
    else:
        with pytest.raises(InvalidCardNumber) as refused:
            clean_card_number(typed, policy=POLICY)
        assert refused.value.reason == result


def test_generated_card_numbers_pass_validation():
    for serial in (0, 1, 42, 99_999):
        number = make_card_number(serial, policy=POLICY, prefix="2")
        assert clean_card_number(number, policy=POLICY) == number
    no_check = CardNumberPolicy(length=8, check_digit="none")
    assert make_card_number(7, policy=no_check) == "00000007"


@pytest.mark.parametrize(
    ("card", "first", "last", "shown"),
    [
        ("2000000014", "Selma", "Lagerlöf", "0014 S.L."),
        (" 2000 0000 14", "åsa", "Öberg", "0014 Å.Ö."),
        ("2000000014", "Cher", "", "0014 C."),
        ("", "Selma", "Lagerlöf", "S.L."),  # no active card: the initials only
        ("123", "", "", "123"),
    ],
)
def test_masked_identity_is_last_four_card_digits_and_initials(card, first, last, shown):
    assert masked_identity(card_number=card, first_name=first, last_name=last) == shown
