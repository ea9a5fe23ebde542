"""The desk's hot path in SQL: the row locks of check-out and check-in and their combined writes.

Building these statements with the ORM (a subquery, a join, an annotation, one INSERT or UPDATE
per row) cost several times what PostgreSQL needs to answer them (docs/performance.md). The rows
still come back as model instances (``fetch_instance``), related rows as deferred instances
(``partial_instance``) or from this process's copy of the reference data (``config_cache``).
The lock order and the transactions are ``circulation.services``'s; these functions only run
statements inside them.
"""

from __future__ import annotations

import functools
from datetime import datetime

from django.db import DEFAULT_DB_ALIAS, connection
from django.utils.translation import gettext_lazy as _

from catalog.models import Item, Record
from circulation import config_cache
from circulation.holds.models import Hold
from circulation.models import Loan
from circulation.refusals import (
    UNKNOWN_CARD,
    UNKNOWN_ITEM,
    CheckoutRefused,
    CirculationRefused,
    refuse,
)
from events import services as events
from events.models import Kind
from libraries.models import Library
from patrons.models import Card, Patron


def partial_instance(model, **values):
    """An instance of ``model`` with only these fields loaded (the others deferred: touching
    one loads it). ``from_db`` wants the values in the model's field order."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(DEFAULT_DB_ALIAS, names, [values[name] for name in names])


@functools.cache
def _select_plan(model, alias: str) -> tuple[str, list[str], list[tuple]]:
    """The select list of every column of ``model`` (table alias ``alias``), the attribute names
    in that order and the converters a column's value needs (JSON, and whatever a field's
    ``from_db_value`` does), as ``QuerySet.raw`` finds them, once per process."""
    fields = model._meta.concrete_fields
    columns = ", ".join(f"{alias}.{connection.ops.quote_name(f.column)}" for f in fields)
    converters = []
    for position, field in enumerate(fields):
        column = field.get_col(model._meta.db_table)
        found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if found:
            converters.append((position, column, found))
    return columns, [f.attname for f in fields], converters


def fetch_instance(model, sql: str, params, *, alias: str, extra: tuple[str, ...] = ()):
    """The first row of ``sql`` as an instance of ``model``, or None. ``sql`` selects
    ``{columns}`` (every column of ``model`` under table alias ``alias``) and then the ``extra``
    values, which become attributes of the instance.

    What ``next(iter(Model.objects.raw(sql)))`` gives, without what ``raw`` costs on each call
    (reading the cursor's description, matching its columns to the model's fields, finding the
    converters): a third of the Python time of a desk scan's locks (docs/performance.md)."""
    columns, names, converters = _select_plan(model, alias)
    with connection.cursor() as cursor:
        cursor.execute(_with_columns(sql, columns), params)
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row[: len(names)])
    for position, column, found in converters:
        value = values[position]
        for convert in found:
            value = convert(value, column, connection)
        values[position] = value
    instance = model.from_db(DEFAULT_DB_ALIAS, names, values)
    for name, value in zip(extra, row[len(names) :], strict=True):
        setattr(instance, name, value)
    return instance


@functools.cache
def _with_columns(sql: str, columns: str) -> str:
    return sql.replace("{columns}", columns)


# The desk's row locks are written as SQL: building these queries with the ORM (a
# subquery, a join, an annotation) cost three times what PostgreSQL needs to answer them
# (docs/performance.md). The rows still come back as model instances (``fetch_instance``); the
# open block reasons and the card status arrive as extra attributes.
_LOCK_PATRON_BY_CARD_SQL = """
SELECT {columns}, c.status AS card_status,
       ARRAY(SELECT b.reason FROM patrons_patronblock b
              WHERE b.patron_id = p.id AND b.removed_at IS NULL
              ORDER BY b.created_at DESC) AS open_block_reasons
  FROM patrons_patron p JOIN patrons_card c ON c.patron_id = p.id
 WHERE c.number = %s
   FOR UPDATE OF p
"""
_LOCK_PATRON_SQL = """
SELECT {columns},
       ARRAY(SELECT b.reason FROM patrons_patronblock b
              WHERE b.patron_id = p.id AND b.removed_at IS NULL
              ORDER BY b.created_at DESC) AS open_block_reasons
  FROM patrons_patron p
 WHERE p.id = %s
   FOR UPDATE OF p
"""
_LOCK_ITEM_SQL = """
SELECT {columns}, r.title AS record_title
  FROM catalog_item i JOIN catalog_record r ON r.id = i.record_id
 WHERE i.barcode = %s
   FOR UPDATE OF i
"""


