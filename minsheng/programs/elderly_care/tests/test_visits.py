"""The caregiver's visit: check in, photos, checklist, check out, the elder's confirmation."""

import base64
import io
from decimal import Decimal

import pytest
import time_machine
from PIL import Image, ImageDraw

from minsheng.core.errors import Conflict, NotFound, ValidationFailed
from minsheng.notifications.models import Notification

from ..models import OrderStatus, PhotoKind, VisitPhoto, WorkOrder
from ..services import confirmation, orders, visits
from . import factories as f

pytestmark = pytest.mark.django_db
NEAR = (f.HOME[0] + 0.0003, f.HOME[1])  # ~33 m away


@pytest.fixture
def setup():
    org = f.provider(prices={"cleaning": Decimal("40.00")})
    cg = f.caregiver(org)
    elder = f.elder()
    items = f.services()
    order = orders.order_create(
        elder=elder,
        provider=org,
        service=items["cleaning"],
        planned_start=f.at(2026, 3, 10, 9),
        caregiver=cg,
    )
    return order, cg


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


def test_wrong_code_is_counted_refused_and_the_right_code_still_works(setup):
    order, cg = setup
    with time_machine.travel(f.at(2026, 3, 10, 9, 0), tick=False):
        visits.visit_check_in(order_id=order.pk, user=cg.user, lat=NEAR[0], lon=NEAR[1])
    with time_machine.travel(f.at(2026, 3, 10, 10, 0), tick=False):
        visits.visit_check_out(order_id=order.pk, user=cg.user, lat=NEAR[0], lon=NEAR[1])
        code = confirmation.visit_send_code(order_id=order.pk, user=cg.user)
        wrong = "000000" if code != "000000" else "111111"
        with pytest.raises(ValidationFailed) as exc:
            confirmation.visit_confirm_code(order_id=order.pk, user=cg.user, code=wrong)
        assert "code" in exc.value.fields
        order.refresh_from_db()
        assert order.status == OrderStatus.AWAITING and order.confirm_attempts == 1
        confirmation.visit_confirm_code(order_id=order.pk, user=cg.user, code=code)
    order.refresh_from_db()
    assert order.status == OrderStatus.VERIFIED


def test_five_wrong_codes_lock_the_code(setup):
    order, cg = setup
    with time_machine.travel(f.at(2026, 3, 10, 9, 0), tick=False):
        visits.visit_check_in(order_id=order.pk, user=cg.user, lat=NEAR[0], lon=NEAR[1])
    with time_machine.travel(f.at(2026, 3, 10, 10, 0), tick=False):
        visits.visit_check_out(order_id=order.pk, user=cg.user, lat=NEAR[0], lon=NEAR[1])
        code = confirmation.visit_send_code(order_id=order.pk, user=cg.user)
        for _ in range(5):
            with pytest.raises(ValidationFailed):
                confirmation.visit_confirm_code(order_id=order.pk, user=cg.user, code="abc")
        with pytest.raises(ValidationFailed) as exc:
            confirmation.visit_confirm_code(order_id=order.pk, user=cg.user, code=code)
    assert "Too many" in str(exc.value.fields["code"][0]) or "次数" in str(
        exc.value.fields["code"][0]
    )


def _signature_png(blank=False) -> str:
    img = Image.new("RGBA", (300, 120), (255, 255, 255, 0))
    if not blank:
        ImageDraw.Draw(img).line([(10, 60), (120, 20), (280, 90)], fill=(0, 0, 0, 255), width=4)
    out = io.BytesIO()
    img.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def test_signature_confirms_and_an_empty_box_is_refused(setup):
    order, cg = setup
    with time_machine.travel(f.at(2026, 3, 10, 9, 0), tick=False):
        visits.visit_check_in(order_id=order.pk, user=cg.user, lat=NEAR[0], lon=NEAR[1])
    with time_machine.travel(f.at(2026, 3, 10, 9, 30), tick=False):
        visits.visit_check_out(order_id=order.pk, user=cg.user, lat=NEAR[0], lon=NEAR[1])
        with pytest.raises(ValidationFailed):
            confirmation.visit_confirm_signature(
                order_id=order.pk, user=cg.user, data_url=_signature_png(blank=True)
            )
        confirmation.visit_confirm_signature(
            order_id=order.pk, user=cg.user, data_url=_signature_png()
        )
    order.refresh_from_db()
    assert order.status == OrderStatus.VERIFIED and order.confirmed_by == "signature"
    assert order.quantity == Decimal("0.5")  # 30 minutes of cleaning at an hourly price
    assert VisitPhoto.objects.filter(work_order=order, kind="signature").count() == 1


def test_planned_orders_come_from_recurring_schedules_once(setup):
    order, cg = setup
    from datetime import date, time

    from ..models import CareSchedule

    CareSchedule.objects.create(
        elder=order.elder,
        provider=order.provider,
        caregiver=cg,
        service=order.service,
        weekdays=[1, 3, 5],
        start_time=time(14, 0),
        minutes=60,
        valid_from=date(2026, 3, 1),
    )
    assert orders.schedule_generate_orders(start=date(2026, 3, 16), days=7) == 3
    assert orders.schedule_generate_orders(start=date(2026, 3, 16), days=7) == 0
    assert (
        WorkOrder.objects.filter(schedule__isnull=False, status=OrderStatus.DISPATCHED).count() == 3
    )
