"""PURE: may this patron borrow, renew or place holds — and if not, why.

Circulation builds the facts (debt, how long the oldest loan is overdue) and passes them in as
values; this module imports no models, reads no settings and never asks the clock.

Which blocks stop what (docs/patrons.md says the same in a librarian's words):

| block            | borrow | renew | place holds |
|------------------|--------|-------|-------------|
| card expired     | yes    | yes   | yes         |
| card lost/ended  | yes    | no    | no          |
| manual block     | yes    | yes   | yes         |
| debt over limit  | yes    | yes   | yes         |
| overdue too long | yes    | no    | yes         |
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from libraries.formats import format_money

CARD_EXPIRED = "card_expired"
CARD_NOT_ACTIVE = "card_not_active"
MANUAL_BLOCK = "manual_block"
DEBT = "debt_over_limit"
OVERDUE = "overdue"
ANONYMIZED = "anonymized"

_BORROW = frozenset({CARD_EXPIRED, CARD_NOT_ACTIVE, MANUAL_BLOCK, DEBT, OVERDUE, ANONYMIZED})
_RENEW = frozenset({CARD_EXPIRED, MANUAL_BLOCK, DEBT, ANONYMIZED})
_HOLDS = frozenset({CARD_EXPIRED, MANUAL_BLOCK, DEBT, OVERDUE, ANONYMIZED})


@dataclass(frozen=True)
class PatronFacts:
    expiry_date: date
    card_status: str = "active"  # the card in use: active / lost / replaced
    manual_blocks: tuple[str, ...] = ()  # reasons of the open manual blocks
    debt: Decimal = Decimal("0")
    max_debt: Decimal = Decimal("100")
    oldest_overdue_days: int = 0  # days the most overdue open loan is past due (0 = none)
    overdue_block_days: int = 30
    anonymized: bool = False


@dataclass(frozen=True)
class Block:
    reason: str
    message: str  # lazy translation; render with str()

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True)
class Verdict:
    """Yes, or the reasons why not."""

    blocks: tuple[Block, ...] = field(default_factory=tuple)

    @property
    def allowed(self) -> bool:
        return not self.blocks

    def __bool__(self) -> bool:
        return self.allowed

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(block.reason for block in self.blocks)


class PatronBlocked(Exception):
    """Raised by callers that refuse an action because of a Verdict."""

    def __init__(self, verdict: Verdict) -> None:
        self.verdict = verdict
        self.reason = verdict.blocks[0].reason if verdict.blocks else ""
        self.message = verdict.blocks[0].message if verdict.blocks else ""
        super().__init__("; ".join(str(b.message) for b in verdict.blocks))


def borrowing_blocks(facts: PatronFacts, today: date) -> list[Block]:
    """Every block that applies to the patron today, manual ones first."""
    blocks: list[Block] = []
    if facts.anonymized:
        blocks.append(Block(ANONYMIZED, _("The patron record has been anonymized.")))
    for reason in facts.manual_blocks:
        blocks.append(
            Block(MANUAL_BLOCK, _("Blocked by the library: %(reason)s") % {"reason": reason})
        )
    if facts.expiry_date < today:
        blocks.append(
            Block(
                CARD_EXPIRED,
                _("The library card expired on %(date)s.")
                % {"date": facts.expiry_date.isoformat()},
            )
        )
    if facts.card_status != "active":
        blocks.append(Block(CARD_NOT_ACTIVE, _("The library card is reported lost or replaced.")))
    if facts.debt > facts.max_debt:
        blocks.append(
            Block(
                DEBT,
                _("Debt of %(debt)s is over the limit of %(limit)s.")
                % {"debt": format_money(facts.debt), "limit": format_money(facts.max_debt)},
            )
        )
    if facts.oldest_overdue_days > facts.overdue_block_days:
        blocks.append(
            Block(
                OVERDUE,
                _("A loan is %(days)d days overdue (limit %(limit)d days).")
                % {"days": facts.oldest_overdue_days, "limit": facts.overdue_block_days},
            )
        )
    return blocks


def _verdict(facts: PatronFacts, today: date, applies: frozenset[str]) -> Verdict:
    return Verdict(tuple(b for b in borrowing_blocks(facts, today) if b.reason in applies))


def may_borrow(facts: PatronFacts, today: date) -> Verdict:
    return _verdict(facts, today, _BORROW)


def may_renew(facts: PatronFacts, today: date) -> Verdict:
    return _verdict(facts, today, _RENEW)


def may_place_holds(facts: PatronFacts, today: date) -> Verdict:
    return _verdict(facts, today, _HOLDS)


def masked_identity(*, card_number: str, first_name: str, last_name: str) -> str:
    """How the desk names a patron where others may see it (the hold shelf, an item on loan to
    someone else): the card's last four digits and the initials, e.g. "0014 S.L.". Enough to
    match a patron who stands at the desk with their card, not enough to identify them."""
    number = "".join((card_number or "").split())
    initials = ".".join(part[:1].upper() for part in (first_name, last_name) if part.strip())
    return " ".join(p for p in (number[-4:], f"{initials}." if initials else "") if p)
