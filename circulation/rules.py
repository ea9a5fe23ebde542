"""PURE: which lending rule applies, field by field, and where each value came from.

For library L, patron category C and item type T, each field takes its value from the first rule
that defines it, in this order (see docs/lending-rules.md):

    1. L, C, T          5. common, C, T
    2. L, C, any        6. common, C, any
    3. L, any, T        7. common, any, T
    4. L, any, any      8. common, any, any

The common any/any rule defines every field (a database constraint), so resolution always ends
with a complete rule. No models, no settings, no clock: the service passes plain values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from django.utils.translation import gettext_lazy as _

# The fields of a lending rule, in the order the rule editor shows them.
RULE_FIELDS: tuple[str, ...] = (
    "loan_period_days",
    "max_renewals",
    "max_loans_of_type",
    "max_loans_total",
    "fine_per_day",
    "fine_cap",
    "grace_days",
    "holdable",
    "hold_pickup_days",
    "renew_when_others_wait",
    "due_soon_days",
    "overdue_notice_days",
    "bill_after_days",
)

FIELD_LABELS = {
    "loan_period_days": _("Loan period (days)"),
    "max_renewals": _("Max renewals"),
    "max_loans_of_type": _("Max loans of this item type"),
    "max_loans_total": _("Max loans in total"),
    "fine_per_day": _("Overdue fine per day (SEK)"),
    "fine_cap": _("Fine cap per item (SEK)"),
    "grace_days": _("Grace days"),
    "holdable": _("May be placed on hold"),
    "hold_pickup_days": _("Hold pickup period (open days)"),
    "renew_when_others_wait": _("Renewal allowed when others wait"),
    "due_soon_days": _("Due-soon notice (open days before due; 0 = none)"),
    "overdue_notice_days": _("Overdue reminders (open days after due, e.g. 7,21)"),
    "bill_after_days": _("Replacement bill (open days after due; 0 = never)"),
}


class RulesIncomplete(Exception):
    """No rule defines a field: the common any/any rule is missing or incomplete."""

    def __init__(self, field: str):
        super().__init__(f"no lending rule defines {field}; the common any/any rule is missing")
        self.field = field


@dataclass(frozen=True)
class RuleRow:
    """One stored rule, as plain values. ``None`` in a scope key means common / any."""

    library_id: int | None
    category_id: int | None
    item_type_id: int | None
    values: Mapping[str, object]  # field -> value; None = not defined by this rule
    rule_id: int | None = None

    @property
    def key(self) -> tuple[int | None, int | None, int | None]:
        return (self.library_id, self.category_id, self.item_type_id)


@dataclass(frozen=True)
class Step:
    """A position in the precedence list: 1 (most specific) … 8 (common any/any)."""

    number: int
    local: bool  # the library's own rule (steps 1-4) or the consortium's common rule (5-8)
    by_category: bool
    by_item_type: bool

    @property
    def label(self) -> str:
        scope = _("library") if self.local else _("common")
        category = _("this category") if self.by_category else _("any category")
        item_type = _("this item type") if self.by_item_type else _("any item type")
        return f"{scope}, {category}, {item_type}"


STEPS: tuple[Step, ...] = tuple(
    Step(number=i + 1, local=local, by_category=by_cat, by_item_type=by_type)
    for i, (local, by_cat, by_type) in enumerate(
        (local, by_cat, by_type)
        for local in (True, False)
        for by_cat, by_type in ((True, True), (True, False), (False, True), (False, False))
    )
)


@dataclass(frozen=True)
class Source:
    """Where one field's value came from."""

    step: Step
    rule_id: int | None

    @property
    def is_local(self) -> bool:
        return self.step.local


@dataclass(frozen=True)
class EffectiveRule:
    """The rule that applies, every field filled in, with the source of each field."""

    loan_period_days: int
    max_renewals: int
    max_loans_of_type: int
    max_loans_total: int
    fine_per_day: Decimal
    fine_cap: Decimal
    grace_days: int
    holdable: bool
    hold_pickup_days: int
    renew_when_others_wait: bool
    due_soon_days: int
    overdue_notice_days: str  # "7,21": reminder level n after the n-th number of open days
    bill_after_days: int
    sources: Mapping[str, Source]

    def value(self, field: str) -> object:
        return getattr(self, field)


def precedence(
    library_id: int | None, category_id: int | None, item_type_id: int | None
) -> list[tuple[Step, tuple[int | None, int | None, int | None]]]:
    """The eight (step, scope key) pairs to try, most specific first."""
    return [
        (
            step,
            (
                library_id if step.local else None,
                category_id if step.by_category else None,
                item_type_id if step.by_item_type else None,
            ),
        )
        for step in STEPS
        # With no library (the common rules alone) the local steps do not exist.
        if library_id is not None or not step.local
    ]


def resolve(
    rows: Iterable[RuleRow],
    *,
    library_id: int | None,
    category_id: int | None,
    item_type_id: int | None,
) -> EffectiveRule:
    """Resolve every field over the precedence list. Rows that do not match are ignored."""
    by_key = {row.key: row for row in rows}
    chain = [
        (step, by_key[key])
        for step, key in precedence(library_id, category_id, item_type_id)
        if key in by_key
    ]
    values: dict[str, object] = {}
    sources: dict[str, Source] = {}
    for field in RULE_FIELDS:
        for step, row in chain:
            value = row.values.get(field)
            if value is not None:
                values[field] = value
                sources[field] = Source(step=step, rule_id=row.rule_id)
                break
        else:
            raise RulesIncomplete(field)
    return EffectiveRule(**values, sources=MappingProxyType(sources))


def notice_levels(text: str) -> tuple[int, ...]:
    """The overdue reminder offsets of a rule: "7,21" → (7, 21); "0" or "" → no reminders."""
    days = tuple(int(part) for part in text.replace(" ", "").split(",") if part.strip())
    return tuple(day for day in days if day > 0)


# --- Whose rules apply --------------------------------------------------------------------

LOAN_LIBRARY = "loan_library"
ITEM_HOME = "item_home"
PATRON_HOME = "patron_home"


def rules_library_id(
    setting: str, *, loan_library_id: int, item_home_library_id: int, patron_home_library_id: int
) -> int:
    """The library whose lending rules apply to a new loan, by the consortium setting.

    A renewal does not ask again: it keeps the rules library of its loan.
    """
    if setting == ITEM_HOME:
        return item_home_library_id
    if setting == PATRON_HOME:
        return patron_home_library_id
    if setting == LOAN_LIBRARY:
        return loan_library_id
    raise ValueError(f"unknown rules library setting {setting!r}")
