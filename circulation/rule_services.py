"""Editing lending rules (the rule editor): set or clear fields of one scope, logged.

A library admin edits their own library's rules; a consortium admin edits the common rules
(and, like everything, any library's). Every changed field is logged as old → new.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from catalog.models import ItemType
from circulation.models import LoanRule, LoanRuleChange
from circulation.rules import RULE_FIELDS
from libraries.access import StaffAccess
from libraries.models import Library
from libraries.policy import Action
from patrons.models import PatronCategory

INTEGER_FIELDS = frozenset(
    {
        "loan_period_days",
        "max_renewals",
        "max_loans_of_type",
        "max_loans_total",
        "grace_days",
        "hold_pickup_days",
        "due_soon_days",
        "bill_after_days",
    }
)
# Overdue reminder offsets: rising whole numbers, "7,21" (at most five levels).
DAY_LIST_FIELDS = frozenset({"overdue_notice_days"})
MONEY_FIELDS = frozenset({"fine_per_day", "fine_cap"})
BOOLEAN_FIELDS = frozenset({"holdable", "renew_when_others_wait"})


class RuleRefused(Exception):
    def __init__(self, reason: str, message, field: str | None = None):
        super().__init__(str(message))
        self.reason, self.message, self.field = reason, message, field


def may_edit_rules(access: StaffAccess, library: Library | None) -> bool:
    """Common rules: consortium admins. A library's rules: its library admins (or consortium)."""
    if library is None:
        return access.is_consortium_admin
    return access.may(Action.LIBRARY_ADMIN, library)


def parse_value(field: str, raw: object) -> object:
    """A form or API value → the field's value; "" or None clears the field."""
    if field not in RULE_FIELDS:
        raise RuleRefused("unknown_field", _("Unknown rule field."), field)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    text = str(raw).strip().lower()
    if field in BOOLEAN_FIELDS:
        if isinstance(raw, bool):
            return raw
        if text in {"1", "true", "yes", "ja", "on"}:
            return True
        if text in {"0", "false", "no", "nej", "off"}:
            return False
        raise RuleRefused("invalid", _("Answer yes or no."), field)
    if field in DAY_LIST_FIELDS:
        parts = [part for part in text.replace(" ", "").split(",") if part]
        if not parts or len(parts) > 5 or not all(p.isdigit() and int(p) <= 32000 for p in parts):
            raise RuleRefused("invalid", _("Give up to five numbers of days, e.g. 7,21."), field)
        days = [int(p) for p in parts]
        if days != [0] and (0 in days or days != sorted(set(days))):
            raise RuleRefused(
                "invalid", _("Give rising numbers of days, e.g. 7,21 (0 = none)."), field
            )
        return ",".join(str(d) for d in days)
    if field in MONEY_FIELDS:
        try:
            value = Decimal(text.replace(",", "."))
        except InvalidOperation:
            raise RuleRefused("invalid", _("Give an amount in SEK."), field) from None
        if value < 0 or value >= Decimal("100000") or not value.is_finite():
            raise RuleRefused("invalid", _("Give an amount between 0 and 99 999 SEK."), field)
        return value.quantize(Decimal("0.01"))
    if not text.isdigit() or int(text) > 32000:
        raise RuleRefused("invalid", _("Give a whole number from 0 to 32 000."), field)
    return int(text)


def _as_text(value: object) -> str:
    return "" if value is None else str(value)


@transaction.atomic
def set_rule_fields(
    *,
    library: Library | None,
    patron_category: PatronCategory | None,
    item_type: ItemType | None,
    values: dict[str, object],
    staff,
    now: datetime,
) -> LoanRule | None:
    """Set (or, with None/"", clear) fields of the rule for exactly this scope.

    Creates the rule when needed and deletes it when all its fields end up empty; returns the
    rule (None when deleted). The common any/any rule's fields cannot be cleared.
    """
    parsed = {field: parse_value(field, raw) for field, raw in values.items()}
    rule, _created = LoanRule.objects.select_for_update().get_or_create(
        library=library, patron_category=patron_category, item_type=item_type
    )
    is_default = library is None and patron_category is None and item_type is None
    changes = []
    for field, value in parsed.items():
        old = getattr(rule, field)
        if old == value:
            continue
        if is_default and value is None:
            raise RuleRefused(
                "required",
                _("The common rule for any category and item type must define every field."),
                field,
            )
        setattr(rule, field, value)
        changes.append(
            LoanRuleChange(
                changed_at=now,
                changed_by=staff,
                library=library,
                patron_category=patron_category,
                item_type=item_type,
                field=field,
                old_value=_as_text(old),
                new_value=_as_text(value),
            )
        )
    LoanRuleChange.objects.bulk_create(changes)
    if all(getattr(rule, field) is None for field in RULE_FIELDS):
        rule.delete()
        return None
    if changes:
        rule.save(update_fields=[c.field for c in changes] + ["updated_at"])
    return rule
