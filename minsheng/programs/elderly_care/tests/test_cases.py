"""Applications and rectifications run through the shared case workflow (minsheng.cases)."""

from datetime import date, timedelta

import pytest
import time_machine

from minsheng.cases.models import Case, CaseTask
from minsheng.cases.services import case_act, sla_check, task_complete
from minsheng.core.errors import Conflict, NotAllowed, ValidationFailed
from minsheng.identity.models import Person
from minsheng.notifications.models import Notification

from ..models import CareApplication, Elder, OrderStatus, Rectification, WorkOrder
from ..processes import APPLICATION, CIVIL_AFFAIRS, PROVIDER_TASK, RECTIFICATION
from ..services.applications import application_decide, application_submit
from ..services.followup import (
    followup_draw,
    followup_record,
    rectification_respond,
    rectification_review,
)
from . import factories as f

pytestmark = pytest.mark.django_db
NOW = "2026-03-10 10:00 +08:00"  # a Tuesday


def _person(name="王秀兰"):
    *_, community = f.regions()
    return Person.objects.create(
        name=name, birth_date=date(1940, 1, 5), residence_region=community, address="朐阳社区5号"
    )


def _officer(org):
    _city, county, *_ = f.regions()
    return f.grant(f.user("民政科员"), "civil_affairs_officer", org, county)


@time_machine.travel(NOW, tick=False)
def test_application_opens_a_case_with_a_civil_affairs_review_task_due_in_working_days():
    org = f.civil_affairs()
    person = _person()
    worker = f.user("社区网格员")
    app = application_submit(
        person=person,
        submitted_by=worker,
        categories=["advanced_age", "living_alone"],
        living_arrangement="alone",
        on_behalf=True,
    )
    case = app.case
    assert (case.process_key, case.state, case.subject_id) == (APPLICATION, "reviewing", person.pk)
    assert case.applicant == worker and case.organisation == org
    task = case.tasks.get()
    assert task.department_code == CIVIL_AFFAIRS and task.organisation == org
    # 10 working days from Tue 10 March 2026: Tue 24 March, end of day
    assert task.due_at.date() == date(2026, 3, 24)
    with pytest.raises(Conflict):
        application_submit(
            person=person,
            submitted_by=worker,
            categories=["advanced_age"],
            living_arrangement="alone",
        )


@time_machine.travel(NOW, tick=False)
def test_completing_the_review_task_approves_registers_the_elder_and_tells_the_applicant():
    org = f.civil_affairs()
    officer = _officer(org)
    person = _person()
    app = application_submit(
        person=person,
        submitted_by=f.user(),
        categories=["advanced_age"],
        living_arrangement="alone",
    )
    task = app.case.tasks.get()
    outsider = f.user("别的部门")
    with pytest.raises(NotAllowed):
        task_complete(task=task, actor=outsider, outcome="done")
    task_complete(task=task, actor=officer, outcome="done")  # e.g. the generic workbench button
    case = Case.objects.get(pk=app.case_id)
    assert case.state == "approved" and case.closed_at is not None
    elder = Elder.objects.get(person=person)
    assert elder.categories == ["advanced_age"] and elder.living_arrangement == "alone"
    assert Notification.objects.filter(
        template="elderly_care.application_decided", dedupe_key=f"ec-app-{app.pk}-decided"
    ).exists()
    with pytest.raises(Conflict):
        application_decide(application=app, actor=officer, approve=True)


@time_machine.travel(NOW, tick=False)
def test_rejection_needs_a_reason_and_registers_nobody():
    org = f.civil_affairs()
    officer = _officer(org)
    person = _person()
    app = application_submit(
        person=person,
        submitted_by=f.user(),
        categories=["advanced_age"],
        living_arrangement="alone",
    )
    with pytest.raises(ValidationFailed):
        application_decide(application=app, actor=officer, approve=False, note=" ")
    application_decide(application=app, actor=officer, approve=False, note="未满80周岁")
    app.refresh_from_db()
    assert app.case.state == "rejected"
    assert app.case.tasks.get().state == "rejected"
    assert not Elder.objects.filter(person=person).exists()


def test_an_overdue_review_is_reminded_and_escalated_by_the_sla_check():
    org = f.civil_affairs()
    _officer(org)
    with time_machine.travel(NOW, tick=False):
        app = application_submit(
            person=_person(),
            submitted_by=f.user(),
            categories=["advanced_age"],
            living_arrangement="alone",
        )
    with time_machine.travel("2026-03-30 10:00 +08:00", tick=False):
        sla_check()
    task = CaseTask.objects.get(case=app.case)
    assert task.reminded_at is not None and task.state == "open"


