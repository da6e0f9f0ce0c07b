"""The API's request parser: django-ninja's, refusing what no database can take.

PostgreSQL cannot store or compare a text containing NUL (U+0000), and no column holds
an integer beyond 64 bits (SQLite cannot even bind one: OverflowError; PostgreSQL
answers "bigint out of range"). Either would be a server error, and no field of the
platform has a use for them, so a request carrying one — in the JSON body, the query
string or a form field — is refused as invalid input, naming the field. Path
parameters are guarded where the API's URL patterns are built (main.py).
"""

from django.utils.translation import gettext as _
from ninja.parser import Parser

from minsheng.core.errors import ValidationFailed

NUL = "\x00"
INT64 = range(-(2**63), 2**63)


class UnfitInBody(ValueError):
    """A NUL character or an integer beyond 64 bits in the JSON body; ``path`` names the
    field, ``reason`` is "nul" or "integer" (ninja wraps what the body parser raises)."""

    def __init__(self, path: str, reason: str):
        super().__init__(path)
        self.path = path
        self.reason = reason


def integer_text_too_large(value: str) -> bool:
    """Whether ``value`` writes a whole number beyond 64 bits (checked without converting
    a long run of digits: Python refuses to convert more than a few thousand)."""
    text = value.strip()
    digits = text.lstrip("+-")
    if not (digits.isdigit() and digits.isascii()) or len(text) - len(digits) > 1:
        return False
    if len(digits.lstrip("0")) > 19:
        return True
    return int(text) not in INT64


def unfit_path(value, path: str = "", *, texts_are_numbers: bool = False) -> tuple[str, str] | None:
    """(dotted path, "nul" or "integer") of the first value no database can take, or None.
    In the query string and forms every value is text (``texts_are_numbers``): a whole
    number written there is checked too; in JSON a number is a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return None if value in INT64 else (path or "__all__", "integer")
    if isinstance(value, str):
        if NUL in value:
            return (path or "__all__", "nul")
        if texts_are_numbers and integer_text_too_large(value):
            return (path or "__all__", "integer")
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if NUL in str(key):
                return (here, "nul")
            found = unfit_path(item, here, texts_are_numbers=texts_are_numbers)
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = unfit_path(item, f"{path}.{index}" if path else str(index),
                               texts_are_numbers=texts_are_numbers)
            if found:
                return found
    return None


def unfit_refusal(path: str, reason: str) -> ValidationFailed:
    if reason == "nul":
        message = _("This field contains a NUL character, which is not accepted. Remove it and try again.")
    else:
        message = _("This number is too large. Check the number and try again.")
    return ValidationFailed(message, fields={path: [message]})


class GuardedParser(Parser):
    def parse_body(self, request):
        data = super().parse_body(request)
        found = unfit_path(data)
        if found:
            raise UnfitInBody(*found)
        return data

    def parse_querydict(self, data, list_fields, request):
        result = super().parse_querydict(data, list_fields, request)
        texts = {k: v for k, v in result.items() if isinstance(v, (str, list))}
        found = unfit_path(texts, texts_are_numbers=True)
        if found:
            raise unfit_refusal(*found)
        return result
