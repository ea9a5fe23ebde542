"""PURE: library card numbers — shape and check digit as the consortium configures them.

``settings.GRANSLOS["CARD_NUMBER_LENGTH"]`` (default 10) and ``["CARD_CHECK_DIGIT"]`` ("luhn" or
"none") are read by the caller and passed in; this module reads no settings.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from patrons.personnummer import luhn_check_digit, luhn_ok


class InvalidCardNumber(ValueError):
    def __init__(self, reason: str, message) -> None:
        super().__init__(str(message))
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class CardNumberPolicy:
    length: int = 10
    check_digit: str = "luhn"  # or "none"


def clean_card_number(value: str, *, policy: CardNumberPolicy) -> str:
    """Strip spaces; refuse a number of the wrong length, with non-digits or a bad check digit."""
    number = "".join((value or "").split())
    if not number.isdigit() or not number.isascii():
        raise InvalidCardNumber("digits", _("A card number has digits only."))
    if len(number) != policy.length:
        raise InvalidCardNumber(
            "length",
            _("A card number has %(length)d digits.") % {"length": policy.length},
        )
    if policy.check_digit == "luhn" and not luhn_ok(number):
        raise InvalidCardNumber("check_digit", _("The card number's check digit is wrong."))
    return number


def make_card_number(serial: int, *, policy: CardNumberPolicy, prefix: str = "") -> str:
    """A valid card number from a serial (deterministic; used for new cards and demo data)."""
    body_length = policy.length - (1 if policy.check_digit == "luhn" else 0)
    body = f"{prefix}{serial:0{body_length - len(prefix)}d}"
    if len(body) != body_length:
        raise ValueError("serial too large for the configured card number length")
    if policy.check_digit == "luhn":
        return body + str(luhn_check_digit(body))
    return body
