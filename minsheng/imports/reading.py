"""Reading uploaded rosters: real XLSX (a zip) or CSV in UTF-8 or GBK."""

import csv
import io
import zipfile
from collections.abc import Iterator

from django.utils.translation import gettext as _

from minsheng.core.errors import ValidationFailed


def sniff(head: bytes) -> str:
    """"xlsx", "csv" or "" (not something we read)."""
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"  # the old binary Excel format
    if b"\x00" in head:
        return ""
    return "csv"


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM) first; Chinese Excel saves CSV as GBK, so GB18030 next."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationFailed.for_field(
        "file", _("The CSV file is neither UTF-8 nor GBK text. Save it again as CSV (UTF-8) and upload it.")
    )


def open_rows(path_or_file, kind: str) -> Iterator[list]:
    """Yield every row (a list of cell values) including the header row."""
    if kind == "xlsx":
        from openpyxl import load_workbook

        try:
            wb = load_workbook(path_or_file, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise ValidationFailed.for_field(
                "file", _("The Excel file cannot be opened. Save it again as .xlsx and upload it.")
            ) from exc
        try:
            ws = wb.worksheets[0]
            for row in ws.iter_rows(values_only=True):
                yield list(row)
        finally:
            wb.close()
        return
    if kind == "csv":
        data = path_or_file.read() if hasattr(path_or_file, "read") else open(path_or_file, "rb").read()
        text = decode_csv(data)
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        yield from csv.reader(io.StringIO(text, newline=""), dialect)
        return
    raise ValidationFailed.for_field(
        "file", _("Only .xlsx and .csv files can be imported. Save the sheet in one of these formats.")
    )


def is_blank(row: list) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in row)
