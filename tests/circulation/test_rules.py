"""Rule resolution as tables: every precedence step, field-by-field fallback, whose rules apply."""

from decimal import Decimal

import pytest

from circulation import rules
from circulation.rules import RULE_FIELDS, RuleRow, RulesIncomplete, resolve, rules_library_id

L, OTHER_L = 10, 11
C, OTHER_C = 20, 21
T, OTHER_T = 30, 31

COMPLETE = {
    "loan_period_days": 28,
    "max_renewals": 3,
    "max_loans_of_type": 50,
    "max_loans_total": 50,
    "fine_per_day": Decimal("5.00"),
    "fine_cap": Decimal("100.00"),
    "grace_days": 0,
    "holdable": True,
    "hold_pickup_days": 7,
    "renew_when_others_wait": False,
    "due_soon_days": 3,
    "overdue_notice_days": "7,21",
    "bill_after_days": 35,
}


def row(lib, cat, typ, rule_id=None, **values):
    return RuleRow(
        library_id=lib, category_id=cat, item_type_id=typ, values=values, rule_id=rule_id
    )


DEFAULT = row(None, None, None, rule_id=8, **COMPLETE)

# Every scope key with the step number it takes in the precedence for (L, C, T).
SCOPES = [
    ((L, C, T), 1),
    ((L, C, None), 2),
    ((L, None, T), 3),
    ((L, None, None), 4),
    ((None, C, T), 5),
    ((None, C, None), 6),
    ((None, None, T), 7),
]


@pytest.mark.parametrize(("winner", "step"), SCOPES)
def test_each_step_beats_every_later_step(winner, step):
    # One rule at each scope sets the loan period to its own step number; the winner's must win
    # once all the more specific ones are removed.
    present = [row(*key, rule_id=n, loan_period_days=n) for key, n in SCOPES if n >= step]
    effective = resolve([*present, DEFAULT], library_id=L, category_id=C, item_type_id=T)
    assert effective.loan_period_days == step
    assert effective.sources["loan_period_days"].step.number == step
    assert effective.sources["loan_period_days"].rule_id == step
    assert effective.sources["loan_period_days"].is_local is (step <= 4)


def test_common_default_is_step_eight_and_fills_every_field():
    effective = resolve([DEFAULT], library_id=L, category_id=C, item_type_id=T)
    for field in RULE_FIELDS:
        assert effective.value(field) == COMPLETE[field]
        assert effective.sources[field].step.number == 8
        assert not effective.sources[field].is_local


def test_fields_fall_back_one_by_one():
    present = [
        row(L, C, T, loan_period_days=7),
        row(L, None, None, fine_per_day=Decimal("2.00"), holdable=False),
        row(None, C, None, fine_per_day=Decimal("0.00"), fine_cap=Decimal("0.00")),
        row(None, None, T, max_loans_of_type=10),
        DEFAULT,
    ]
    effective = resolve(present, library_id=L, category_id=C, item_type_id=T)
    steps = {f: effective.sources[f].step.number for f in RULE_FIELDS}
    assert (effective.loan_period_days, steps["loan_period_days"]) == (7, 1)
    # The library's any/any (step 4) beats the common category rule (step 6).
    assert (effective.fine_per_day, steps["fine_per_day"]) == (Decimal("2.00"), 4)
    assert (effective.fine_cap, steps["fine_cap"]) == (Decimal("0.00"), 6)
    assert (effective.holdable, steps["holdable"]) == (False, 4)
    assert (effective.max_loans_of_type, steps["max_loans_of_type"]) == (10, 7)
    assert (effective.max_renewals, steps["max_renewals"]) == (3, 8)


@pytest.mark.parametrize("field", ["holdable", "renew_when_others_wait", "grace_days"])
def test_false_and_zero_are_values_not_gaps(field):
    value = 0 if field == "grace_days" else (not COMPLETE[field])
    effective = resolve(
        [row(L, None, None, **{field: value}), DEFAULT], library_id=L, category_id=C, item_type_id=T
    )
    assert effective.value(field) == value
    assert effective.sources[field].step.number == 4


@pytest.mark.parametrize(
    "stranger",
    [
        row(OTHER_L, C, T, loan_period_days=1),
        row(L, OTHER_C, T, loan_period_days=1),
        row(L, C, OTHER_T, loan_period_days=1),
        row(None, OTHER_C, None, loan_period_days=1),
        row(None, None, OTHER_T, loan_period_days=1),
    ],
)
def test_rules_of_other_scopes_never_apply(stranger):
    effective = resolve([stranger, DEFAULT], library_id=L, category_id=C, item_type_id=T)
    assert effective.loan_period_days == 28


def test_without_a_library_only_common_rules_apply():
    effective = resolve(
        [row(L, None, None, loan_period_days=1), row(None, C, None, loan_period_days=14), DEFAULT],
        library_id=None,
        category_id=C,
        item_type_id=T,
    )
    assert effective.loan_period_days == 14
    assert effective.sources["loan_period_days"].step.number == 6


def test_missing_common_default_is_an_error_naming_the_field():
    with pytest.raises(RulesIncomplete) as err:
        resolve([row(L, C, T, loan_period_days=7)], library_id=L, category_id=C, item_type_id=T)
    assert err.value.field == "max_renewals"


def test_precedence_order_matches_the_documented_list():
    keys = [key for _step, key in rules.precedence(L, C, T)]
    assert keys == [
        (L, C, T),
        (L, C, None),
        (L, None, T),
        (L, None, None),
        (None, C, T),
        (None, C, None),
        (None, None, T),
        (None, None, None),
    ]


@pytest.mark.parametrize(
    ("setting", "expected"),
    [(rules.LOAN_LIBRARY, 1), (rules.ITEM_HOME, 2), (rules.PATRON_HOME, 3)],
)
def test_whose_rules_apply(setting, expected):
    assert (
        rules_library_id(
            setting, loan_library_id=1, item_home_library_id=2, patron_home_library_id=3
        )
        == expected
    )


def test_unknown_setting_is_refused():
    with pytest.raises(ValueError, match="unknown"):
        rules_library_id(
            "nearest", loan_library_id=1, item_home_library_id=2, patron_home_library_id=3
        )
