"""Reading uploaded rosters: real XLSX (a zip) or CSV in UTF-8 or GBK."""

import codecs
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


SAMPLE_BYTES = 64 * 1024


def _not_text() -> ValidationFailed:
    return ValidationFailed.for_field(
        "file", _("The CSV file is neither UTF-8 nor GBK text. Save it again as CSV (UTF-8) and upload it."))


def csv_encoding(head: bytes) -> str:
    """The encoding of a CSV file whose first bytes are ``head``: UTF-8 (with or without BOM)
    first; Chinese Excel saves CSV as GBK, so GB18030 next. ``head`` may end inside a character
    (it is a sample), so the decoders are told more may follow."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        return encoding
    raise _not_text()


def _csv_rows(binary) -> Iterator[list]:
    """The rows of a CSV file read as a stream: a 600,000-row roster is never held whole, as
    text or as rows. The encoding and the delimiter are judged on the first 64 KiB; a later byte
    that is not in that encoding (a file saved half in each) refuses the file like the first
    one would — the import counts the rows before it writes any, so nothing is saved."""
    head = binary.read(SAMPLE_BYTES)
    binary.seek(0)
    encoding = csv_encoding(head)
    sample = codecs.getincrementaldecoder(encoding)(errors="ignore").decode(head[:16 * 1024], final=False)
    try:
        dialect = csv.Sniffer().sniff(sample[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    text = io.TextIOWrapper(binary, encoding=encoding, newline="")
    try:
        yield from csv.reader(text, dialect)
    except UnicodeDecodeError:
        raise _not_text() from None
    finally:
        # The caller opened the file and closes it: leave it open. A caller that read only the
        # header may have closed it already, before this generator is collected.
        try:
            text.detach()
        except ValueError:
            pass


def open_rows(path_or_file, kind: str) -> Iterator[list]:
    """Yield every row (a list of cell values) including the header row. ``path_or_file``: a
    path, or a file opened in binary mode that can seek (an upload, a stored file)."""
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
        if hasattr(path_or_file, "read"):
            yield from _csv_rows(path_or_file)
        else:
            with open(path_or_file, "rb") as binary:
                yield from _csv_rows(binary)
        return
    raise ValidationFailed.for_field(
        "file", _("Only .xlsx and .csv files can be imported. Save the sheet in one of these formats.")
    )


def is_blank(row: list) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in row)
