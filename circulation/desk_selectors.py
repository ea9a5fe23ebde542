"""Reads for the desk and OPAC pages of circulation: the patron summary at checkout, a patron's
account, the receipt, the rule editor's matrix and cells, and the rule tester.

Each function costs a fixed number of queries whatever the number of loans, fees or rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import Item, ItemType
from circulation import config_cache, rules, selectors
from circulation.holds import selectors as hold_selectors
from circulation.holds.models import Hold
from circulation.models import Fee, Loan, LoanRule, LoanRuleChange
from libraries.models import ConsortiumSettings, Library
from patrons import rules as patron_rules
from patrons import selectors as patron_selectors
from patrons.models import Patron, PatronCategory

# --- The patron at the desk ----------------------------------------------------------------


@dataclass(frozen=True)
class PatronSummary:
    """What the desk sees after scanning a card: who, blocks with reasons, debt, loans."""

    patron: Patron
    facts: selectors.PatronCirculationFacts
    blocks: tuple[patron_rules.Block, ...]

    @property
    def may_borrow(self) -> bool:
        return not self.blocks


@dataclass(frozen=True)
class CheckoutAlert:
    """What the desk must not miss when a patron is loaded at checkout: holds ready here (with
    the shelf mark they are shelved under) and elsewhere, debt, overdue loans, blocks, notes."""

    ready_here: list[Hold]
    ready_elsewhere: list[Hold]
    summary: PatronSummary

    @property
    def any(self) -> bool:
        facts, patron = self.summary.facts, self.summary.patron
        return bool(
            self.ready_here
            or self.ready_elsewhere
            or facts.debt
            or facts.overdue_loans
            or self.summary.blocks
            or patron.staff_note
        )


def checkout_alert(summary: PatronSummary, *, library: Library) -> CheckoutAlert:
    """The alert for the loaded patron at ``library``. One query (the ready holds)."""
    ready = hold_selectors.ready_for_patron(summary.patron.pk)
    return CheckoutAlert(
        ready_here=[h for h in ready if h.pickup_library_id == library.pk],
        ready_elsewhere=[h for h in ready if h.pickup_library_id != library.pk],
        summary=summary,
    )


def patron_summary(patron_id: int, *, now: datetime) -> PatronSummary | None:
    """The patron (with open manual blocks), circulation facts, borrowing verdict. Three queries."""
    patron = patron_selectors.patron_detail(patron_id)
    if patron is None or patron.anonymized_at is not None:
        return None
    facts = selectors.patron_facts(patron, now=now)
    verdict = patron_rules.may_borrow(
        patron_selectors.build_facts(
            patron=patron,
            debt=facts.debt,
            oldest_overdue_days=facts.oldest_overdue_days,
            consortium=ConsortiumSettings.load(),
        ),
        timezone.localdate(now),
    )
    return PatronSummary(patron=patron, facts=facts, blocks=verdict.blocks)


@dataclass(frozen=True)
class PatronAccount:
    """A patron's open loans, fees, (only if they opted in) loan history and, for staff, the
    active holds."""

    loans: list[Loan]
    fees: list[Fee]
    history: list[Loan] | None  # None: the patron keeps no loan history
    now: datetime
    holds: list[Hold] | None = None  # None: not asked for (the OPAC shows holds on their own page)

    @property
    def today(self) -> date:
        return timezone.localdate(self.now)

    @property
    def debt(self) -> Decimal:
        return sum((f.amount for f in self.fees if f.is_open), Decimal("0.00"))

    @property
    def overdue_count(self) -> int:
        return sum(1 for loan in self.loans if loan.due_at < self.now)


HISTORY_LIMIT = 200


def patron_account(patron: Patron, *, now: datetime, with_holds: bool = False) -> PatronAccount:
    """Loans, fees and history of ``patron`` only. Two queries, three with a history, one more
    with the active holds (with queue positions)."""
    history = None
    if patron.keeps_loan_history:
        history = list(selectors.loan_history(patron)[:HISTORY_LIMIT])
    loans = list(selectors.loans_of_patron(patron, open_only=True))
    config = config_cache.config()  # this process's copy of the lending rules: no query
    for loan in loans:
        loan.overdue = loan.due_at < now
        # At the renewal limit the Renew button goes (staff with the override role still see
        # it on the patron page, to override with a reason).
        loan.renewal_limit = config.effective(
            library_id=loan.rules_library_id,
            category_id=patron.category_id,
            item_type_id=loan.item.item_type_id,
        ).max_renewals
        loan.at_renewal_limit = loan.renewals >= loan.renewal_limit
    return PatronAccount(
        loans=loans,
        fees=list(selectors.fees_of_patron(patron)),
        history=history,
        now=now,
        holds=list(hold_selectors.holds_of_patron(patron)) if with_holds else None,
    )


def patron_fees(patron: Patron) -> tuple[list[Fee], Decimal]:
    """The patron's fees, newest first, and the unpaid total. One query."""
    fees = list(selectors.fees_of_patron(patron))
    return fees, sum((f.amount for f in fees if f.is_open), Decimal("0.00"))


