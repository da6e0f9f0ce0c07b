"""Input types shared by API schemas."""

from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator

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

