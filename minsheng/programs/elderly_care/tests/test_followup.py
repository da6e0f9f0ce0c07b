"""回访: a reproducible monthly sample; a bad result opens a rectification task."""

from datetime import date, timedelta

import pytest

from minsheng.core.errors import Conflict, ValidationFailed
from minsheng.draws.algorithm import draw_order

from ..models import FollowUpCall, OrderStatus, Rectification, WorkOrder
from ..services.followup import followup_draw, followup_population, followup_record
from . import factories as f

pytestmark = pytest.mark.django_db
MARCH = date(2026, 3, 1)


def visits(n):
    f.civil_affairs()
    org = f.provider()
    admin = f.grant(f.user("机构管理员"), "provider_admin", org, f.regions()[1])
    elder = f.elder()
    item = f.services()["cleaning"]
    for i in range(n):
        start = f.at(2026, 3, 1 + i % 28, 9)
        WorkOrder.objects.create(
            elder=elder,
            region_id=elder.region_id,
            provider=org,
            service=item,
            planned_start=start,
            planned_minutes=60,
            status=OrderStatus.VERIFIED,
            checked_in_at=start,
            checked_out_at=start + timedelta(hours=1),
        )
    return admin


def test_sample_is_reproducible_from_its_seed_and_drawn_once_a_month():
    visits(30)
    sample = followup_draw(month=MARCH, size=5, seed="abc")
    expected = draw_order("abc", followup_population(month=MARCH))[:5]
    got = [f"WO{c.work_order_id:012d}" for c in sample.calls.order_by("position")]
    assert got == expected and sample.population == 30
    with pytest.raises(Conflict):
        followup_draw(month=MARCH, size=5)


def test_bad_callback_opens_a_rectification_task_for_the_provider():
    admin = visits(3)
    sample = followup_draw(month=MARCH, size=2)
    call = sample.calls.first()
    officer = f.user("回访员")
    with pytest.raises(ValidationFailed):
        followup_record(call=call, actor=officer, result="bad")  # needs a note
    followup_record(call=call, actor=officer, result="bad", satisfaction=1, note="护理员没有来")
    task = Rectification.objects.get()
    assert task.work_order_id == call.work_order_id and task.due_at > call.created_at
    from minsheng.notifications.models import Notification

    assert Notification.objects.filter(
        recipient=admin, template="elderly_care.rectification"
    ).exists()
    good = FollowUpCall.objects.exclude(pk=call.pk).get()
    followup_record(call=good, actor=officer, result="good", satisfaction=5)
    assert Rectification.objects.count() == 1
