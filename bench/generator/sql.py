"""Low-level helpers of the generator: MARC21 (ISO 2709) records, ISBNs, Luhn digits, COPY,
and the statements that empty, inspect and speed up the big tables."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction

from bench.generator.shape import BIG_TABLES

# --- ISO 2709 --------------------------------------------------------------------------


def iso2709(fields: list[tuple[str, str]]) -> bytes:
    """A MARC21 record (UTF-8) from (tag, data) pairs; data fields carry indicators and $-codes
    already as ``ind1 ind2 \\x1fa...``."""
    directory = bytearray()
    body = bytearray()
    for tag, value in fields:
        data = value.encode() + b"\x1e"
        directory += f"{tag}{len(data):04d}{len(body):05d}".encode()
        body += data
    directory += b"\x1e"
    base = 24 + len(directory)
    leader = f"{base + len(body) + 1:05d}nam a22{base:05d} i 4500".encode()
    return bytes(leader + directory + body + b"\x1d")


def sub(**codes: str) -> str:
    return "".join(f"\x1f{code}{value}" for code, value in codes.items())


def isbn13(n: int) -> str:
    core = f"97891{n:07d}"[:12]
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(core))
    return core + str((10 - total % 10) % 10)


def luhn(payload: str) -> int:
    total = 0
    for index, char in enumerate(reversed(payload)):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return (10 - total % 10) % 10


# --- COPY ------------------------------------------------------------------------------


def copy_rows(table: str, columns: list[str], rows: Iterable[tuple]) -> int:
    """COPY rows into ``table``; returns how many."""
    n = 0
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def _sql(statement: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


def is_empty() -> bool:
    rows = _sql(
        "SELECT (SELECT count(*) FROM (SELECT 1 FROM catalog_record LIMIT 1) r)"
        " + (SELECT count(*) FROM (SELECT 1 FROM patrons_patron LIMIT 1) p)"
        " + (SELECT count(*) FROM (SELECT 1 FROM circulation_loan LIMIT 1) l)"
    )
    return rows[0][0] == 0


def reset() -> None:
    """Empty the consortium's data tables (records, items, patrons, loans, transfers…)."""
    _sql(
        "TRUNCATE catalog_record, catalog_item, patrons_patron, patrons_card, circulation_loan,"
        " circulation_hold, circulation_fee, transport_transfer, transport_packinglist,"
        " catalog_importjob RESTART IDENTITY CASCADE"
    )


def _secondary_indexes() -> list[tuple[str, str]]:
    """(name, definition) of the big tables' indexes that do not back a constraint."""
    return _sql(
        """
        SELECT c.relname, pg_get_indexdef(i.indexrelid)
          FROM pg_index i
          JOIN pg_class c ON c.oid = i.indexrelid
          JOIN pg_class t ON t.oid = i.indrelid
         WHERE t.relname = ANY(%s) AND t.relnamespace = 'public'::regnamespace
           AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
        """,
        [list(BIG_TABLES)],
    )


def _skip_foreign_key_triggers() -> None:
    """The generator writes consistent ids, so as a superuser it skips the row-by-row foreign
    key triggers (replica mode); otherwise the checks run as rows arrive (not deferred to
    commit, so the indexes can be rebuilt inside the same transaction)."""
    try:
        with transaction.atomic():
            _sql("SET LOCAL session_replication_role = replica")
    except Exception:
        _sql("SET CONSTRAINTS ALL IMMEDIATE")


_ASCII = str.maketrans("åäöéÅÄÖÉ ", "aaoeaaoe-")


def _cumulative(values: Iterable[float]) -> Iterable[float]:
    total = 0.0
    for v in values:
        total += v
        yield total
