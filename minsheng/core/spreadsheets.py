"""Writing a table of rows to CSV (UTF-8 with a BOM, so Excel reads Chinese) or Excel.

The one writer behind every download: the staff lists' exports (minsheng.imports.exports)
and the back office's "download the selected rows" (minsheng.audit.admin.AuditedAdmin).
Neither this module nor its callers' files hold personal numbers unmasked.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
PROGRESS_EVERY = 500  # rows between progress reports


@dataclass(frozen=True)
class ExportColumn:
    label: Any  # the header (lazy translated)
    value: Callable[[Any], Any]  # row -> cell: text, number, date or datetime


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.replace(tzinfo=None, microsecond=0)
    if isinstance(value, (int, float, Decimal, dt.date, bool)):
        return value
    return str(value)


def _text(value) -> str:
    value = _cell(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _iterate(rows):
    return rows.iterator(chunk_size=2000) if isinstance(rows, QuerySet) else iter(rows)


def row_count(rows) -> int:
    return rows.count() if isinstance(rows, QuerySet) else len(rows)


def export_write(
    *, columns: list[ExportColumn], rows, fmt: str, out, title: str = "export",
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write ``rows`` to the binary file ``out`` as CSV (UTF-8 with a BOM, for Excel) or XLSX."""
    header = [str(c.label) for c in columns]
    written = 0
    if fmt == "csv":
        text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
        writer = csv.writer(text)
        writer.writerow(header)
        for row in _iterate(rows):
            writer.writerow([_text(c.value(row)) for c in columns])
            written += 1
            if progress and written % PROGRESS_EVERY == 0:
                progress(written)
        text.detach()
    else:
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet(title=str(title)[:31] or "export")
        sheet.append(header)
        for row in _iterate(rows):
            sheet.append([_cell(c.value(row)) for c in columns])
            written += 1
            if progress and written % PROGRESS_EVERY == 0:
                progress(written)
        book.save(out)
    return written


