"""Money and machine-readable dates for templates, in the user's language (built in to every
template: see TEMPLATES in config/settings.py)."""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils import timezone

from libraries.formats import format_money

register = template.Library()


@register.filter
def money(value: object) -> str:
    """``{{ fee.amount|money }}``: never write "kr" or decimals by hand in a template."""
    return format_money(value)


@register.filter
def isodate(value: object) -> str:
    """The ISO date for machines (``<time datetime>``, ``<input type=date value>``), in the
    local time zone for datetimes."""
    if isinstance(value, datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return local.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return ""


@register.filter
def fromiso(value: object) -> date | datetime | str:
    """An ISO date kept as text (the desk's scan rows live in the session) back as a date,
    to be shown with ``|date``."""
    if not isinstance(value, str) or not value:
        return ""
    try:
        return datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    except ValueError:
        return ""
