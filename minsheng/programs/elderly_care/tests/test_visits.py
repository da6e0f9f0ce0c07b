"""The caregiver's visit: check in, photos, checklist, check out, the elder's confirmation."""

from decimal import Decimal

import pytest
import time_machine

from minsheng.core.errors import Conflict, NotFound, ValidationFailed
from minsheng.notifications.models import Notification

from ..models import OrderStatus, PhotoKind, VisitPhoto
from ..services import confirmation, visits
from . import factories as f

pytestmark = pytest.mark.django_db
NEAR = (f.HOME[0] + 0.0003, f.HOME[1])  # ~33 m away


def test_full_visit_is_verified_by_the_code_texted_to_the_family_and_priced_from_the_contract(
    setup,
):
    order, cg = setup
    with time_machine.travel(f.at(2026, 3, 10, 9, 2), tick=False):
        visits.visit_check_in(order_id=order.pk, user=cg.user, lat=NEAR[0], lon=NEAR[1])
    with time_machine.travel(f.at(2026, 3, 10, 9, 30), tick=False):
        visits.visit_add_photo(
            order_id=order.pk, user=cg.user, file=f.photo(1), kind=PhotoKind.DURING
        )
        visits.visit_set_checklist(
            order_id=order.pk, user=cg.user, done=order.service.checklist[:2] + ["bogus"]
        )
    with time_machine.travel(f.at(2026, 3, 10, 10, 3), tick=False):
        visits.visit_check_out(order_id=order.pk, user=cg.user, lat=NEAR[0], lon=NEAR[1])
        code = confirmation.visit_send_code(order_id=order.pk, user=cg.user)
        confirmation.visit_confirm_code(order_id=order.pk, user=cg.user, code=code)
    order.refresh_from_db()
    assert order.status == OrderStatus.VERIFIED and order.confirmed_by == "code"
    assert 30 < order.check_in_distance_m < 40
    assert order.minutes_served == 61
    assert order.checklist_done == order.service.checklist[:2]
    assert (order.quantity, order.unit_price, order.amount) == (
        Decimal(1),
        Decimal("40.00"),
        Decimal("40.00"),
    )
    sms = Notification.objects.get(template="elderly_care.confirm_code")
    assert sms.person.name == "张建国" and code in sms.body
    photo = VisitPhoto.objects.get(work_order=order)
    assert len(photo.phash) == 16


def test_second_check_in_is_refused_and_keeps_the_first_time(setup):
    order, cg = setup
    with time_machine.travel(f.at(2026, 3, 10, 9, 2), tick=False):
        visits.visit_check_in(order_id=order.pk, user=cg.user, lat=NEAR[0], lon=NEAR[1])
    with time_machine.travel(f.at(2026, 3, 10, 9, 20), tick=False), pytest.raises(Conflict) as exc:
        visits.visit_check_in(order_id=order.pk, user=cg.user, lat=0, lon=0)
    assert "09:02" in str(exc.value.message)
    order.refresh_from_db()
    assert order.checked_in_at == f.at(2026, 3, 10, 9, 2) and order.check_in_lat == NEAR[0]


def test_check_out_without_check_in_is_refused(setup):
    order, cg = setup
    with pytest.raises(Conflict):
        visits.visit_check_out(order_id=order.pk, user=cg.user, lat=NEAR[0], lon=NEAR[1])
    order.refresh_from_db()
    assert order.status == OrderStatus.DISPATCHED and order.checked_out_at is None


def test_missing_location_is_refused_with_advice(setup):
    order, cg = setup
    with pytest.raises(ValidationFailed) as exc:
        visits.visit_check_in(order_id=order.pk, user=cg.user, lat="", lon=None)
    assert "location" in exc.value.fields


def test_another_caregivers_visit_is_not_found_and_unchanged(setup):
    order, _cg = setup
    other = f.caregiver(order.provider, name="王护理")
    with pytest.raises(NotFound):
        visits.visit_check_in(order_id=order.pk, user=other.user, lat=NEAR[0], lon=NEAR[1])
    order.refresh_from_db()
    assert order.status == OrderStatus.DISPATCHED and order.checked_in_at is None


def test_zero_minute_visit_is_flagged_and_the_family_is_told_it_was_not_completed(setup):
    from ..models import Anomaly, AnomalyKind

    order, cg = setup
    with time_machine.travel(f.at(2026, 3, 10, 9, 2), tick=False):
        visits.visit_check_in(order_id=order.pk, user=cg.user, lat=NEAR[0], lon=NEAR[1])
        visits.visit_check_out(order_id=order.pk, user=cg.user, lat=NEAR[0], lon=NEAR[1])
        code = confirmation.visit_send_code(order_id=order.pk, user=cg.user)
    anomaly = Anomaly.objects.get(work_order=order)
    assert anomaly.kind == AnomalyKind.SHORT and anomaly.detail == {"served": 0, "planned": 60}
    sms = Notification.objects.get(template="elderly_care.confirm_code_short")
    assert "0分钟" in sms.body and "计划60分钟" in sms.body and code in sms.body
    assert "完成" not in sms.body.replace("未按计划完成", "")


def test_the_short_visit_share_is_a_setting(setup, settings):
    from ..models import Anomaly

    settings.ELDERLY_CARE_SHORT_VISIT_SHARE = 0.5
    order, cg = setup
    with time_machine.travel(f.at(2026, 3, 10, 9, 0), tick=False):
        visits.visit_check_in(order_id=order.pk, user=cg.user, lat=NEAR[0], lon=NEAR[1])
    with time_machine.travel(f.at(2026, 3, 10, 9, 31), tick=False):
        visits.visit_check_out(order_id=order.pk, user=cg.user, lat=NEAR[0], lon=NEAR[1])
        confirmation.visit_send_code(order_id=order.pk, user=cg.user)
    assert not Anomaly.objects.filter(work_order=order).exists()
    assert Notification.objects.get().template == "elderly_care.confirm_code"
