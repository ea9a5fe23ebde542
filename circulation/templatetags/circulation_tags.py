"""Template filters for circulation pages."""

from __future__ import annotations

import re
from decimal import Decimal

from django import template
from django.utils import formats
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def rule_value(value: object) -> str:
    """A lending-rule value as a librarian reads it: yes/no, amounts with two decimals, '—'."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool) or value in ("true", "false"):
        return _("yes") if value in (True, "true") else _("no")
    if isinstance(value, str) and re.fullmatch(r"-?\d+\.\d+", value):
        value = Decimal(value)  # the change log keeps values as text
    if isinstance(value, Decimal):
        return formats.number_format(value, 2, use_l10n=True)
    return str(value)


@register.filter
def rule_label(field: str) -> str:
    """The translated label of a lending-rule field name."""
    from circulation.rules import FIELD_LABELS

    return str(FIELD_LABELS.get(field, field))
