"""The elder's confirmation after check-out: the texted code, its limits, the signature
(services/confirmation.py)."""

import base64
import io
from decimal import Decimal

import pytest
import time_machine
from PIL import Image, ImageDraw

from minsheng.core.errors import ValidationFailed

from ..models import OrderStatus, VisitPhoto
from ..services import confirmation, visits
from . import factories as f
from .test_visits import NEAR

pytestmark = pytest.mark.django_db


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
