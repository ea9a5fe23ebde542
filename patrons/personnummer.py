"""PURE: Swedish personal identity numbers (personnummer) and coordination numbers.

Accepted input: ``YYMMDD-NNNN``, ``YYMMDD+NNNN`` (the ``+`` marks a person aged 100 or more),
``YYMMDDNNNN``, ``YYYYMMDD-NNNN`` and ``YYYYMMDDNNNN``; spaces are ignored. A coordination number
(samordningsnummer) has 60 added to the day. The last digit is a Luhn check digit over the ten
digits ``YYMMDDNNN``. Stored form: 12 digits ``YYYYMMDDNNNN``.

With only two year digits the century is the latest one that does not put the birth date in the
future; a ``+`` separator moves it back another hundred years. ``today`` is a parameter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_lazy as _

_SHAPE = re.compile(r"^(?P<century>\d{2})?(?P<yymmdd>\d{6})(?P<sep>[-+]?)(?P<serial>\d{4})$")


class InvalidPersonnummer(ValueError):
    """Carries a reason code and a translatable message."""

    def __init__(self, reason: str, message) -> None:
        super().__init__(str(message))
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class Personnummer:
    digits: str  # 12 digits, YYYYMMDDNNNN
    birth_date: date
    is_coordination_number: bool

    def __str__(self) -> str:
        return format_personnummer(self.digits)


def luhn_ok(digits: str) -> bool:
    """The Luhn check used by personnummer and card numbers (last digit is the check digit)."""
    return luhn_check_digit(digits[:-1]) == int(digits[-1])


def luhn_check_digit(payload: str) -> int:
    total = 0
    # Double every second digit counting from the right of the payload (the check digit's left).
    for index, char in enumerate(reversed(payload)):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return (10 - total % 10) % 10


def parse(value: str, *, today: date) -> Personnummer:
    """Validate and normalise; raises InvalidPersonnummer with a reason code."""
    text = re.sub(r"\s", "", value or "")
    match = _SHAPE.match(text)
    if not match:
        raise InvalidPersonnummer(
            "format", _("A personnummer has the form YYYYMMDD-NNNN or YYMMDD-NNNN.")
        )
    yymmdd, serial = match["yymmdd"], match["serial"]
    if not luhn_ok(yymmdd + serial):
        raise InvalidPersonnummer(
            "checksum", _("The personnummer's check digit is wrong. Please check the number.")
        )
    yy, month, day = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6])
    coordination = day > 60
    if coordination:
        day -= 60
    if match["century"]:
        year = int(match["century"]) * 100 + yy
    else:
        year = _year_from_two_digits(yy, month, day, today=today)
        if match["sep"] == "+":
            year -= 100
    try:
        born = date(year, month, day)
    except ValueError:
        raise InvalidPersonnummer(
            "date", _("The personnummer does not contain a valid date of birth.")
        ) from None
    if born > today:
        raise InvalidPersonnummer("future", _("The personnummer's date of birth is in the future."))
    return Personnummer(
        digits=f"{year:04d}{yymmdd[2:]}{serial}",
        birth_date=born,
        is_coordination_number=coordination,
    )


def _year_from_two_digits(yy: int, month: int, day: int, *, today: date) -> int:
    year = today.year - (today.year - yy) % 100
    # Born later this year than today means a hundred years earlier.
    if (month, day) > (today.month, today.day) and year == today.year:
        year -= 100
    return year


def normalise(value: str, *, today: date) -> str:
    """The 12-digit stored form."""
    return parse(value, today=today).digits


def format_personnummer(digits: str) -> str:
    """``YYYYMMDD-NNNN`` from the stored 12 digits."""
    return f"{digits[:8]}-{digits[8:]}" if digits and len(digits) == 12 else ""


def mask(digits: str | None) -> str:
    """For display: the date part stays, the last four digits are hidden."""
    if not digits:
        return ""
    return f"{digits[:8]}-****"


def looks_like_personnummer(text: str) -> bool:
    """Whether a search term is shaped like a personnummer (to route a staff search)."""
    return bool(_SHAPE.match(re.sub(r"\s", "", text or "")))
