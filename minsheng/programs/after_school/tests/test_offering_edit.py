"""A school changes its own offering's places, grades, fee and whether it is open; places never
drop below those taken, places added go to the waiting list, and another school's is not found."""

from decimal import Decimal

import pytest
import time_machine

from minsheng.audit.models import AuditEvent
from minsheng.core.errors import ValidationFailed

from ..models import Application, Offering, OfferingDay, SeatRequest
from ..services.applications import application_submit
from ..services.offerings import offering_update
from . import factories as f
from .test_setup import _staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def frozen():
    with time_machine.travel(f.NOW, tick=False):
        yield


def _edit(off, **over):
    values = {"title": off.title, "capacity": off.capacity, "grade_min": off.grade_min, "grade_max": off.grade_max,
              "fee": off.fee, "fee_basis": off.fee_basis, "is_published": off.is_published}
    return {**values, **over}


def test_places_never_drop_below_those_taken_and_a_new_fee_is_audited():
    school = f.school()
    off = f.offering(school, capacity=3)
    f.window(school)
    for _ in range(2):
        g, c = f.guardian_with_child(school)
        application_submit(guardian_user=g, student_id=c.pk, offering_id=off.pk, weekdays=[0], idempotency_key=f.key())
    with pytest.raises(ValidationFailed) as refused:
        offering_update(actor=None, offering=off, **_edit(off, capacity=1))
    assert "capacity" in refused.value.fields and "2" in str(refused.value.fields["capacity"][0])
    offering_update(actor=None, offering=off, **_edit(off, capacity=2, fee=Decimal("200")))
    assert set(OfferingDay.objects.filter(offering=off).values_list("capacity", flat=True)) == {2}
    assert Application.objects.filter(offering=off, fee_due=Decimal("300.00")).count() == 2  # they keep theirs
    event = AuditEvent.objects.get(event_type="after_school.offering_update")
    assert event.old_values == {"capacity": 3, "fee": "300.00"} and event.new_values == {"capacity": 2, "fee": "200"}


def test_places_added_go_to_the_waiting_list():
    school = f.school()
    off = f.offering(school, capacity=1, allocation="lottery")
    f.window(school)
    apps = []
    for _ in range(2):
        g, c = f.guardian_with_child(school)
        apps.append(application_submit(guardian_user=g, student_id=c.pk, offering_id=off.pk, weekdays=[0],
                                       idempotency_key=f.key()))
    OfferingDay.objects.filter(offering=off, weekday=0).update(taken=1)
    SeatRequest.objects.filter(application=apps[0]).update(state="admitted")
    SeatRequest.objects.filter(application=apps[1]).update(state="waitlisted", waitlist_position=1)
    Application.objects.filter(pk=apps[1].pk).update(state="waitlisted")
    offering_update(actor=None, offering=off, **_edit(off, capacity=2))
    assert SeatRequest.objects.get(application=apps[1]).state == "offered"
    assert Application.objects.get(pk=apps[1].pk).state == "offered"
    assert OfferingDay.objects.get(offering=off, weekday=0).taken == 2


def test_a_school_admin_edits_their_offering_on_the_page_but_not_another_schools(client):
    mine, theirs = f.school("东小学"), f.school("西小学")
    my_off, their_off = f.offering(mine), f.offering(theirs)
    admin = _staff("school_admin", organisation=mine, region=mine.region)
    client.force_login(admin)
    assert f"/p/after_school/manage/offerings/{my_off.pk}/" in client.get("/p/after_school/manage/").content.decode()
    data = {"title": "三年级课后服务（调整）", "capacity": "40", "grade_min": "1", "grade_max": "6", "fee": "250",
            "fee_basis": "term"}  # is_published left off: closed for applications
    assert client.post(f"/p/after_school/manage/offerings/{my_off.pk}/", data).status_code == 302
    my_off.refresh_from_db()
    assert (my_off.title, my_off.capacity, my_off.fee, my_off.is_published) == (
        "三年级课后服务（调整）", 40, Decimal("250.00"), False)
    assert client.get(f"/p/after_school/manage/offerings/{their_off.pk}/").status_code == 404
    assert client.post(f"/p/after_school/manage/offerings/{their_off.pk}/", data).status_code == 404
    assert Offering.objects.get(pk=their_off.pk).title == "三年级课后服务"
