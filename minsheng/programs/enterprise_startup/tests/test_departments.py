"""The departments' steps (services.departments): each records its output and the case completes;
however a department finishes its step — this app's page, the generic workbench "Mark as done",
the cases API — the process's on_complete hook checks the output and issues the licence; two
officers finishing the same step at once: one wins, the other gets 409, one licence."""

import datetime as dt
import json
import threading

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from minsheng.cases.models import Case, CaseTask, TaskState
from minsheng.cases.services import sla_check
from minsheng.core.errors import NotAllowed, ValidationFailed
from minsheng.programs.enterprise_startup import selectors
from minsheng.programs.enterprise_startup.models import BusinessLicence, StepTiming
from minsheng.programs.enterprise_startup.services import departments

from .conftest import STEP_DATA, finish_all


def tasks_of(app):
    return {t.department_code: t for t in CaseTask.objects.filter(case_id=app.case_id)}


def test_workbench_mark_as_done_on_market_regulation_issues_the_licence(world, make_application, client):
    app = make_application()
    task = tasks_of(app)["market_regulation"]
    client.force_login(world.officers["market_regulation"])
    r = client.post(f"/workbench/tasks/{task.pk}/complete/", {"outcome": "done", "version": task.version})
    assert r.status_code == 302
    task.refresh_from_db()
    licence = BusinessLicence.objects.get(application=app)
    assert task.state == TaskState.DONE
    assert task.result == {"credit_code": licence.credit_code, "licence_serial": licence.serial}
    app.refresh_from_db()
    assert app.outputs["market_regulation"]["credit_code"] == licence.credit_code
    assert StepTiming.objects.filter(task=task).exists()


def test_workbench_mark_as_done_without_the_departments_output_is_refused_and_kept_open(world, make_application, client):
    app = make_application()
    task = tasks_of(app)["public_security"]
    client.force_login(world.officers["public_security"])
    r = client.post(f"/workbench/tasks/{task.pk}/complete/", {"outcome": "done"}, follow=True)
    assert "办结本环节前，请在标注的栏目中填写本部门的办理结果" in r.content.decode()  # the page is in Chinese
    task.refresh_from_db()
    assert task.state == TaskState.OPEN and task.result == {}
    assert not StepTiming.objects.filter(task=task).exists()


def test_cases_api_completion_with_data_records_the_output_and_completes_the_application(world, make_application, client):
    app = make_application()
    for code, task in tasks_of(app).items():
        client.force_login(world.officers[code])
        r = client.post(
            f"/api/v1/cases/tasks/{task.pk}/complete",
            json.dumps({"outcome": "done", "data": STEP_DATA[code]}),
            content_type="application/json",
        )
        assert r.status_code == 200, r.content
    app.refresh_from_db()
    assert app.state == "completed" and app.elapsed_working_hours is not None
    assert app.outputs["housing_fund"] == {"housing_fund_account": "GJJ-1"}
    assert BusinessLicence.objects.filter(application=app).count() == 1
    assert StepTiming.objects.filter(application=app).count() == 7


def test_cases_api_completion_without_output_is_a_422_at_the_field(world, make_application, client):
    app = make_application()
    task = tasks_of(app)["tax"]
    client.force_login(world.officers["tax"])
    r = client.post(f"/api/v1/cases/tasks/{task.pk}/complete", json.dumps({"outcome": "done"}), content_type="application/json")
    assert r.status_code == 422 and "taxpayer_type" in r.json()["fields"]


def test_a_refusal_through_the_workbench_rejects_the_application(world, make_application, client):
    app = make_application()
    task = tasks_of(app)["tax"]
    client.force_login(world.officers["tax"])
    client.post(f"/workbench/tasks/{task.pk}/complete/", {"outcome": "rejected", "comment": "经营地址不符"})
    app.refresh_from_db()
    assert app.state == "rejected" and Case.objects.get(pk=app.case_id).state == "rejected"
    assert not BusinessLicence.objects.filter(application=app).exists()


def test_each_department_records_its_output_and_the_case_completes(world, make_application):
    app = make_application()
    tasks = {t.department_code: t for t in CaseTask.objects.filter(case_id=app.case_id)}
    with pytest.raises(ValidationFailed):
        departments.step_complete(task=tasks["public_security"], actor=world.officers["public_security"], data={})
    with pytest.raises(NotAllowed):
        departments.step_complete(task=tasks["tax"], actor=world.officers["bank"], data={"taxpayer_type": "x"})
    app = finish_all(world, app)
    assert app.state == "completed" and app.visits == 0 and app.elapsed_working_hours is not None
    assert Case.objects.get(pk=app.case_id).state == "completed"
    lic_row = BusinessLicence.objects.get(application=app)
    assert lic_row.credit_code.startswith("91320706")
    assert app.outputs["public_security"]["seal_shop"] == world.shop.name
    assert app.outputs["tax"]["taxpayer_type"] == "小规模纳税人"
    assert app.outputs["bank"]["appointment_at"]
    assert StepTiming.objects.filter(application=app).count() == 7
    assert {s.code for s in selectors.tracker(application=app)} >= {"market_regulation", "bank"}


def test_an_overdue_step_is_escalated_by_the_sla_check(world, make_application):
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=timezone.get_current_timezone()), tick=False):
        app = make_application()
    task = CaseTask.objects.get(case_id=app.case_id, department_code="tax")
    assert task.due_at is not None
    with time_machine.travel(dt.datetime(2026, 3, 2, 16, 0, tzinfo=timezone.get_current_timezone()), tick=False):
        report = sla_check()
    task.refresh_from_db()
    assert task.escalated_at is not None and any(str(task.pk) in r for r in report.escalated)
    steps = {s.code: s for s in selectors.tracker(application=app)}
    assert steps["tax"].overdue is False or steps["tax"].state == "open"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not settings.IS_POSTGRES, reason="row locks need PostgreSQL; runs in the PostgreSQL CI pass")
def test_two_officers_finishing_the_licence_step_at_once_one_wins_one_licence(world, catalogue, make_application):
    from minsheng.access.models import RoleAssignment

    from .conftest import staff_user

    app = make_application()
    task = tasks_of(app)["market_regulation"]
    first = world.officers["market_regulation"]
    second = staff_user("mr_second", "case_officer", RoleAssignment.objects.get(user=first).organisation, world.district)
    barrier = threading.Barrier(2)
    statuses = [None, None]

    def run(i, user):
        try:
            c = Client()
            c.force_login(user)
            barrier.wait()
            r = c.post(
                f"/api/v1/enterprise_startup/tasks/{task.pk}/complete",
                json.dumps({"outcome": "done", "data": {}}),
                content_type="application/json",
            )
            statuses[i] = r.status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, u)) for i, u in enumerate([first, second])]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(statuses) == [200, 409]
    assert BusinessLicence.objects.filter(application=app).count() == 1
    task.refresh_from_db()
    assert task.state == TaskState.DONE and task.result["credit_code"] == BusinessLicence.objects.get(application=app).credit_code