def receipt(*, patron_id: int, loan_ids: list[int]) -> tuple[Patron | None, list[Loan]]:
    """The patron's name and the loans just made, for the checkout receipt. Two queries."""
    patron = Patron.objects.current().only("first_name", "last_name").filter(pk=patron_id).first()
    if patron is None:
        return None, []
    loans = (
        Loan.objects.filter(patron_id=patron_id, pk__in=loan_ids)
        .select_related("item__record", "checkout_library")
        .order_by("due_at", "pk")
    )
    return patron, list(loans)


# --- The rule editor -----------------------------------------------------------------------


def describe_key(
    key: tuple[int | None, int | None, int | None],
    *,
    libraries: dict[int, Library],
    categories: dict[int, PatronCategory],
    item_types: dict[int, ItemType],
) -> str:
    """'Storfors bibliotek: Vuxen × DVD' or 'Common: any category × any item type'."""
    library_id, category_id, item_type_id = key
    scope = libraries[library_id].name if library_id else str(_("Common rules"))
    category = categories[category_id].name if category_id else str(_("any category"))
    item_type = item_types[item_type_id].name if item_type_id else str(_("any item type"))
    return f"{scope}: {category} × {item_type}"


@dataclass(frozen=True)
class FieldValue:
    """One field of a cell: its effective value and where it came from."""

    field: str
    label: str
    value: object
    local: bool  # from the library's own rules (else the common rules)
    here: bool  # defined by the rule of exactly this cell and scope
    source: str  # a description of the rule it came from
    step: int | None = None  # the precedence step (1-8) when category and type are concrete


@dataclass(frozen=True)
class Cell:
    category: PatronCategory | None  # None = any category
    item_type: ItemType | None  # None = any item type
    fields: tuple[FieldValue, ...]

    @property
    def has_own_rule(self) -> bool:
        return any(f.here for f in self.fields)

    def get(self, field: str) -> FieldValue:
        return next(f for f in self.fields if f.field == field)


@dataclass(frozen=True)
class RuleMatrix:
    library: Library | None  # None = the common rules
    item_types: list[ItemType | None]
    rows: list[tuple[PatronCategory | None, list[Cell]]]


