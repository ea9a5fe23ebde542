"""Renewals: one loan (staff may override a refusal) or all of a patron's loans at once.

Locking: renew() locks the loan only (it touches no item or patron row); renew_all() locks the
patron's open loans in one statement, by loan id. Both run a fixed number of statements
whatever the number of loans (the lending rules and calendars come from this process's copy,
``circulation.config_cache``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from catalog.models import Item, Record
from circulation import config_cache, duedates, rules, selectors
from circulation.holds import selectors as hold_selectors
from circulation.holds.models import Hold
from circulation.models import Loan, OverrideLog
from circulation.refusals import (
    ITEM_LOST,
    MAX_RENEWALS,
    NOT_ON_LOAN,
    OTHERS_WAITING,
    TOO_SOON,
    CirculationRefused,
    Refusal,
    RenewalRefused,
    check_override,
    log_overrides,
    patron_refusals,
    refuse,
)
from circulation.rows import fetch_instance, partial_instance
from circulation.services import tz_of, with_block_reasons
from events import services as events
from events.models import Kind
from libraries.models import ConsortiumSettings, Library
from patrons import rules as patron_rules
from patrons.models import Patron
from patrons.selectors import build_facts

# renew() renews one loan (staff may override a refusal); renew_all() renews all of a patron's
# loans set-based. Both decide with the same three functions below, so they cannot drift:
# _patron_renewal_refusals (the patron may renew at all), _renewed_due_at (the new due date)
# and _renewal_refusals (this loan may be renewed, the new due date given: a renewal that
# would not move the due day is refused as too soon).


def _patron_renewal_refusals(
    patron: Patron,
    *,
    facts: selectors.PatronCirculationFacts,
    consortium: ConsortiumSettings,
    today,
) -> list[Refusal]:
    """Why the patron may not renew anything today (blocks, debt, overdue loans, expiry)."""
    verdict = patron_rules.may_renew(
        build_facts(
            patron=patron,
            debt=facts.debt,
            oldest_overdue_days=facts.oldest_overdue_days,
            consortium=consortium,
        ),
        today,
    )
    return patron_refusals(verdict)


def _renewal_refusals(
    loan: Loan,
    *,
    effective: rules.EffectiveRule,
    others_wait: bool,
    patron_refusals: list[Refusal],
    renewed_due: datetime,
) -> list[Refusal]:
    """Why this loan may not be renewed, those staff may not override first; empty: it may.

    No queries: whether others wait for the title, the patron's refusals and the due date a
    renewal would give are passed in.
    """
    refusals = []
    tz = tz_of(loan.rules_library)
    if not duedates.renewal_moves_due(current_due=loan.due_at, renewed_due=renewed_due, tz=tz):
        # Not overridable: overriding would only use up a renewal, the date would not move.
        refusals.append(
            Refusal(
                TOO_SOON,
                _(
                    "It is too early to renew: renewing today would not give more time, the "
                    "loan is already due %(date)s. Try again closer to the due date."
                )
                % {"date": date_format(loan.due_at.astimezone(tz).date())},
            )
        )
    if loan.item.status == Item.Status.LOST:
        refusals.append(Refusal(ITEM_LOST, _("The item is marked lost.")))
    if loan.renewals >= effective.max_renewals:
        refusals.append(
            Refusal(
                MAX_RENEWALS,
                _("The loan has been renewed %(count)d times; the limit is %(limit)d.")
                % {"count": loan.renewals, "limit": effective.max_renewals},
                overridable=True,
            )
        )
    if others_wait and not effective.renew_when_others_wait:
        refusals.append(
            Refusal(OTHERS_WAITING, _("Another patron is waiting for this item."), overridable=True)
        )
    refusals.extend(patron_refusals)
    refusals.sort(key=lambda r: r.overridable)
    return refusals


def _renewed_due_at(loan: Loan, *, effective: rules.EffectiveRule, calendar, now: datetime):
    """The loan period counts from today; renewing early never shortens a loan."""
    new_due = duedates.due_at(
        start=now,
        loan_period_days=effective.loan_period_days,
        calendar=calendar,
        tz=tz_of(loan.rules_library),
    )
    return max(new_due, loan.due_at)


def _renew_in_memory(loan: Loan, *, due_at: datetime, now: datetime) -> None:
    loan.due_at = due_at
    loan.renewals += 1
    loan.last_renewed_at = now


@transaction.atomic
def renew(
    *,
    loan: Loan,
    library: Library,
    staff,
    now: datetime,
    override_reason: str | None = None,
) -> Loan:
    """Renew a loan from today, under the rules of the loan's rules library."""
    config = config_cache.config()
    locked = _lock_loan_to_renew(loan.pk, config, now=now)
    if locked is None or locked.returned_at is not None or locked.patron is None:
        raise refuse(RenewalRefused, NOT_ON_LOAN, _("The item is not on loan any more."))
    patron = locked.patron
    rules_library = locked.rules_library
    today = now.astimezone(tz_of(rules_library)).date()
    consortium = config.consortium
    facts = selectors.patron_facts(patron, now=now)
    effective = config.effective(
        library_id=rules_library.pk,
        category_id=patron.category_id,
        item_type_id=locked.item.item_type_id,
    )
    calendar = config.calendar(rules_library.pk)
    due_at = _renewed_due_at(locked, effective=effective, calendar=calendar, now=now)
    refusals = _renewal_refusals(
        locked,
        effective=effective,
        # Counted by the lock statement (as hold_selectors.items_with_others_waiting counts).
        others_wait=not effective.renew_when_others_wait
        and locked.others_waiting > locked.others_on_shelf,
        patron_refusals=_patron_renewal_refusals(
            patron, facts=facts, consortium=consortium, today=today
        ),
        renewed_due=due_at,
    )
    check_override(
        RenewalRefused, refusals, override_reason=override_reason, staff=staff, library=library
    )
    _renew_in_memory(locked, due_at=due_at, now=now)
    _write_renewal(locked, patron=patron, library=library, now=now)
    if refusals:
        log_overrides(
            refusals,
            action=OverrideLog.Action.RENEWAL,
            loan=locked,
            staff=staff,
            library=library,
            now=now,
            reason=override_reason or "",
        )
    return locked