def _bad_callback():
    f.civil_affairs()
    org = f.provider()
    _city, county, *_ = f.regions()
    admin = f.grant(f.user("机构管理员"), "provider_admin", org, county)
    elder = f.elder()
    start = f.at(2026, 3, 3, 9)
    WorkOrder.objects.create(
        elder=elder,
        region_id=elder.region_id,
        provider=org,
        service=f.services()["cleaning"],
        planned_start=start,
        planned_minutes=60,
        status=OrderStatus.VERIFIED,
        checked_in_at=start,
        checked_out_at=start + timedelta(hours=1),
    )
    call = followup_draw(month=date(2026, 3, 1), size=1).calls.get()
    caller = f.user("回访员")
    followup_record(call=call, actor=caller, result="bad", satisfaction=1, note="护理员没来")
    return org, admin, Rectification.objects.get()


@time_machine.travel("2026-04-07 10:00 +08:00", tick=False)
def test_bad_callback_opens_a_rectification_case_with_a_provider_task_and_a_deadline():
    org, admin, rect = _bad_callback()
    case = rect.case
    assert (case.process_key, case.state) == (RECTIFICATION, "rectifying")
    task = case.tasks.get()
    assert task.department_code == PROVIDER_TASK and task.organisation == org
    assert task.due_at == rect.due_at and task.due_at.date() == date(2026, 4, 14)
    # the written report is required, through any page
    with pytest.raises(ValidationFailed):
        task_complete(task=task, actor=admin, outcome="done", data={"report": ""})
    assert CaseTask.objects.get(pk=task.pk).state == "open"
    rectification_respond(task=rect, actor=admin, response="已更换护理员并上门致歉")
    rect.refresh_from_db()
    assert rect.response == "已更换护理员并上门致歉" and rect.case.state == "verifying"
    with pytest.raises(Conflict):
        rectification_respond(task=rect, actor=admin, response="再次")


@time_machine.travel("2026-04-07 10:00 +08:00", tick=False)
def test_civil_affairs_sends_back_then_accepts_the_rectification_report():
    org, admin, rect = _bad_callback()
    officer = _officer(f.civil_affairs())
    rectification_respond(task=rect, actor=admin, response="已整改")
    with pytest.raises(NotAllowed):
        case_act(case=rect.case, action="accept", actor=admin)
    with pytest.raises(ValidationFailed):
        rectification_review(task=rect, actor=officer, accept=False, note="")
    rectification_review(task=rect, actor=officer, accept=False, note="请附上老人签字")
    rect.refresh_from_db()
    assert rect.case.state == "rectifying" and rect.case.tasks.filter(state="open").count() == 1
    rectification_respond(task=rect, actor=admin, response="已附签字")
    rectification_review(task=rect, actor=officer, accept=True)
    rect.refresh_from_db()
    assert rect.case.state == "rectified" and rect.response == "已附签字"
    assert CareApplication.objects.count() == 0


def _son_and_mother():
    """李建国 (an account) and his mother 李秀英 in his care, whose residence is not recorded."""
    from minsheng.identity.models import PersonRelation

    son = f.user("李建国")
    me = Person.objects.create(name="李建国", birth_date=date(1970, 3, 1), user=son)
    mother = Person.objects.create(name="李秀英", birth_date=date(1941, 6, 2))
    PersonRelation.objects.create(person=me, relative=mother, kind="family")
    return son, mother


@time_machine.travel(NOW, tick=False)
def test_a_family_member_applies_for_a_relative_on_the_page_naming_where_the_elder_lives(client):
    org = f.civil_affairs()
    *_, community = f.regions()
    son, mother = _son_and_mother()
    client.force_login(son)
    page = client.get("/p/elderly_care/")
    assert "李秀英" in page.content.decode()  # the relative can be chosen
    form = {"elder": mother.pk, "categories": ["advanced_age"], "living_arrangement": "alone"}
    refused = client.post("/p/elderly_care/", form)
    assert refused.status_code == 200 and "alert-danger" in refused.content.decode()
    assert not CareApplication.objects.exists()
    client.post("/p/elderly_care/", {**form, "community": community.code, "address": "朐阳社区8号"})
    app = CareApplication.objects.get()
    assert (app.person, app.region, app.submitted_by, app.on_behalf) == (mother, community, son, False)
    application_decide(application=app, actor=_officer(org), approve=True)
    elder = Elder.objects.get(person=mother)
    assert (elder.region, elder.address) == (community, "朐阳社区8号")


