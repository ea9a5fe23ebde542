"""The item lists of a patron information answer (64): holds ready, overdue and charged items,
fees and holds not yet ready. Three queries, whatever the numbers (the desk's selectors)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from circulation import selectors
from circulation.holds import selectors as hold_selectors
from circulation.holds.models import Hold
from circulation.models import Fee, Loan
from patrons.models import Patron
from sip2 import protocol


@dataclass(frozen=True)
class PatronLists:
    loans: list[Loan] = field(default_factory=list)
    holds: list[Hold] = field(default_factory=list)
    fees: list[Fee] = field(default_factory=list)

    @property
    def hold_items(self) -> list[Hold]:
        return [h for h in self.holds if h.state == Hold.State.ON_HOLD_SHELF]

    @property
    def unavailable_holds(self) -> list[Hold]:
        return [h for h in self.holds if h.state != Hold.State.ON_HOLD_SHELF]

    @property
    def fine_items(self) -> list[Fee]:
        return self.fees

    def field(self, field_id: str, *, now: datetime) -> list[str]:
        """The values of one list field (AS, AT, AU, AV, BU, CD)."""
        if field_id == "AS":
            return [h.item.barcode if h.item else h.record.title for h in self.hold_items]
        if field_id == "AT":
            return [loan.item.barcode for loan in self.loans if loan.due_at < now]
        if field_id == "AU":
            return [loan.item.barcode for loan in self.loans]
        if field_id == "AV":
            # "<fee id> <amount> <description>": the id is what fee paid (37) names in CG.
            return [
                f"{fee.pk} {protocol.amount(fee.amount)} SEK "
                f"{fee.description or fee.get_kind_display()}"
                for fee in self.fees
            ]
        if field_id == "CD":
            return [h.record.title for h in self.unavailable_holds]
        return []


EMPTY = PatronLists()


def for_patron(patron: Patron, *, now: datetime) -> PatronLists:
    return PatronLists(
        loans=list(selectors.loans_of_patron(patron, open_only=True)),
        holds=list(hold_selectors.holds_of_patron(patron)),
        fees=list(selectors.fees_of_patron(patron, open_only=True)),
    )