def lock_patron(
    *, card_number: str | None, patron: Patron | None, config: config_cache.Config
) -> tuple[Patron, str]:
    """Lock the patron row (first in the lock order); returns it with the card status.

    The category and home library come from this process's copy of the reference data
    (``config_cache``), not from joins: fewer columns to read and fewer instances to build.
    """
    if patron is not None:
        locked = fetch_instance(
            Patron, _LOCK_PATRON_SQL, [patron.pk], alias="p", extra=("open_block_reasons",)
        )
        if locked is None:
            raise refuse(CheckoutRefused, UNKNOWN_CARD, _("No such patron."))
        return with_reference_data(locked, config), Card.Status.ACTIVE
    number = "".join((card_number or "").split())
    locked = None
    if number:
        extra = ("card_status", "open_block_reasons")
        locked = fetch_instance(Patron, _LOCK_PATRON_BY_CARD_SQL, [number], alias="p", extra=extra)
    if locked is None:
        raise refuse(CheckoutRefused, UNKNOWN_CARD, _("No patron has this library card."))
    return with_reference_data(locked, config), locked.card_status


def with_reference_data(patron: Patron, config: config_cache.Config) -> Patron:
    patron.category = config.category(patron.category_id)
    patron.home_library = config.library(patron.home_library_id)
    return patron


# At check-in, whether any hold could take the copy (a superset of what
# ``hold_services.capture_at_checkin`` looks for: a hold that has this copy, or anyone waiting
# for the title). Most copies come back to titles nobody waits for: the capture query is then
# not sent at all.
def _state_literal(state: str) -> str:
    """A hold state, a constant of the code, as an SQL literal (no parameter to send)."""
    if not state.replace("_", "").isalpha() or not state.isascii():
        raise ValueError(state)
    return f"'{state}'"


# The hold states are written into the statement: constants, so the barcode is the only
# parameter (each parameter, an array above all, is adapted by the driver on every scan).
_LOCK_ITEM_FOR_CHECKIN_SQL = f"""
SELECT {{columns}}, r.title AS record_title,
       (EXISTS (SELECT 1 FROM circulation_hold h
                 WHERE h.item_id = i.id
                   AND h.state IN ({", ".join(map(_state_literal, Hold.HAS_ITEM_STATES))}))
        OR EXISTS (SELECT 1 FROM circulation_hold h
                    WHERE h.record_id = i.record_id
                      AND h.state = {_state_literal(Hold.State.WAITING)})) AS holds_may_wait
  FROM catalog_item i JOIN catalog_record r ON r.id = i.record_id
 WHERE i.barcode = %s
   FOR UPDATE OF i
"""  # noqa: S608 — code constants, checked by _state_literal


def lock_item(
    barcode: str,
    exc: type[CirculationRefused],
    config: config_cache.Config,
    *,
    for_checkin: bool = False,
) -> Item:
    """Lock the item by barcode, with its record's title (not the MARC or the search vector);
    item type and home library from this process's copy of the reference data. ``for_checkin``:
    with ``holds_may_wait`` (may a hold take it?)."""
    barcode = "".join((barcode or "").split())
    if for_checkin:
        sql, extra = _LOCK_ITEM_FOR_CHECKIN_SQL, ("record_title", "holds_may_wait")
    else:
        sql, extra = _LOCK_ITEM_SQL, ("record_title",)
    params = [barcode]
    item = fetch_instance(Item, sql, params, alias="i", extra=extra) if barcode else None
    if item is None:
        raise refuse(exc, UNKNOWN_ITEM, _("No item has this barcode."))
    # The record as a deferred instance: its id and title only (touching another field loads it).
    item.record = partial_instance(Record, id=item.record_id, title=item.record_title)
    item.item_type = config.item_type(item.item_type_id)
    item.home_library = config.library(item.home_library_id)
    return item


