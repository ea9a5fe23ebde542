"""The reference data every desk operation reads, kept per process (``libraries.snapshots``).

A checkout resolves the lending rules, computes the due date over the rules library's calendar,
and reads the consortium settings, the item type and the patron category; a check-in asks the
rules whether a waiting hold may take the copy. These tables change a few times a year, so
each thread keeps a copy, checked against a version key in Redis (one GET, no SQL). Every
save or delete of these models invalidates it after commit (``circulation.apps``).

Model instances handed out are copies: callers may attach them to other rows without sharing
one object between threads.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from circulation import rules
from libraries import calendar as cal
from libraries.snapshots import VersionedSnapshot

VERSION_KEY = "circulation:config-version"
RuleKey = tuple[int | None, int | None, int | None]


@dataclass(frozen=True)
class Config:
    consortium_settings: object  # libraries.models.ConsortiumSettings
    rules_by_key: Mapping[RuleKey, rules.RuleRow]
    libraries_by_id: Mapping[int, object]  # libraries.models.Library
    calendars: Mapping[int, cal.Calendar]  # library id -> calendar with all its exceptions
    item_types: Mapping[int, object]  # catalog.models.ItemType
    categories: Mapping[int, object]  # patrons.models.PatronCategory

    @property
    def consortium(self):
        return copy.copy(self.consortium_settings)

    def library(self, library_id: int):
        return copy.copy(self.libraries_by_id[library_id])

    def item_type(self, item_type_id: int):
        return copy.copy(self.item_types[item_type_id])

    def category(self, category_id: int):
        return copy.copy(self.categories[category_id])

    def calendar(self, library_id: int) -> cal.Calendar:
        return self.calendars[library_id]

    def rule_rows(
        self, *, library_id: int | None, category_id: int | None, item_type_id: int | None
    ) -> list[rules.RuleRow]:
        """The (at most eight) stored rules that take part in resolving this combination."""
        keys = {key for _step, key in rules.precedence(library_id, category_id, item_type_id)}
        return [self.rules_by_key[key] for key in keys if key in self.rules_by_key]

    def effective(
        self, *, library_id: int | None, category_id: int | None, item_type_id: int | None
    ) -> rules.EffectiveRule:
        return rules.resolve(
            self.rule_rows(
                library_id=library_id, category_id=category_id, item_type_id=item_type_id
            ),
            library_id=library_id,
            category_id=category_id,
            item_type_id=item_type_id,
        )


def _build(_day: date) -> Config:
    from catalog.models import ItemType
    from circulation.models import LoanRule
    from libraries.models import CalendarException, ConsortiumSettings, Library
    from patrons.models import PatronCategory

    libraries = {lib.pk: lib for lib in Library.objects.all()}
    exceptions: dict[int, dict[date, bool]] = {pk: {} for pk in libraries}
    # Every exception, past ones too (overdue fines count the open days since a due date);
    # a library has a few dozen a year.
    for library_id, on, is_open in CalendarException.objects.values_list(
        "library_id", "date", "is_open"
    ):
        exceptions[library_id][on] = is_open
    return Config(
        consortium_settings=ConsortiumSettings.load(),
        rules_by_key=MappingProxyType({rule.key: rule for rule in _rule_rows(LoanRule)}),
        libraries_by_id=MappingProxyType(libraries),
        calendars=MappingProxyType(
            {pk: lib.calendar(exceptions[pk]) for pk, lib in libraries.items()}
        ),
        item_types=MappingProxyType({t.pk: t for t in ItemType.objects.all()}),
        categories=MappingProxyType({c.pk: c for c in PatronCategory.objects.all()}),
    )


def _rule_rows(model) -> list[rules.RuleRow]:
    return [rule.as_row() for rule in model.objects.all()]


_snapshot: VersionedSnapshot[Config] = VersionedSnapshot(VERSION_KEY, _build)


def config() -> Config:
    """The circulation reference data, from this thread's copy while it is current."""
    return _snapshot.get(date.min)


def connect() -> None:
    from catalog.models import ItemType
    from circulation.models import LoanRule
    from libraries.models import CalendarException, ConsortiumSettings, Library
    from patrons.models import PatronCategory

    _snapshot.connect(
        LoanRule,
        ConsortiumSettings,
        CalendarException,
        Library,
        ItemType,
        PatronCategory,
        uid="circulation-config",
    )


invalidate = _snapshot.invalidate
bump = _snapshot.bump
reset = _snapshot.reset
