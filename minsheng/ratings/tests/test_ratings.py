"""好差评: one rating per finished service, a 差评 opens a follow-up case, statistics in scope."""

import pytest

from minsheng.access.models import RoleAssignment
from minsheng.cases.models import Case
from minsheng.cases.services import case_act, case_open, sla_check
from minsheng.core.errors import Conflict, ValidationFailed
from minsheng.notifications.models import Notification
from minsheng.ratings.models import Rating
from minsheng.ratings.selectors import rating_stats
from minsheng.ratings.services import rating_submit_for_case


def finished_case(world, applicant=None):
    case = case_open(
        process_key="example_two_department_approval",
        applicant=applicant or world.citizen,
        region=world.district,
        payload={},
    )
    case_act(case=case, action="reject", actor=world.officer, comment="材料不全")
    return Case.objects.get(pk=case.pk)


def test_a_bad_rating_opens_a_follow_up_case_for_the_responsible_department(world, client):
    case = finished_case(world)
    client.force_login(world.citizen)
    response = client.post(
        f"/ratings/case/{case.pk}/", {"level": "1", "comment": "窗口态度差"}, follow=True
    )
    assert response.status_code == 200
    rating = Rating.objects.get()
    assert rating.level == 1 and rating.organisation == world.bureau
    follow_up = rating.follow_up
    assert follow_up.process_key == "rating_follow_up"
    assert follow_up.state == "contacting"
    assert follow_up.organisation == world.bureau
    assert follow_up.due_at is not None
    assert Notification.objects.filter(recipient=world.officer, template="ratings.bad_rating").exists()
    # the department records its contact and its rectification
    case_act(case=follow_up, action="record_contact", actor=world.officer, comment="已电话联系")
    case_act(case=follow_up, action="report_rectification", actor=world.officer, comment="已整改")
    follow_up.refresh_from_db()
    assert follow_up.state == "closed" and follow_up.closed_at


def test_an_ignored_bad_rating_is_escalated_after_five_working_days(world):
    from datetime import datetime

    import time_machine
    from django.utils import timezone

    case = finished_case(world)
    with time_machine.travel(timezone.make_aware(datetime(2026, 9, 28, 10)), tick=False):
        rating = rating_submit_for_case(rater=world.citizen, case=case, level=2, comment="太慢")
    # 5 working days from Mon 28 Sept: 29, 30 Sept, then 8, 9, 10 Oct (National Day skipped)
    assert timezone.localtime(rating.follow_up.due_at).date().isoformat() == "2026-10-10"
    report = sla_check(now=timezone.make_aware(datetime(2026, 10, 12, 9)))
    assert rating.follow_up.reference in report.escalated


def test_a_second_rating_of_the_same_service_is_a_conflict(world):
    case = finished_case(world)
    rating_submit_for_case(rater=world.citizen, case=case, level=5)
    with pytest.raises(Conflict):
        rating_submit_for_case(rater=world.citizen, case=case, level=4)
    assert Rating.objects.count() == 1


def test_only_finished_services_of_ones_own_can_be_rated(world, client):
    open_one = case_open(
        process_key="example_two_department_approval",
        applicant=world.citizen,
        region=world.district,
        payload={},
    )
    with pytest.raises(ValidationFailed):
        rating_submit_for_case(rater=world.citizen, case=open_one, level=5)
    case = finished_case(world)
    client.force_login(world.stranger)
    assert client.post(f"/ratings/case/{case.pk}/", {"level": "5"}).status_code == 404
    with pytest.raises(ValidationFailed):
        rating_submit_for_case(rater=world.citizen, case=case, level=1)  # a 差评 needs a reason
    with pytest.raises(ValidationFailed):
        rating_submit_for_case(rater=world.citizen, case=case, level=9)
    assert not Rating.objects.exists()


def test_rating_stats_per_department_service_and_region_within_scope(world, client):
    rating_submit_for_case(rater=world.citizen, case=finished_case(world), level=5)
    rating_submit_for_case(rater=world.citizen, case=finished_case(world), level=1, comment="差")
    rating_submit_for_case(rater=world.parent, case=finished_case(world, world.parent), level=3)
    rows = rating_stats(scope_user=world.head, group_by="organisation")
    assert rows == [
        {
            "key": str(world.bureau.pk),
            "label": "市行政审批局",
            "count": 3,
            "average": 3.0,
            "satisfaction_rate": round(2 / 3, 4),
            "bad": 1,
        }
    ]
    assert rating_stats(scope_user=world.head, group_by="region")[0]["label"] == "海州区"
    assert rating_stats(scope_user=world.market_head, group_by="service") == []
    RoleAssignment.objects.create(
        user=world.market_officer, role_id="supervisor", organisation=world.market, region=world.city
    )
    assert rating_stats(scope_user=world.market_officer, group_by="service")[0]["count"] == 3
    client.force_login(world.head)
    api = client.get("/api/v1/ratings/stats?group_by=service")
    assert api.status_code == 200 and api.json()[0]["count"] == 3
    assert client.get("/ratings/stats/?group_by=region").status_code == 200
    client.force_login(world.officer)
    assert client.get("/ratings/stats/").status_code == 403


def test_api_submit_rating_and_duplicate_is_409(world, client):
    case = finished_case(world)
    client.force_login(world.citizen)
    first = client.post("/api/v1/ratings/", {"case_id": case.pk, "level": 4}, content_type="application/json")
    assert first.status_code == 201, first.content
    assert first.json()["follow_up_reference"] is None
    again = client.post("/api/v1/ratings/", {"case_id": case.pk, "level": 4}, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "duplicate"