@time_machine.travel(NOW, tick=False)
def test_a_citizen_cannot_apply_for_someone_outside_their_care(client):
    f.civil_affairs()
    *_, community = f.regions()
    user = f.user("陈明")
    Person.objects.create(name="陈明", birth_date=date(1950, 3, 1), user=user)  # no residence recorded
    stranger = _person("孙玉兰")
    client.force_login(user)
    assert "孙玉兰" not in client.get("/p/elderly_care/").content.decode()
    answer = client.post("/p/elderly_care/", {"elder": stranger.pk, "categories": ["advanced_age"],
                                              "living_arrangement": "alone", "community": community.code})
    assert answer.status_code == 404
    assert not CareApplication.objects.exists()


API = "/api/v1/elderly_care/applications"


@time_machine.travel(NOW, tick=False)
def test_a_family_member_applies_for_a_relative_by_api_follows_it_and_an_officer_decides_by_api(client):
    from minsheng.audit.models import AuditEvent

    org = f.civil_affairs()
    *_, community = f.regions()
    son, mother = _son_and_mother()
    stranger = _person("孙玉兰")
    client.force_login(son)
    form = {"elder": mother.pk, "categories": ["advanced_age"], "living_arrangement": "alone"}
    where = client.post(API, form, content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert where.status_code == 422 and "community" in where.json()["fields"]
    assert "居住" in where.json()["message"] or "街道" in where.json()["message"]  # in the reader's language
    bad = client.post(API, {**form, "categories": []}, content_type="application/json")
    assert bad.status_code == 422 and "categories" in bad.json()["fields"]
    outsider = client.post(API, {**form, "elder": stranger.pk, "community": community.code},
                           content_type="application/json")
    assert outsider.status_code == 404
    assert AuditEvent.objects.filter(event_type="access.refused", actor=son).exists()  # the refusal is audited
    assert not CareApplication.objects.exists()
    made = client.post(API, {**form, "community": community.code, "address": "朐阳社区8号"},
                       content_type="application/json")
    assert made.status_code == 201, made.content
    body = made.json()
    app = CareApplication.objects.get()
    assert (body["id"], body["elder"], body["decided"], body["on_behalf"]) == (app.pk, "李秀英", False, False)
    assert body["reference"] == app.case.reference and body["state"] != app.case.state  # a title, not a code
    again = client.post(API, {**form, "community": community.code}, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "duplicate"
    assert [a["id"] for a in client.get(API).json()] == [app.pk]
    # The son cannot decide his mother's application; the civil-affairs officer of the area can.
    assert client.post(f"{API}/{app.pk}/decide", {"approve": True}, content_type="application/json").status_code == 404
    client.force_login(_officer(org))
    no_reason = client.post(f"{API}/{app.pk}/decide", {"approve": False}, content_type="application/json")
    assert no_reason.status_code == 422 and "note" in no_reason.json()["fields"]
    decided = client.post(f"{API}/{app.pk}/decide", {"approve": True}, content_type="application/json")
    assert decided.status_code == 200 and decided.json()["decided"] is True
    assert Elder.objects.get(person=mother).region == community
    twice = client.post(f"{API}/{app.pk}/decide", {"approve": True}, content_type="application/json")
    assert twice.status_code == 409
    client.force_login(son)
    assert client.get(API).json()[0]["decided"] is True


@time_machine.travel(NOW, tick=False)
def test_the_applications_api_answers_in_a_fixed_number_of_statements(client, django_assert_max_num_queries):
    from minsheng.identity.models import PersonRelation

    f.civil_affairs()
    son = f.user("李建国")
    me = Person.objects.create(name="李建国", birth_date=date(1970, 3, 1), user=son)
    for i in range(4):
        relative = _person(f"李{i}")
        PersonRelation.objects.create(person=me, relative=relative, kind="family")
        application_submit(person=relative, submitted_by=son, categories=["advanced_age"], living_arrangement="alone")
    client.force_login(son)
    client.get(API)  # the session's first request reads the account
    # the session's user; the caller's person and their relatives in care (people_in_care_ids);
    # the applications with person and case — the same four for one application or forty
    with django_assert_max_num_queries(4):
        answer = client.get(API)
    assert len(answer.json()) == 4
