from datetime import UTC, datetime, timedelta, timezone

import pytest
from ninja import Schema
from pydantic import ValidationError

from minsheng.core.schemas import InputDateTime


class Probe(Schema):
    at: InputDateTime


def test_an_offset_postgresql_cannot_store_is_converted_to_utc():
    probe = Probe(at="2026-06-12T08:08:19-20:34")
    assert probe.at.utcoffset() == timedelta(0)
    assert probe.at == datetime(2026, 6, 13, 4, 42, 19, tzinfo=UTC)


def test_a_naive_time_is_beijing_time():
    assert Probe(at="2026-10-10T09:00:00").at == datetime(2026, 10, 10, 1, 0, tzinfo=UTC)
    assert Probe(at=datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=8)))).at.hour == 16


@pytest.mark.parametrize("value", ["0378-06-12T08:08:19+01:00", "9999-12-31T23:59:59-14:00"])
def test_absurd_years_are_refused_not_crashed_on(value):
    with pytest.raises(ValidationError):
        Probe(at=value)
