"""The consortium's common lending rules a fresh system starts with (a data migration and tests).

Functions take the model classes so a migration can pass its historical models.
"""

from __future__ import annotations

from decimal import Decimal

# Sensible Swedish public-library defaults: four weeks, three renewals, fifty loans,
# 5 SEK a day up to 100 SEK per item; items may be held and wait seven open days.
COMMON_DEFAULT = {
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
}

# Notices (added after the first release, so not part of COMMON_DEFAULT, which migration
# 0002 passes to a historical model without these fields): a due-soon notice 3 open days
# before, reminders 7 and 21 open days late, a replacement bill (the loan is lost) after 35.
NOTICE_DEFAULT = {"due_soon_days": 3, "overdue_notice_days": "7,21", "bill_after_days": 35}

# Children pay no overdue fines.
COMMON_BY_CATEGORY = {
    "CHILD": {"fine_per_day": Decimal("0.00"), "fine_cap": Decimal("0.00")},
}


def ensure_common_rules(LoanRule, PatronCategory, extra: dict | None = None) -> None:
    """Create the common any/any rule and the common per-category rules if missing."""
    LoanRule.objects.get_or_create(
        library=None,
        patron_category=None,
        item_type=None,
        defaults={**COMMON_DEFAULT, **(extra or {})},
    )
    categories = {c.code: c for c in PatronCategory.objects.filter(code__in=COMMON_BY_CATEGORY)}
    for code, values in COMMON_BY_CATEGORY.items():
        if code in categories:
            LoanRule.objects.get_or_create(
                library=None, patron_category=categories[code], item_type=None, defaults=values
            )


def ensure_all() -> None:
    from circulation.models import LoanRule
    from patrons.models import PatronCategory

    ensure_common_rules(LoanRule, PatronCategory, extra=NOTICE_DEFAULT)
