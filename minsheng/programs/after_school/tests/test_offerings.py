from decimal import Decimal

import pytest

from minsheng.core.errors import ValidationFailed

from ..services.offerings import offering_validate


def test_offering_rules_of_five_plus_two():
    from datetime import time
    base = dict(kind="weekday", activity="homework", weekdays=[0, 1], start_time=time(15, 30),
                end_time=time(17, 45), grade_min=1, grade_max=6, capacity=30, fee=Decimal("0"))
    offering_validate(**base)
    for change, field in [
        ({"end_time": time(17, 0)}, "end_time"),  # ends before the working day ends
        ({"start_time": time(16, 0), "end_time": time(17, 40)}, "end_time"),  # shorter than 2 hours
        ({"weekdays": [5]}, "weekdays"),
        ({"kind": "holiday"}, "activity"),  # holiday care is supervision only
        ({"grade_min": 7, "grade_max": 9, "end_time": time(21, 0)}, "end_time"),
        ({"capacity": 0}, "capacity"),
    ]:
        with pytest.raises(ValidationFailed) as err:
            offering_validate(**{**base, **change})
        assert field in err.value.fields, change
