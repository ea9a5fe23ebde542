"""Fast set-based inserts with PostgreSQL COPY (psycopg 3), for the importer."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, models
from django.utils import timezone


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` fresh primary keys from the table's sequence, in one query."""
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def copy_objects(objs: Sequence[models.Model], fields: Sequence[str]) -> None:
    """COPY unsaved model instances (with ``id`` set when "id" is in ``fields``) into their
    table. ``created_at``/``updated_at`` are filled with now when the model has them."""
    if not objs:
        return
    model = type(objs[0])
    opts = model._meta
    names = list(fields)
    now = timezone.now()
    for stamp in ("created_at", "updated_at"):
        if stamp not in names and any(f.name == stamp for f in opts.fields):
            names.append(stamp)
    columns = [opts.get_field(name).column for name in names]
    sql = f"COPY {connection.ops.quote_name(opts.db_table)} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for obj in objs:
            row = []
            for name in names:
                value = (
                    now
                    if name in ("created_at", "updated_at")
                    else getattr(obj, opts.get_field(name).attname)
                )
                if isinstance(value, memoryview):
                    value = bytes(value)
                row.append(value)
            copy.write_row(row)


def copy_rows(table: str, columns: Sequence[str], rows: Sequence[Sequence]) -> None:
    """COPY plain tuples into ``table`` (cheaper than model instances for big batches)."""
    if not rows:
        return
    sql = f"COPY {connection.ops.quote_name(table)} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)
