"""Writes to the libraries' own data: opening calendars."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from libraries.models import CalendarException, Library


class CalendarRefused(Exception):
    def __init__(self, reason: str, message):
        self.reason, self.message = reason, message
        super().__init__(f"{reason}: {message}")


@transaction.atomic
def set_open_weekdays(*, library: Library, weekdays: set[int]) -> Library:
    """Change the library's regular week (0 = Monday … 6 = Sunday)."""
    if not weekdays <= set(range(7)):
        raise CalendarRefused("bad_weekday", _("Choose weekdays from Monday to Sunday."))
    if library.kind == Library.Kind.LIBRARY and not weekdays:
        raise CalendarRefused("never_open", _("A library must be open at least one day a week."))
    library.open_weekdays = sorted(weekdays)
    library.save(update_fields=["open_weekdays"])
    return library


@transaction.atomic
def set_contact_details(
    *, library: Library, address: str, phone: str, opening_hours: str
) -> Library:
    """What receipts and slips print under the library's name and at their foot."""
    library.address = address.strip()[:500]
    library.phone = phone.strip()[:40]
    library.opening_hours = opening_hours.strip()[:500]
    library.save(update_fields=["address", "phone", "opening_hours"])
    return library


@transaction.atomic
def set_exception(
    *, library: Library, day: date, is_open: bool, reason: str, staff, today: date
) -> CalendarException:
    """Close the library on a day (or open it on a day it is normally closed)."""
    if day < today:
        raise CalendarRefused("in_the_past", _("The day has already passed."))
    exception, _created = CalendarException.objects.update_or_create(
        library=library,
        date=day,
        defaults={"is_open": is_open, "reason": reason.strip()[:200], "created_by": staff},
    )
    return exception


@transaction.atomic
def remove_exception(*, library: Library, exception_id: int) -> None:
    """Go back to the regular week for that day. Only the library's own exceptions."""
    CalendarException.objects.filter(library=library, pk=exception_id).delete()
