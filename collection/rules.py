"""PURE: the weeding plan's rules — criteria (common defaults + local override), which copies
are candidates, which copies count for last-copy protection, where a title's storage is, and
which decisions an execution may carry out. No database, time passed in (docs/collection.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime

# --- criteria -------------------------------------------------------------------------------

CRITERIA_FIELDS = ("not_borrowed_years", "max_loan_count", "older_than_years")


@dataclass(frozen=True)
class Criteria:
    """Every given threshold must hold for a copy to be proposed (None: not a condition).

    not_borrowed_years  no loan for this many years (never-borrowed copies: counted from
                        acquisition, or from cataloguing when no acquisition date is known)
    max_loan_count      fewer loans than this in the copy's life
    older_than_years    acquired (or catalogued) more than this many years ago
    """

    not_borrowed_years: int | None = None
    max_loan_count: int | None = None
    older_than_years: int | None = None

    @property
    def empty(self) -> bool:
        return all(getattr(self, name) is None for name in CRITERIA_FIELDS)


COMMON_DEFAULT = Criteria(not_borrowed_years=3, max_loan_count=None, older_than_years=None)


def effective_criteria(common: Criteria, local: Criteria | None) -> tuple[Criteria, dict[str, str]]:
    """The criteria a library weeds by: each local value overrides the common one. The second
    value says per field where it came from ("local" or "common")."""
    out, source = common, dict.fromkeys(CRITERIA_FIELDS, "common")
    if local is not None:
        for name in CRITERIA_FIELDS:
            value = getattr(local, name)
            if value is not None:
                out = replace(out, **{name: value})
                source[name] = "local"
    return out, source


@dataclass(frozen=True)
class CopyFacts:
    """What the candidate test needs of one copy."""

    last_borrowed_at: datetime | None
    loan_count: int
    acquired_on: date | None
    catalogued_on: date
    condition: str = "good"


def _years_before(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def reasons(copy: CopyFacts, criteria: Criteria, today: date, *, conditions=()) -> list[str]:
    """Why ``copy`` is proposed for weeding ([] = it is not). With ``conditions`` (e.g.
    {"worn", "damaged"}) a copy in one of those conditions is proposed whatever its use."""
    out: list[str] = []
    if conditions and copy.condition in conditions:
        return ["condition"]
    if criteria.empty:
        return []
    since = copy.acquired_on or copy.catalogued_on
    if criteria.not_borrowed_years is not None:
        limit = _years_before(today, criteria.not_borrowed_years)
        last = copy.last_borrowed_at.date() if copy.last_borrowed_at else since
        if last > limit:
            return []
        out.append("not_borrowed")
    if criteria.max_loan_count is not None:
        if copy.loan_count >= criteria.max_loan_count:
            return []
        out.append("few_loans")
    if criteria.older_than_years is not None:
        if since > _years_before(today, criteria.older_than_years):
            return []
        out.append("old")
    return out


# --- last-copy protection -------------------------------------------------------------------

# A copy counts for last-copy protection while it is part of the collection: on the shelf, on
# loan, in transit, on the hold shelf, or in storage. Withdrawn, lost and missing copies do not
# (nobody can lend them). There are no copies "on order" (no acquisitions module).
COUNTING = {"available", "on_loan", "in_transit", "on_hold_shelf", "in_storage"}
STORAGE_SHELF = "Magasin"


@dataclass(frozen=True)
class Holding:
    """One copy of a title, for the last-copy test."""

    item_id: int
    library: str  # home library code
    status: str
    in_storage: bool  # in a storage library's stacks (or status in_storage)


@dataclass(frozen=True)
class CopyCount:
    others: int  # other counting copies of the title in the consortium
    others_outside_storage: int
    by_library: dict[str, int] = field(default_factory=dict)  # other counting copies per library
    in_storage: int = 0

    @property
    def last_copy(self) -> bool:
        return self.others == 0

    @property
    def last_outside_storage(self) -> bool:
        """No other copy patrons can find on an open shelf (in storage ones may remain)."""
        return self.others_outside_storage == 0

    @property
    def protected(self) -> bool:
        return self.last_copy or self.last_outside_storage


def count_copies(
    item_id: int, holdings: list[Holding], *, leaving: set[int] = frozenset()
) -> CopyCount:
    """The title's other copies that count, leaving out ``item_id`` and the ``leaving`` copies
    (others weeded in the same execution)."""
    others = [
        h
        for h in holdings
        if h.item_id != item_id and h.item_id not in leaving and h.status in COUNTING
    ]
    by_library: dict[str, int] = {}
    for h in others:
        by_library[h.library] = by_library.get(h.library, 0) + 1
    in_storage = sum(1 for h in others if h.in_storage)
    return CopyCount(
        others=len(others),
        others_outside_storage=len(others) - in_storage,
        by_library=dict(sorted(by_library.items())),
        in_storage=in_storage,
    )


# --- decisions and their execution ----------------------------------------------------------

KEEP, WEED, STORAGE, TRANSFER, UNDECIDED = "keep", "weed", "storage", "transfer", "undecided"


@dataclass(frozen=True)
class Decision:
    item_id: int
    record_id: int
    decision: str
    override_reason: str = ""


def refused_weeds(
    decisions: list[Decision], holdings_by_record: dict[int, list[Holding]]
) -> dict[int, str]:
    """Weed decisions an execution must not carry out, with the reason code: every copy to be
    weeded whose title would keep no counting copy outside storage once all of this execution's
    weeds are done, unless the decision carries an override reason. (Set-based: two copies of
    one title weeded together are judged together.)"""
    weeding_by_record: dict[int, set[int]] = {}
    for d in decisions:
        if d.decision == WEED:
            weeding_by_record.setdefault(d.record_id, set()).add(d.item_id)
    refused: dict[int, str] = {}
    for d in decisions:
        if d.decision != WEED or d.override_reason.strip():
            continue
        leaving = weeding_by_record[d.record_id]
        count = count_copies(d.item_id, holdings_by_record.get(d.record_id, []), leaving=leaving)
        if count.last_copy:
            refused[d.item_id] = "last_copy"
        elif count.last_outside_storage:
            refused[d.item_id] = "last_outside_storage"
    return refused


# --- storage --------------------------------------------------------------------------------


@dataclass(frozen=True)
class StorageRule:
    library: str  # the storage library's code
    media_type: str = ""  # "" = every media type
    classification_prefix: str = ""  # SAB (or Dewey) prefix; "" = every subject


def storage_library(
    rules: list[StorageRule], *, media_type: str, classification: str
) -> str | None:
    """The designated storage library of a title: the most specific matching rule (media type
    and the longest classification prefix win)."""
    best, best_key = None, (-1, -1)
    for rule in rules:
        if rule.media_type and rule.media_type != media_type:
            continue
        prefix = rule.classification_prefix.strip()
        if prefix and not classification.lower().startswith(prefix.lower()):
            continue
        key = (1 if rule.media_type else 0, len(prefix))
        if key > best_key:
            best, best_key = rule.library, key
    return best


def criteria_from(obj) -> Criteria:
    """Criteria from anything with the three attributes (a model row)."""
    return Criteria(**{f.name: getattr(obj, f.name) for f in fields(Criteria)})
