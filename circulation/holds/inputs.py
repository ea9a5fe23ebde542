"""The hold pages' form values (desk and OPAC): a pickup library id, an optional date."""

from __future__ import annotations

from datetime import date

from libraries.models import Library


def pickup_library(value: str | None) -> Library | None:
    return Library.objects.filter(pk=value).first() if value and value.isdigit() else None


def optional_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return None
