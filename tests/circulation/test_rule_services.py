"""Editing rules: overrides created, changed, cleared (falling back), logged; who may edit."""

from decimal import Decimal

import pytest

from catalog.models import ItemType
from circulation import selectors
from circulation.models import LoanRule, LoanRuleChange
from circulation.rule_services import RuleRefused, may_edit_rules, set_rule_fields
from libraries.access import load_access
from patrons.models import PatronCategory

pytestmark = pytest.mark.django_db


def test_setting_a_cell_creates_the_local_override_and_logs_it(libraries, admin_storfors, now):
    dvd = ItemType.objects.get(code="DVD")
    adult = PatronCategory.objects.get(code="ADULT")
    sto = libraries["STO"]
    rule = set_rule_fields(
        library=sto,
        patron_category=None,
        item_type=dvd,
        values={"loan_period_days": "7", "fine_per_day": "2,50"},
        staff=admin_storfors,
        now=now,
    )
    assert (rule.loan_period_days, rule.fine_per_day) == (7, Decimal("2.50"))
    effective = selectors.effective_rule(library=sto, category=adult, item_type=dvd)
    assert effective.loan_period_days == 7
    assert effective.sources["loan_period_days"].is_local
    log = {c.field: (c.old_value, c.new_value) for c in LoanRuleChange.objects.all()}
    assert log == {"loan_period_days": ("", "7"), "fine_per_day": ("", "2.50")}

    set_rule_fields(
        library=sto,
        patron_category=None,
        item_type=dvd,
        values={"loan_period_days": ""},
        staff=admin_storfors,
        now=now,
    )
    effective = selectors.effective_rule(library=sto, category=adult, item_type=dvd)
    assert effective.loan_period_days == 28  # falls back to the common rule
    assert not effective.sources["loan_period_days"].is_local

    gone = set_rule_fields(
        library=sto,
        patron_category=None,
        item_type=dvd,
        values={"fine_per_day": None},
        staff=admin_storfors,
        now=now,
    )
    assert gone is None
    assert not LoanRule.objects.filter(library=sto).exists()
    assert LoanRuleChange.objects.count() == 4


def test_common_default_fields_cannot_be_cleared(consortium_admin, now):
    with pytest.raises(RuleRefused) as err:
        set_rule_fields(
            library=None,
            patron_category=None,
            item_type=None,
            values={"max_renewals": ""},
            staff=consortium_admin,
            now=now,
        )
    assert err.value.reason == "required"


@pytest.mark.parametrize(
    ("field", "raw"),
    [
        ("loan_period_days", "-1"),
        ("loan_period_days", "abc"),
        ("fine_cap", "x"),
        ("holdable", "maybe"),
    ],
)
def test_bad_values_are_refused_and_nothing_is_written(libraries, now, field, raw):
    with pytest.raises(RuleRefused):
        set_rule_fields(
            library=libraries["KGA"],
            patron_category=None,
            item_type=None,
            values={field: raw},
            staff=None,
            now=now,
        )
    assert not LoanRule.objects.filter(library=libraries["KGA"]).exists()


def test_who_may_edit(libraries, admin_storfors, consortium_admin, desk_staff_karlskoga):
    sto_admin = load_access(admin_storfors)
    assert may_edit_rules(sto_admin, libraries["STO"])
    assert not may_edit_rules(sto_admin, libraries["KGA"])
    assert not may_edit_rules(sto_admin, None)
    assert may_edit_rules(load_access(consortium_admin), None)
    assert not may_edit_rules(load_access(desk_staff_karlskoga), libraries["KGA"])


@pytest.mark.parametrize(
    ("raw", "stored"),
    [("7,21", "7,21"), (" 7, 21 ,35", "7,21,35"), ("0", "0"), ("14", "14")],
)
def test_overdue_notice_days_are_rising_day_counts(raw, stored):
    from circulation.rule_services import parse_value

    assert parse_value("overdue_notice_days", raw) == stored


@pytest.mark.parametrize("raw", ["21,7", "7,7", "0,7", "a", "1,2,3,4,5,6", "7;21"])
def test_overdue_notice_days_refuse_anything_else(raw):
    from circulation.rule_services import RuleRefused, parse_value

    with pytest.raises(RuleRefused):
        parse_value("overdue_notice_days", raw)