class _RuleContext:
    """Everything needed to resolve rules for one scope, loaded once (three or four queries)."""

    def __init__(self, library: Library | None) -> None:
        self.library = library
        self.library_id = library.pk if library else None
        self.rule_rows = [
            r.as_row() for r in LoanRule.objects.filter(Q(library=library) | Q(library=None))
        ]
        self.categories = list(PatronCategory.objects.order_by("code"))
        self.item_types = list(ItemType.objects.filter(not_for_loan=False).order_by("code"))
        self.libraries = {library.pk: library} if library else {}
        self.by_category = {c.pk: c for c in self.categories}
        self.by_type = {t.pk: t for t in self.item_types}

    def key_of(self, rule_id: int | None) -> tuple[int | None, int | None, int | None]:
        return next(r.key for r in self.rule_rows if r.rule_id == rule_id)

    def describe(self, key) -> str:
        missing_type = key[2] is not None and key[2] not in self.by_type
        if missing_type:  # a rule for a reference-only type still names it
            self.by_type.update({t.pk: t for t in ItemType.objects.filter(pk=key[2])})
        return describe_key(
            key, libraries=self.libraries, categories=self.by_category, item_types=self.by_type
        )

    def cell(self, category: PatronCategory | None, item_type: ItemType | None) -> Cell:
        category_id = category.pk if category else None
        item_type_id = item_type.pk if item_type else None
        here = (self.library_id, category_id, item_type_id)
        effective = rules.resolve(
            self.rule_rows,
            library_id=self.library_id,
            category_id=category_id,
            item_type_id=item_type_id,
        )
        concrete = category is not None and item_type is not None
        fields = []
        for name in rules.RULE_FIELDS:
            source = effective.sources[name]
            key = self.key_of(source.rule_id)
            fields.append(
                FieldValue(
                    field=name,
                    label=str(rules.FIELD_LABELS[name]),
                    value=effective.value(name),
                    local=key[0] is not None,
                    here=key == here,
                    source=self.describe(key),
                    step=source.step.number if concrete else None,
                )
            )
        return Cell(category=category, item_type=item_type, fields=tuple(fields))

    def own_values(self, category_id: int | None, item_type_id: int | None) -> dict[str, object]:
        here = (self.library_id, category_id, item_type_id)
        row = next((r for r in self.rule_rows if r.key == here), None)
        return dict(row.values) if row else dict.fromkeys(rules.RULE_FIELDS)

    def inherited(self, category_id: int | None, item_type_id: int | None) -> dict[str, object]:
        """What each field would be if this cell's own rule defined nothing (the placeholders)."""
        here = (self.library_id, category_id, item_type_id)
        others = [r for r in self.rule_rows if r.key != here]
        result = dict.fromkeys(rules.RULE_FIELDS)
        try:
            effective = rules.resolve(
                others,
                library_id=self.library_id,
                category_id=category_id,
                item_type_id=item_type_id,
            )
        except rules.RulesIncomplete:  # the common any/any cell inherits from nothing
            return result
        return {name: effective.value(name) for name in rules.RULE_FIELDS}


def rule_matrix(*, library: Library | None) -> RuleMatrix:
    """Patron categories (and "any") × item types (and "any") with each field's effective value
    and source, for one library or for the common rules. Three queries."""
    context = _RuleContext(library)
    columns: list[ItemType | None] = [None, *context.item_types]
    rows = [
        (category, [context.cell(category, item_type) for item_type in columns])
        for category in [None, *context.categories]
    ]
    return RuleMatrix(library=library, item_types=columns, rows=rows)


@dataclass(frozen=True)
class RuleCell:
    """One cell of the editor: effective values, this scope's own values, what they fall back to."""

    library: Library | None
    category: PatronCategory | None
    item_type: ItemType | None
    cell: Cell
    own: dict[str, object]
    inherited: dict[str, object]
    changes: list[LoanRuleChange]


def rule_cell(
    *, library: Library | None, category: PatronCategory | None, item_type: ItemType | None
) -> RuleCell:
    """A cell with its own values, fallbacks and its change log. Four queries."""
    context = _RuleContext(library)
    category_id = category.pk if category else None
    item_type_id = item_type.pk if item_type else None
    changes = list(
        LoanRuleChange.objects.filter(
            library=library, patron_category=category, item_type=item_type
        ).select_related("changed_by")[:50]
    )
    return RuleCell(
        library=library,
        category=category,
        item_type=item_type,
        cell=context.cell(category, item_type),
        own=context.own_values(category_id, item_type_id),
        inherited=context.inherited(category_id, item_type_id),
        changes=changes,
    )