def insert_values(instance, prefix: str) -> tuple[str, str, dict]:
    """Columns, placeholders and parameters to INSERT ``instance`` (all fields but the id,
    prepared as ``save()`` prepares them)."""
    fields = [f for f in instance._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    placeholders = ", ".join(f"%({prefix}{f.column})s" for f in fields)
    params = {
        f"{prefix}{f.column}": f.get_db_prep_save(f.pre_save(instance, True), connection)
        for f in fields
    }
    return columns, placeholders, params


_CHECKOUT_WRITES_SQL = """
WITH new_loan AS (
    INSERT INTO circulation_loan ({columns}) VALUES ({placeholders}) RETURNING id
), lent_item AS (
    UPDATE catalog_item
       SET status = %(on_loan)s, current_library_id = %(library)s, last_borrowed_at = %(now)s,
           loan_count = loan_count + 1, updated_at = %(now)s
     WHERE id = %(item)s
), active_patron AS (
    UPDATE patrons_patron SET last_activity_at = %(now)s WHERE id = %(patron)s
), event AS ({event})
SELECT id FROM new_loan
"""


def write_checkout(loan: Loan, *, item: Item, patron: Patron, library: Library, now) -> None:
    """Insert the loan (its id is set on it), mark the item on loan here, note the patron's
    activity and log the checkout event, in one statement: four round trips were a third of a
    checkout's time (docs/performance.md). The rows are locked already; a second open loan of
    the item still fails on the partial unique index (IntegrityError, as ``create()`` did)."""
    columns, placeholders, params = insert_values(loan, "loan_")
    event_sql, event_params = events.insert_statement(
        Kind.CHECKOUT, at=now, library_id=library.pk, item_ids=[item.pk], patron_id=patron.pk,
        prefixed=True,
    )  # fmt: skip
    sql = _CHECKOUT_WRITES_SQL.format(columns=columns, placeholders=placeholders, event=event_sql)
    with connection.cursor() as cursor:
        cursor.execute(sql, {
            **params, **event_params, "on_loan": Item.Status.ON_LOAN, "library": library.pk,
            "now": now, "item": item.pk, "patron": patron.pk,
        })  # fmt: skip
        loan.pk = cursor.fetchone()[0]
    loan._state.adding = False
    loan._state.db = DEFAULT_DB_ALIAS


_LOCK_OPEN_LOAN_SQL = """
SELECT {columns}, p.category_id AS patron_category_id,
       p.keeps_loan_history AS patron_keeps_loan_history
  FROM circulation_loan l LEFT JOIN patrons_patron p ON p.id = l.patron_id
 WHERE l.item_id = %s AND l.returned_at IS NULL
   FOR UPDATE OF l
"""


def lock_loan_of_item(item: Item, config: config_cache.Config) -> Loan | None:
    """Lock the item's open loan (second in the check-in lock order), if any. SQL, as the two
    locks of a checkout; the patron comes as a deferred instance with what closing the loan
    reads (category, loan history choice), the libraries from this process's copy."""
    loan = fetch_instance(
        Loan, _LOCK_OPEN_LOAN_SQL, [item.pk], alias="l",
        extra=("patron_category_id", "patron_keeps_loan_history"),
    )  # fmt: skip
    if loan is None:
        return None
    if loan.patron_id is not None:
        loan.patron = partial_instance(
            Patron,
            id=loan.patron_id,
            category_id=loan.patron_category_id,
            keeps_loan_history=loan.patron_keeps_loan_history,
        )
    loan.rules_library = config.library(loan.rules_library_id)
    loan.checkout_library = config.library(loan.checkout_library_id)
    loan.item = item
    return loan


_CLOSE_LOAN_SQL = """
closed AS (
    UPDATE circulation_loan
       SET returned_at = %(now)s, returned_library_id = %(library)s, end_reason = %(end_reason)s,
           patron_id = %(patron)s
     WHERE id = %(loan)s)"""
_SET_ITEM_SQL = """
set_item AS (
    UPDATE catalog_item SET status = %(status)s, current_library_id = %(library)s,
           updated_at = %(now)s
     WHERE id = %(item)s)"""


def write_checkin(
    closing: tuple[Loan, int | None] | None,
    *,
    item: Item,
    library: Library,
    now: datetime,
    status: str | None,
) -> None:
    """One statement for what a check-in writes: the loan closed by ``_close_loan`` (with
    ``closing``: the loan and its borrower's id, for the return event), the item's new
    ``status`` here (None: the item row is not touched), the return event. The rows are locked."""
    clauses, params = [], {"now": now, "library": library.pk, "item": item.pk, "status": status}
    main = "SELECT 1"
    if closing is not None:
        loan, borrower_id = closing
        clauses.append(_CLOSE_LOAN_SQL)
        params |= {"loan": loan.pk, "end_reason": loan.end_reason, "patron": loan.patron_id}
        main, event_params = events.insert_statement(
            Kind.RETURN, at=now, library_id=library.pk, item_ids=[item.pk],
            patron_id=borrower_id, other_library_id=loan.checkout_library_id, prefixed=True,
        )  # fmt: skip
        params |= event_params
    if status is not None:
        clauses.append(_SET_ITEM_SQL)
    if not clauses:
        return
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {','.join(clauses)}\n{main}", params)
