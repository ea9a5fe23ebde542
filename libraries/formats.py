"""Money in the user's language, for messages built in Python (templates use ``|money``)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils import formats


def format_money(value: object) -> str:
    """An amount in kronor as the current language writes it: "1 234,50 kr" / "SEK 1,234.50"
    (MONEY_FORMAT in config/formats/<language>/formats.py)."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    number = formats.number_format(amount, 2, use_l10n=True, force_grouping=True)
    return formats.get_format("MONEY_FORMAT") % {"amount": number}
