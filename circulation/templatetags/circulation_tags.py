"""Template filters for circulation pages."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def rule_value(value: object) -> str:
    """A lending-rule value as a librarian reads it: yes/no, amounts with two decimals, '—'."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool) or value in ("true", "false"):
        return _("yes") if value in (True, "true") else _("no")
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


@register.filter
def rule_label(field: str) -> str:
    """The translated label of a lending-rule field name."""
    from circulation.rules import FIELD_LABELS

    return str(FIELD_LABELS.get(field, field))
