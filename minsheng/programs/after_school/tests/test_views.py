from datetime import date

import pytest
import time_machine

from minsheng.access.models import Role, RoleAssignment

from ..models import Application, Attendance, PickUp, Session
from ..services.applications import application_submit, application_withdraw
from ..services.running import sessions_generate
from . import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def frozen():
    with time_machine.travel(f.NOW, tick=False):
        yield


@pytest.fixture
def setup():
    school = f.school()
    off = f.offering(school, capacity=1)
    f.window(school)
    guardian, child = f.guardian_with_child(school)
    return school, off, guardian, child


def test_guardian_page_lists_children_and_open_offerings(client, setup):
    school, off, guardian, child = setup
    client.force_login(guardian)
    page = client.get("/p/after_school/").content.decode()
    assert child.name in page and off.title in page


def test_guardian_applies_through_the_page_and_a_repeat_post_is_one_application(client, setup):
    school, off, guardian, child = setup
    client.force_login(guardian)
    data = {"student": child.pk, "offering": off.pk, "weekdays": ["0", "2"], "rank": "1",
            "idempotency_key": "form-key-12345678"}
    assert client.post("/p/after_school/apply/", data).status_code == 302
    assert client.post("/p/after_school/apply/", data).status_code == 302
    app = Application.objects.get()
    assert app.state == "admitted" and app.reference in client.get("/p/after_school/").content.decode()


