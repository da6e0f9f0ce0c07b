"""Someone else's child: every child-scoped action is refused at the access gate
(``selectors.eligibility.applicant_get`` for a child, ``application_get_for_guardian`` for an
application), nothing is written, and the refusal is audited as ``access.refused``."""

import pytest
import time_machine

from minsheng.audit.models import AuditEvent

from ..models import Application, OfferingDay, SeatRequest
from ..services.applications import application_submit
from . import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
API = "/api/v1/after_school/applications"


@pytest.fixture
def frozen():
    with time_machine.travel(f.NOW, tick=False):
        yield


@pytest.fixture
def two_families():
    school = f.school()
    off = f.offering(school, capacity=5)
    f.window(school)
    mine, my_child = f.guardian_with_child(school)
    other, other_child = f.guardian_with_child(school)
    return off, mine, my_child, other, other_child


def refusals(user, target_type):
    return list(
        AuditEvent.objects.filter(event_type="access.refused", actor=user, target_type=target_type)
        .values_list("target_id", "new_values")
    )


def taken(off) -> list[int]:
    return list(OfferingDay.objects.filter(offering=off).order_by("weekday").values_list("taken", flat=True))


def test_applying_for_someone_elses_child_is_refused_by_api_and_page_and_writes_nothing(client, two_families):
    off, mine, _my_child, _other, other_child = two_families
    before = taken(off)
    client.force_login(mine)
    body = {"student": other_child.pk, "offering": off.pk, "weekdays": [0, 1]}
    api = client.post(API, body, content_type="application/json", headers={"Idempotency-Key": "not-mine-0000001"})
    assert api.status_code == 403 and api.json()["code"] == "forbidden"
    page = client.post("/p/after_school/apply/", {
        "student": other_child.pk, "offering": off.pk, "weekdays": ["0"], "rank": "1",
        "idempotency_key": "not-mine-0000002"}, follow=True)
    assert [m.level_tag for m in page.context["messages"]] == ["error"]
    assert Application.objects.count() == 0 and SeatRequest.objects.count() == 0
    assert taken(off) == before
    reason = {"action": "apply", "reason": "out_of_scope"}
    assert refusals(mine, "identity.person") == [(str(other_child.pk), reason)] * 2


def test_an_unknown_child_is_not_found_and_audited_as_no_such_record(two_families):
    off, mine, *_ = two_families
    with pytest.raises(Exception) as refused:
        application_submit(guardian_user=mine, student_id=999_999, offering_id=off.pk, weekdays=[0],
                           idempotency_key="unknown-child-01")
    assert refused.value.code == "not_found"
    assert refusals(mine, "identity.person") == [("999999", {"action": "apply", "reason": "no_such_record"})]


def test_someone_elses_application_cannot_be_withdrawn_answered_or_rated(client, two_families):
    off, mine, _my_child, other, other_child = two_families
    theirs = application_submit(guardian_user=other, student_id=other_child.pk, offering_id=off.pk,
                                weekdays=[0], idempotency_key="their-key-000001")
    before = taken(off)
    client.force_login(mine)
    assert client.post(f"{API}/{theirs.pk}/withdraw").status_code == 404
    client.post(f"/p/after_school/applications/{theirs.pk}/withdraw/")
    theirs.refresh_from_db()
    assert theirs.state == "admitted" and taken(off) == before
    assert list(theirs.seats.values_list("state", flat=True)) == ["admitted"]
    assert refusals(mine, "after_school.application") == [
        (str(theirs.pk), {"action": "view", "reason": "out_of_scope"})] * 2
