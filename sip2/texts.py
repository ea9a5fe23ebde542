"""What a self-service machine shows the patron: short screen texts per refusal code.

The desk's refusal messages speak to staff ("Check it in first"); a machine speaks to the
patron. A code this table does not know (a new refusal added to circulation later) still gets a
sensible text: "ask the staff", never a crash or an empty screen.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# SIP2 language codes (fixed field "language") -> our languages.
SIP_LANGUAGES = {"001": "en", "006": "sv"}
LANGUAGE_CODES = {"en": "001", "sv": "006"}

SCREEN_MESSAGES = {
    # check out
    "unknown_card": _("The library card is not known. Ask the staff."),
    "unknown_item": _("The item is not known. Ask the staff."),
    "already_on_loan": _("The item is already on loan. Ask the staff."),
    "on_loan_to_this_patron": _("You already have this item on loan."),
    "not_for_loan": _("This item cannot be borrowed."),
    "item_lost": _("The item is registered as lost. Ask the staff."),
    "item_missing": _("The item is registered as missing. Ask the staff."),
    "item_withdrawn": _("The item has been withdrawn. Ask the staff."),
    "on_hold_shelf": _("The item is reserved for another patron."),
    "in_transit": _("The item is on its way to another library. Ask the staff."),
    "max_loans_total": _("You have reached the maximum number of loans."),
    "max_loans_of_type": _("You have reached the maximum number of loans of this kind."),
    # renew
    "max_renewals": _("The loan cannot be renewed again."),
    "others_waiting": _("Someone else is waiting for this item; it cannot be renewed."),
    "not_on_loan": _("The item is not on loan to you."),
    "too_soon": _("The loan cannot be renewed yet: the due date would not change."),
    # the patron
    "card_expired": _("Your library card has expired. Ask the staff."),
    "card_not_active": _("The library card is reported lost or replaced. Ask the staff."),
    "manual_block": _("Your account is blocked. Ask the staff."),
    "debt_over_limit": _("You have unpaid fees over the limit. Ask the staff."),
    "overdue": _("You have loans that are long overdue. Ask the staff."),
    "anonymized": _("The library card is not known. Ask the staff."),
    # PIN and terminal
    "invalid_pin": _("Wrong PIN."),
    "pin_locked": _("Too many wrong PINs. Ask the staff."),
    "pin_missing": _("Enter your PIN."),
    "not_allowed": _("This machine cannot do that. Ask the staff."),
    "not_supported": _("This machine cannot do that. Ask the staff."),
    "error": _("Something went wrong. Ask the staff."),
    # holds and fees
    "not_holdable": _("This title cannot be reserved."),
    "already_held": _("You have already reserved this title."),
    "max_holds": _("You have reached the maximum number of reservations."),
    "no_hold": _("You have no reservation on this title."),
    "fee_settled": _("The fee has already been paid."),
    "amount_mismatch": _("The amount does not match your fees. Ask the staff."),
}

FALLBACK = _("That cannot be done here. Ask the staff.")


def screen_message(reason: str) -> str:
    """The patron-facing text for a refusal code, in the active language."""
    return str(SCREEN_MESSAGES.get(reason, FALLBACK))


def language_for(sip_language: str | None, terminal_language: str) -> str:
    """The request's language when it names one we speak, else the terminal's."""
    return SIP_LANGUAGES.get((sip_language or "").strip(), terminal_language or "sv")
