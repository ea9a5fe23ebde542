"""A report as CSV (tables one after another, each under its title) or XLSX (a sheet per table)."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from stats.reports import Report


def _cell(value):
    return "" if value is None else value


def as_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    for i, table in enumerate(report.tables):
        if i:
            writer.writerow([])
        writer.writerow([table.title])
        writer.writerow(table.columns)
        writer.writerows([_cell(v) for v in row] for row in table.rows)
    return out.getvalue()


def as_xlsx(report: Report) -> bytes:
    book = Workbook(write_only=True)
    used: set[str] = set()
    for i, table in enumerate(report.tables, start=1):
        # Sheet names: at most 31 characters, no []:*?/\ and unique.
        name = "".join(ch for ch in table.title if ch not in "[]:*?/\\")[:28] or str(i)
        while name in used:
            name = f"{name[:26]} {i}"
        used.add(name)
        sheet = book.create_sheet(name)
        for column in range(1, len(table.columns) + 1):
            sheet.column_dimensions[get_column_letter(column)].width = 18
        sheet.append([table.title])
        sheet.append(list(table.columns))
        for row in table.rows:
            sheet.append([_cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
