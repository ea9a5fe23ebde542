"""Why circulation refuses: the refusal codes, the exceptions that carry them (with translated
messages), and who may override a refusal at the desk (logged)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from circulation.models import Loan, OverrideLog
from libraries.models import Library, StaffRole
from patrons import rules as patron_rules


@dataclass(frozen=True)
class Refusal:
    reason: str
    message: str  # lazy translation
    overridable: bool = False
    # Plain values the desk needs to act on the refusal (e.g. the open loan of an item already
    # on loan: its id, due date and its borrower masked); None for most refusals.
    details: Mapping | None = field(default=None, compare=False, hash=False)

    def __str__(self) -> str:
        return str(self.message)


class CirculationRefused(Exception):
    """An action was refused; ``reason`` is a stable code, ``message`` a translated sentence.

    ``refusals`` lists every reason found (the first is ``reason``); ``overridable`` is true
    when all of them may be overridden by staff with the override role, giving a reason.
    """

    def __init__(self, refusals: list[Refusal]):
        self.refusals = tuple(refusals)
        self.reason = refusals[0].reason
        self.message = refusals[0].message
        self.overridable = all(r.overridable for r in refusals)
        self.details = refusals[0].details
        super().__init__("; ".join(f"{r.reason}: {r.message}" for r in refusals))


class CheckoutRefused(CirculationRefused):
    pass


class CheckinRefused(CirculationRefused):
    pass


class RenewalRefused(CirculationRefused):
    pass


class FeeRefused(CirculationRefused):
    pass


def refuse(exc: type[CirculationRefused], reason: str, message) -> CirculationRefused:
    return exc([Refusal(reason, message)])


UNKNOWN_CARD = "unknown_card"
UNKNOWN_ITEM = "unknown_item"
ALREADY_ON_LOAN = "already_on_loan"  # on loan to another patron
ON_LOAN_TO_THIS_PATRON = "on_loan_to_this_patron"  # renew it instead
NOT_FOR_LOAN = "not_for_loan"
ITEM_LOST = "item_lost"
ITEM_MISSING = "item_missing"
ITEM_WITHDRAWN = "item_withdrawn"
ON_HOLD_SHELF = "on_hold_shelf"
IN_TRANSIT = "in_transit"
MAX_LOANS_TOTAL = "max_loans_total"
MAX_LOANS_OF_TYPE = "max_loans_of_type"
MAX_RENEWALS = "max_renewals"
TOO_SOON = "too_soon"  # a renewal now would not move the due date
OTHERS_WAITING = "others_waiting"
NOT_ON_LOAN = "not_on_loan"
OVERRIDE_NOT_ALLOWED = "override_not_allowed"
LOAN_CHANGED = "loan_changed"  # check-in to take over a loan: the loan confirmed is not open
FEE_SETTLED = "fee_settled"
REASON_REQUIRED = "reason_required"

# Patron blocks staff may override at the desk (a lost card, a manual block or an anonymized
# record are not: remove the block or replace the card instead).
OVERRIDABLE_PATRON_BLOCKS = frozenset(
    {patron_rules.CARD_EXPIRED, patron_rules.DEBT, patron_rules.OVERDUE}
)
# Who may override: a library admin of the working library, or a consortium admin.
OVERRIDE_ROLE = StaffRole.Role.LIBRARY_ADMIN


def may_override(staff, library: Library) -> bool:
    """A library admin of ``library`` or a consortium admin. One query, only when overriding."""
    if staff is None:
        return False
    if staff.is_superuser:
        return True
    return StaffRole.objects.filter(
        Q(role=StaffRole.Role.CONSORTIUM_ADMIN) | Q(role=OVERRIDE_ROLE, library=library),
        user=staff,
    ).exists()


def check_override(
    exc: type[CirculationRefused],
    refusals: list[Refusal],
    *,
    override_reason: str | None,
    staff,
    library: Library,
) -> None:
    """Raise unless there is nothing to refuse or every refusal is overridden with a reason."""
    if not refusals:
        return
    error = exc(refusals)
    if not override_reason or not override_reason.strip() or not error.overridable:
        raise error
    if not may_override(staff, library):
        raise exc(
            [
                Refusal(
                    OVERRIDE_NOT_ALLOWED,
                    _("Only a library admin may override: %(message)s")
                    % {"message": refusals[0].message},
                ),
                *refusals,
            ]
        )


def log_overrides(
    refusals: list[Refusal], *, action: str, loan: Loan, staff, library: Library, now, reason: str
) -> None:
    OverrideLog.objects.bulk_create(
        OverrideLog(
            at=now,
            staff=staff,
            library=library,
            action=action,
            refusal=r.reason,
            reason=reason.strip()[:200],
            loan=loan,
        )
        for r in refusals
    )


def patron_refusals(verdict: patron_rules.Verdict) -> list[Refusal]:
    return [
        Refusal(b.reason, b.message, overridable=b.reason in OVERRIDABLE_PATRON_BLOCKS)
        for b in verdict.blocks
    ]
