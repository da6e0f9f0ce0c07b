"""The API's shared shapes, below every module that has an API: the error body and input types.

Every module's ``api.py`` uses these; the API shell (``minsheng.api``) only mounts the routers.
"""

from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from ninja import Schema
from pydantic import AfterValidator


class ErrorOut(Schema):
    """Every error: ``code`` from minsheng.core.errors.ErrorCode, a translated
    ``message``, and ``fields`` mapping a field path to its messages."""

    code: str
    message: str
    fields: dict[str, list[str]]


# Use as ``@router.post(..., response={200: Out, **ERROR_RESPONSES})``.
ERROR_RESPONSES = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}

_LOCAL = ZoneInfo("Asia/Shanghai")


def _normalise_datetime(value: datetime) -> datetime:
    # A naive time is Beijing time; an aware one is converted to UTC, because
    # PostgreSQL refuses offsets beyond ±15:59 that ISO 8601 allows.
    if value.tzinfo is None:
        value = value.replace(tzinfo=_LOCAL)
    if not 1900 <= value.year <= 2200:
        raise ValueError("Enter a date between the years 1900 and 2200.")
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("Enter a date between the years 1900 and 2200.") from exc


InputDateTime = Annotated[datetime, AfterValidator(_normalise_datetime)]