_RENEWAL_WRITES_SQL = """
WITH renewed AS (
    UPDATE circulation_loan
       SET due_at = %(due_at)s, renewals = %(renewals)s, last_renewed_at = %(now)s
     WHERE id = %(loan)s
), active_patron AS (
    UPDATE patrons_patron SET last_activity_at = %(now)s WHERE id = %(patron)s
)
{event}
"""


def _write_renewal(loan: Loan, *, patron: Patron, library: Library, now: datetime) -> None:
    """The loan's new due date, the patron's activity and the renewal event: one statement
    (three round trips before; docs/performance.md). The loan row is locked."""
    event_sql, event_params = events.insert_statement(
        Kind.RENEWAL, at=now, library_id=library.pk, item_ids=[loan.item_id],
        patron_id=patron.pk, prefixed=True,
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(_RENEWAL_WRITES_SQL.format(event=event_sql), {
            **event_params, "due_at": loan.due_at, "renewals": loan.renewals, "now": now,
            "loan": loan.pk, "patron": patron.pk,
        })  # fmt: skip


# others_waiting / others_on_shelf: whether another patron waits for the title with no other
# copy on a shelf for them, counted as ``hold_selectors.items_with_others_waiting`` counts
# (waiting, not suspended on the rules library's today, title-level or for this copy, someone
# else's; loanable copies of the title on a shelf, this one aside). Counted here, in the lock
# statement, to spare a round trip and the ORM building that query on every renewal.
_LOCK_LOAN_TO_RENEW_SQL = """
SELECT {columns}, i.barcode AS item_barcode, i.item_type_id AS item_type_id,
       i.status AS item_status,
       i.record_id AS item_record_id, r.title AS record_title,
       p.category_id AS patron_category_id, p.expiry_date AS patron_expiry_date,
       p.anonymized_at AS patron_anonymized_at,
       ARRAY(SELECT b.reason FROM patrons_patronblock b
              WHERE b.patron_id = l.patron_id AND b.removed_at IS NULL
              ORDER BY b.created_at DESC) AS open_block_reasons,
       (SELECT count(*) FROM circulation_hold h
         WHERE h.record_id = i.record_id AND h.state = %(waiting)s
           AND (h.suspended_until IS NULL
                OR h.suspended_until < (%(now)s::timestamptz AT TIME ZONE
                       COALESCE(NULLIF(rl.timezone, ''), 'Europe/Stockholm'))::date)
           AND (h.requested_item_id IS NULL OR h.requested_item_id = i.id)
           AND h.patron_id IS DISTINCT FROM l.patron_id) AS others_waiting,
       (SELECT count(*) FROM catalog_item o JOIN catalog_itemtype t ON t.id = o.item_type_id
         WHERE o.record_id = i.record_id AND o.status = %(available)s AND NOT t.not_for_loan
           AND o.id <> i.id) AS others_on_shelf
  FROM circulation_loan l
  JOIN catalog_item i ON i.id = l.item_id
  JOIN catalog_record r ON r.id = i.record_id
  JOIN libraries_library rl ON rl.id = l.rules_library_id
  LEFT JOIN patrons_patron p ON p.id = l.patron_id
 WHERE l.id = %(loan)s
   FOR UPDATE OF l
"""


_LOCK_LOAN_TO_RENEW_EXTRA = (
    "item_barcode", "item_type_id", "item_status", "item_record_id", "record_title",
    "patron_category_id", "patron_expiry_date", "patron_anonymized_at", "open_block_reasons",
    "others_waiting", "others_on_shelf",
)  # fmt: skip


def _lock_loan_to_renew(loan_id: int, config: config_cache.Config, *, now: datetime) -> Loan | None:
    """Lock the loan (SQL, as the desk's other locks) with what deciding a renewal and
    answering it read: the patron's category, expiry, anonymization and open blocks, the item's
    barcode, type and title (deferred instances), whether others wait for the title, the
    libraries from this process's copy."""
    params = {
        "loan": loan_id, "now": now, "waiting": Hold.State.WAITING,
        "available": Item.Status.AVAILABLE,
    }  # fmt: skip
    loan = fetch_instance(
        Loan, _LOCK_LOAN_TO_RENEW_SQL, params, alias="l", extra=_LOCK_LOAN_TO_RENEW_EXTRA
    )
    if loan is None:
        return None
    if loan.patron_id is not None:
        patron = partial_instance(
            Patron,
            id=loan.patron_id,
            category_id=loan.patron_category_id,
            expiry_date=loan.patron_expiry_date,
            anonymized_at=loan.patron_anonymized_at,
        )
        patron.open_block_reasons = loan.open_block_reasons
        loan.patron = patron
    item = partial_instance(
        Item,
        id=loan.item_id,
        barcode=loan.item_barcode,
        status=loan.item_status,
        item_type_id=loan.item_type_id,
        record_id=loan.item_record_id,
    )
    item.record = partial_instance(Record, id=item.record_id, title=loan.record_title)
    item.item_type = config.item_type(item.item_type_id)
    loan.item = item
    loan.rules_library = config.library(loan.rules_library_id)
    loan.checkout_library = config.library(loan.checkout_library_id)
    return loan


@dataclass(frozen=True)
class RenewalOutcome:
    loan: Loan
    renewed: bool
    refusal: CirculationRefused | None = None


@transaction.atomic
def renew_all(*, patron: Patron, library: Library, staff, now: datetime) -> list[RenewalOutcome]:
    """Try to renew each of the patron's open loans; each one succeeds or fails on its own.

    Set-based, deciding each loan exactly as renew() does (no overrides): the patron's open
    loans are locked in one statement (by id, a fixed order), the lending rules, the patron's
    facts, the holds and the calendars are each read with one query, and the renewals are
    written with one UPDATE. The statement count does not grow with the number of loans.
    Outcomes come soonest due first, as the account page lists the loans.
    """
    loans = list(
        with_block_reasons(
            Loan.objects.select_for_update(of=("self",))
            .select_related(
                "patron",
                "item__record",
                "item__item_type",
                "item__home_library",
                "checkout_library",
                "rules_library",
            )
            # The title is shown with a refusal; the MARC and the search vector are not.
            .defer("item__record__marc", "item__record__search_vector"),
            patron_ref="patron_id",
        )
        .filter(patron=patron, returned_at__isnull=True)
        .order_by("id")
    )
    if not loans:
        return []
    borrower = loans[0].patron
    borrower.open_block_reasons = loans[0].open_block_reasons
    rules_libraries = {loan.rules_library_id: loan.rules_library for loan in loans}
    today = {pk: now.astimezone(tz_of(lib)).date() for pk, lib in rules_libraries.items()}
    config = config_cache.config()
    consortium = config.consortium
    facts = selectors.patron_facts(borrower, now=now)
    effective = _effective_rules(loans, category_id=borrower.category_id, config=config)
    waiting = _items_with_others_waiting(loans, effective=effective, today=today)
    patron_refusals = {
        day: _patron_renewal_refusals(borrower, facts=facts, consortium=consortium, today=day)
        for day in set(today.values())
    }
    outcomes, renewed = [], []
    for loan in sorted(loans, key=lambda loan: (loan.due_at, loan.pk)):
        rule = effective[loan.rules_library_id, loan.item.item_type_id]
        calendar = config.calendar(loan.rules_library_id)
        due_at = _renewed_due_at(loan, effective=rule, calendar=calendar, now=now)
        refusals = _renewal_refusals(
            loan,
            effective=rule,
            others_wait=loan.item_id in waiting,
            patron_refusals=patron_refusals[today[loan.rules_library_id]],
            renewed_due=due_at,
        )
        if refusals:
            outcomes.append(
                RenewalOutcome(loan=loan, renewed=False, refusal=RenewalRefused(refusals))
            )
            continue
        _renew_in_memory(loan, due_at=due_at, now=now)
        renewed.append(loan)
        outcomes.append(RenewalOutcome(loan=loan, renewed=True))
    if renewed:
        _write_renewals(renewed, now=now)
        Patron.objects.filter(pk=borrower.pk).update(last_activity_at=now)
        events.record(
            Kind.RENEWAL,
            at=now,
            library_id=library.pk,
            item_ids=[loan.item_id for loan in renewed],
            patron_id=borrower.pk,
        )
    return outcomes


def _write_renewals(loans: list[Loan], *, now: datetime) -> None:
    """One ``UPDATE … FROM (VALUES …)`` for all renewed loans. (Django's bulk_update builds a
    CASE per loan and field: the same one statement, but ~2 ms of Python per loan.)"""
    rows = ", ".join(["(%s::bigint, %s::timestamptz, %s::integer)"] * len(loans))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Loan._meta.db_table} AS loan"  # noqa: S608 - no user input in the SQL text
            " SET due_at = v.due_at, renewals = v.renewals, last_renewed_at = %s"
            f" FROM (VALUES {rows}) AS v(id, due_at, renewals) WHERE loan.id = v.id",
            [now, *(value for loan in loans for value in (loan.pk, loan.due_at, loan.renewals))],
        )


def _effective_rules(
    loans: list[Loan], *, category_id: int, config: config_cache.Config
) -> dict[tuple[int, int], rules.EffectiveRule]:
    """(rules library id, item type id) → the effective rule, for every loan. No query."""
    keys = {(loan.rules_library_id, loan.item.item_type_id) for loan in loans}
    return {
        (library_id, item_type_id): config.effective(
            library_id=library_id, category_id=category_id, item_type_id=item_type_id
        )
        for library_id, item_type_id in keys
    }


def _items_with_others_waiting(
    loans: list[Loan], *, effective, today: dict[int, object]
) -> set[int]:
    """The loans' items someone else waits for, asked only where the rule forbids renewing
    then. One query per local date of the rules libraries (one: they all keep Swedish time)."""
    asked: dict[object, list[int]] = {}
    for loan in loans:
        if not effective[loan.rules_library_id, loan.item.item_type_id].renew_when_others_wait:
            asked.setdefault(today[loan.rules_library_id], []).append(loan.item_id)
    waiting: set[int] = set()
    for day, item_ids in asked.items():
        waiting |= hold_selectors.items_with_others_waiting(
            item_ids=item_ids, patron_id=loans[0].patron_id, today=day
        )
    return waiting