def test_an_offering_the_child_holds_shows_applied_not_a_second_form_on_the_page_and_in_the_api(client, setup):
    school, off, guardian, child = setup
    client.force_login(guardian)
    page = client.get("/p/after_school/").content.decode()
    assert 'data-test="offering"' in page and 'data-test="offering-applied"' not in page
    data = {"student": child.pk, "offering": off.pk, "weekdays": ["0"], "rank": "1",
            "idempotency_key": "form-key-87654321"}
    assert client.post("/p/after_school/apply/", data).status_code == 302
    page = client.get("/p/after_school/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'data-test="offering"' not in page and 'data-test="offering-applied"' in page
    assert "已为这个孩子报名" in page
    assert client.get("/api/v1/after_school/children").json()[0]["applied"] == [off.pk]
    application_withdraw(guardian_user=guardian, application_id=Application.objects.get().pk)
    page = client.get("/p/after_school/").content.decode()
    assert 'data-test="offering"' in page and 'data-test="offering-applied"' not in page
    assert client.get("/api/v1/after_school/children").json()[0]["applied"] == []


def test_hostile_form_input_is_refused_without_a_500(client, setup):
    school, off, guardian, child = setup
    client.force_login(guardian)
    for data in [{"student": "1 or 1=1", "offering": off.pk, "weekdays": ["0"], "idempotency_key": "k" * 20},
                 {"student": child.pk, "offering": "x", "weekdays": ["9"], "idempotency_key": "k" * 20},
                 {"student": child.pk, "offering": 999999, "weekdays": ["0"], "rank": "1", "idempotency_key": "k" * 20},
                 {"student": child.pk, "offering": off.pk, "weekdays": ["0"], "rank": "1", "idempotency_key": "<script>"}]:
        response = client.post("/p/after_school/apply/", data, follow=True)
        assert response.status_code == 200
    assert Application.objects.count() == 0


def test_teacher_page_and_api_mark_attendance_and_pickup(client, setup):
    school, off, guardian, child = setup
    teacher = f.teacher(school)
    off.teachers.add(teacher)
    application_submit(guardian_user=guardian, student_id=child.pk, offering_id=off.pk, weekdays=[0],
                                idempotency_key=f.key())
    sessions_generate(offering=off, start=date(2026, 3, 2), end=date(2026, 3, 2))
    session = Session.objects.get()
    with time_machine.travel(f.NOW.replace(month=3, day=2, hour=16), tick=False):
        client.force_login(teacher.person.user)
        assert off.title in client.get("/p/after_school/teacher/").content.decode()
        marked = client.post(f"/p/after_school/teacher/sessions/{session.pk}/mark/", {"student": child.pk, "status": "present"})
        assert marked["Location"].endswith(f"#roll-{child.pk}")  # back to the child's card, not the top
        assert f'id="roll-{child.pk}"' in client.get(f"/p/after_school/teacher/sessions/{session.pk}/").content.decode()
        r = client.post(f"/api/v1/after_school/teacher/sessions/{session.pk}/pickup",
                        {"student": child.pk, "collected_by": guardian.person.pk}, content_type="application/json")
    assert r.status_code == 200 and r.json()["late"] is False
    assert Attendance.objects.get().status == "present" and PickUp.objects.get().collected_by == guardian.person
    client.force_login(guardian)
    refused = client.post(f"/api/v1/after_school/teacher/sessions/{session.pk}/attendance",
                          {"student": child.pk, "status": "absent"}, content_type="application/json")
    assert refused.status_code == 404
    assert client.get(f"/p/after_school/teacher/sessions/{session.pk}/").status_code == 404
    assert Attendance.objects.get().status == "present"


def test_supervision_view_and_api_need_a_staff_role_and_aggregate(client, setup):
    school, off, guardian, child = setup
    application_submit(guardian_user=guardian, student_id=child.pk, offering_id=off.pk, weekdays=[0],
                                idempotency_key=f.key())
    client.force_login(guardian)
    assert client.get("/p/after_school/supervision/").status_code == 403
    assert client.get("/api/v1/after_school/supervision").status_code == 403
    staff = f.user("督导", is_staff=True)
    Role.objects.get_or_create(code="education_supervisor", defaults={"title": "教育督导"})
    RoleAssignment.objects.create(user=staff, role_id="education_supervisor", organisation=school,
                                  region=f.region().parent)
    client.force_login(staff)
    assert client.get("/p/after_school/supervision/").status_code == 200
    rows = client.get("/api/v1/after_school/supervision?by=school").json()
    assert rows[0]["students"] == 1 and rows[0]["coverage_percent"] == 100.0
    assert client.get("/p/after_school/manage/").status_code == 200


def test_supervision_draws_participation_and_attendance_and_downloads_csv_with_scope_and_filters(client, setup):
    school, off, guardian, child = setup
    application_submit(guardian_user=guardian, student_id=child.pk, offering_id=off.pk, weekdays=[0],
                       idempotency_key=f.key())
    staff = f.user("督导", is_staff=True)
    Role.objects.get_or_create(code="education_supervisor", defaults={"title": "教育督导"})
    RoleAssignment.objects.create(user=staff, role_id="education_supervisor", organisation=school,
                                  region=f.region().parent)
    client.force_login(staff)
    html = client.get("/p/after_school/supervision/?by=school").content.decode()
    assert 'id="chart-participation-data"' in html and 'id="chart-attendance-data"' in html
    lines = client.get("/p/after_school/supervision/?by=school&format=csv&chart=participation").content.decode(
        "utf-8-sig").splitlines()
    assert school.name in lines[1]  # the supervisor's assignment
    assert lines[-1] == f"{school.name},100.0,"  # coverage 100 %, no parent rating yet


def test_manage_creates_offering_with_rule_errors_shown(client, setup):
    school, off, guardian, child = setup
    staff = f.user("教务", is_staff=True)
    Role.objects.get_or_create(code="school_admin", defaults={"title": "学校管理员"})
    RoleAssignment.objects.create(user=staff, role_id="school_admin", organisation=school, region=school.region)
    client.force_login(staff)
    data = {"form": "offering", "term": off.term_id, "school": school.pk, "title": "周六体育托管",
            "kind": "weekend", "activity": "sports", "weekdays": ["5"], "start_time": "09:00",
            "end_time": "11:30", "grade_min": 1, "grade_max": 6, "capacity": 40, "fee": "0",
            "fee_basis": "term", "allocation": "lottery"}
    assert client.post("/p/after_school/manage/", data).status_code == 302
    bad = client.post("/p/after_school/manage/", {**data, "kind": "weekday", "weekdays": ["0"], "end_time": "16:00",
                                                  "start_time": "15:00"})
    assert bad.status_code == 200
    assert "two hours" in bad.content.decode() or "两小时" in bad.content.decode() or "2" in bad.content.decode()
    assert list(off.term.offerings.values_list("title", flat=True).order_by("pk")) == [off.title, "周六体育托管"]


def test_api_key_reused_with_a_different_body_is_422_and_changes_nothing(client, setup):
    school, off, guardian, child = setup
    off2 = f.offering(school, capacity=5)
    client.force_login(guardian)
    key = {"Idempotency-Key": "api-key-reused-0001"}
    body = {"student": child.pk, "offering": off.pk, "weekdays": [0]}
    first = client.post("/api/v1/after_school/applications", body, content_type="application/json", headers=key)
    assert first.status_code == 201
    for changed in ({**body, "weekdays": [0, 1]}, {**body, "offering": off2.pk}, {**body, "rank": 2}):
        response = client.post("/api/v1/after_school/applications", changed, content_type="application/json",
                                headers=key)
        assert response.status_code == 422, changed
        assert response.json()["code"] == "invalid"
        assert "idempotency_key" in response.json()["fields"]
    assert Application.objects.count() == 1
    assert Application.objects.get().offering_id == off.pk
    # the very same request still gets the first answer
    again = client.post("/api/v1/after_school/applications", body, content_type="application/json", headers=key)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