def rule_changes(*, library: Library | None, limit: int = 200) -> list[LoanRuleChange]:
    """The latest rule changes of one scope (a library, or the common rules). One query."""
    return list(
        LoanRuleChange.objects.filter(library=library)
        .select_related("changed_by", "library", "patron_category", "item_type")
        .order_by("-changed_at", "-id")[:limit]
    )


# --- The rule tester -----------------------------------------------------------------------


@dataclass(frozen=True)
class TesterAnswer:
    """The rule tester's answer: whose rules, for which category and type, field by field."""

    library: Library
    category: PatronCategory
    item_type: ItemType
    fields: tuple[FieldValue, ...]
    patron: Patron | None = None
    item: Item | None = None


def effective_for(
    *, library: Library, category: PatronCategory, item_type: ItemType
) -> TesterAnswer:
    """The effective rule for (library, category, item type), each field with its source."""
    context = _RuleContext(library)
    context.by_type.setdefault(item_type.pk, item_type)
    cell = context.cell(category, item_type)
    return TesterAnswer(library=library, category=category, item_type=item_type, fields=cell.fields)


class TesterLookupError(Exception):
    def __init__(self, message) -> None:
        super().__init__(str(message))
        self.message = message


def effective_for_checkout(
    *, card_number: str, barcode: str, loan_library: Library
) -> TesterAnswer:
    """The rule a checkout of ``barcode`` to the card's patron at ``loan_library`` would use
    (which library's rules: the consortium setting)."""
    patron = patron_selectors.patron_by_card(card_number)
    if patron is None:
        raise TesterLookupError(_("No patron has an active library card with this number."))
    barcode = "".join((barcode or "").split())
    item = (
        Item.objects.select_related("item_type", "home_library", "record")
        .filter(barcode=barcode)
        .first()
    )
    if item is None:
        raise TesterLookupError(_("No item has this barcode."))
    chosen = rules.rules_library_id(
        ConsortiumSettings.load().rules_library,
        loan_library_id=loan_library.pk,
        item_home_library_id=item.home_library_id,
        patron_home_library_id=patron.home_library_id,
    )
    library = next(
        lib for lib in (loan_library, item.home_library, patron.home_library) if lib.pk == chosen
    )
    tested = effective_for(library=library, category=patron.category, item_type=item.item_type)
    return TesterAnswer(
        library=tested.library,
        category=tested.category,
        item_type=tested.item_type,
        fields=tested.fields,
        patron=patron,
        item=item,
    )


# --- The desk start page ----------------------------------------------------------------------


def loans_made_since(*, library: Library, since: datetime) -> int:
    """Loans checked out at ``library`` from ``since`` on (returned ones too). One query."""
    return Loan.objects.filter(checkout_library=library, checked_out_at__gte=since).count()


@dataclass(frozen=True)
class HoldWork:
    to_pick: int  # copies on the library's pick list (hämtlista)
    on_shelf: int  # copies waiting on the library's hold shelf


def hold_work(*, library: Library) -> HoldWork:
    """Pick list and hold shelf sizes of ``library``, with their pages' filters. One query."""
    pick = Q(
        target_library=library,
        state=Hold.State.WAITING,
        target_item__status=Item.Status.AVAILABLE,
    )
    shelf = Q(pickup_library=library, state=Hold.State.ON_HOLD_SHELF)
    counts = Hold.objects.filter(pick | shelf).aggregate(
        to_pick=Count("id", filter=pick), on_shelf=Count("id", filter=shelf)
    )
    return HoldWork(to_pick=counts["to_pick"], on_shelf=counts["on_shelf"])
