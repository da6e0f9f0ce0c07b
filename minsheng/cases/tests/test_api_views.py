"""HTTP surface: my cases, timelines in plain words, the workbench and the API."""

from datetime import datetime

import pytest
import time_machine
from django.utils import timezone

from minsheng.cases.models import Case, CaseEvent
from minsheng.cases.services import case_act, case_open, task_claim


def at(*args):
    return timezone.make_aware(datetime(*args))


def open_case(world, applicant=None, subject=None):
    return case_open(
        process_key="example_two_department_approval",
        applicant=applicant or world.citizen,
        region=world.district,
        subject=subject,
        payload={},
    )


def test_my_cases_lists_own_and_cared_for_cases_in_plain_words(world, client, django_assert_max_num_queries):
    for _i in range(5):
        open_case(world)
    open_case(world, applicant=world.parent, subject=world.child)
    open_case(world, applicant=world.stranger)
    client.force_login(world.citizen)
    with django_assert_max_num_queries(8):
        response = client.get("/cases/mine/")
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('data-test="case"') == 5
    assert "Submitted, waiting to be checked" in page or "已提交" in page
    assert "submitted<" not in page
    client.force_login(world.parent)
    assert "王小明" in client.get("/cases/mine/").content.decode()


def test_a_citizen_sees_a_timeline_in_plain_words_but_not_other_peoples_cases(world, client):
    case = open_case(world)
    case_act(case=case, action="accept", actor=world.officer, comment="材料齐全")
    client.force_login(world.citizen)
    page = client.get(f"/cases/mine/{case.pk}/").content.decode()
    assert "材料齐全" in page
    assert "市行政审批局" in page  # the office, not the clerk's account
    assert "officer" not in page
    client.force_login(world.stranger)
    assert client.get(f"/cases/mine/{case.pk}/").status_code == 404


def test_the_applicant_withdraws_from_the_portal_and_a_refused_action_is_explained(world, client):
    case = open_case(world)
    client.force_login(world.stranger)
    assert client.post(f"/cases/mine/{case.pk}/act/", {"action": "withdraw"}).status_code == 404
    client.force_login(world.citizen)
    response = client.post(f"/cases/mine/{case.pk}/act/", {"action": "accept"}, follow=True)
    assert response.status_code == 200
    assert Case.objects.get(pk=case.pk).state == "submitted"
    assert list(response.context["messages"])
    client.post(f"/cases/mine/{case.pk}/act/", {"action": "withdraw", "version": "1"})
    assert Case.objects.get(pk=case.pk).state == "withdrawn"


def test_workbench_inbox_shows_counts_overdue_first_without_n_plus_one(world, client, django_assert_max_num_queries):
    with time_machine.travel(at(2026, 10, 12, 9, 0), tick=False):
        fresh = [open_case(world) for _i in range(2)]
    with time_machine.travel(at(2026, 9, 1, 9, 0), tick=False):
        old = open_case(world)
    with time_machine.travel(at(2026, 10, 12, 9, 0), tick=False):
        for _i in range(6):
            case_act(case=open_case(world), action="accept", actor=world.officer)
        client.force_login(world.officer)
        with django_assert_max_num_queries(14):
            response = client.get("/workbench/")
        page = response.content.decode()
        assert response.status_code == 200
        assert page.index(old.reference) < page.index(fresh[0].reference)
        assert page.index(fresh[0].reference) < page.index(fresh[1].reference)
        counts = response.context["box"]
        assert (counts.overdue, counts.due_today, counts.open) == (1, 0, 3)
        client.force_login(world.market_officer)
        with django_assert_max_num_queries(14):
            page = client.get("/workbench/").content.decode()
        assert page.count("/workbench/tasks/") == 6


def test_workbench_task_claim_and_complete_and_refusal_message(world, client):
    case = open_case(world)
    case_act(case=case, action="accept", actor=world.officer)
    task = case.tasks.get(department_code="market_regulation")
    client.force_login(world.other_officer)
    assert client.get(f"/workbench/tasks/{task.pk}/").status_code == 404
    client.force_login(world.market_officer)
    assert client.get(f"/workbench/tasks/{task.pk}/").status_code == 200
    client.post(f"/workbench/tasks/{task.pk}/claim/", {"version": "1"})
    task.refresh_from_db()
    assert task.assignee == world.market_officer
    client.force_login(world.market_head)
    response = client.post(f"/workbench/tasks/{task.pk}/claim/", {"version": "1"}, follow=True)
    assert list(response.context["messages"])  # told someone else already took it
    client.force_login(world.market_officer)
    client.post(f"/workbench/tasks/{task.pk}/complete/", {"outcome": "done", "version": "2"})
    task.refresh_from_db()
    assert task.state == "done"


def test_api_act_with_stale_version_is_409_and_changes_nothing(world, client):
    case = open_case(world)
    client.force_login(world.officer)
    ok = client.post(
        f"/api/v1/cases/{case.pk}/act",
        {"action": "accept", "expected_version": 1},
        content_type="application/json",
    )
    assert ok.status_code == 200, ok.content
    assert ok.json()["state"] == "in_departments"
    stale = client.post(
        f"/api/v1/cases/{case.pk}/act",
        {"action": "reject", "comment": "x", "expected_version": 1},
        content_type="application/json",
    )
    assert stale.status_code == 409
    assert set(stale.json()) == {"code", "message", "fields"}
    assert Case.objects.get(pk=case.pk).state == "in_departments"
    assert CaseEvent.objects.filter(case=case, action="reject").count() == 0


def test_api_scopes_cases_and_tasks(world, client):
    case = open_case(world)
    case_act(case=case, action="accept", actor=world.officer)
    task = case.tasks.get(department_code="tax")
    client.force_login(world.stranger)
    assert client.get(f"/api/v1/cases/{case.pk}").status_code == 404
    assert client.get("/api/v1/cases/99999999999999999999999").status_code in (404, 422)
    client.force_login(world.citizen)
    detail = client.get(f"/api/v1/cases/{case.pk}").json()
    assert detail["tasks"] == [] and detail["timeline"][0]["text"]
    assert [c["reference"] for c in client.get("/api/v1/cases/mine").json()] == [case.reference]
    client.force_login(world.other_officer)
    assert client.post(f"/api/v1/cases/tasks/{task.pk}/claim", {}, content_type="application/json").status_code == 404
    client.force_login(world.tax_officer)
    inbox = client.get("/api/v1/cases/inbox").json()
    assert [t["id"] for t in inbox["tasks"]] == [task.pk]
    assert client.post(f"/api/v1/cases/tasks/{task.pk}/claim", {"expected_version": 1}, content_type="application/json").status_code == 200
    done = client.post(
        f"/api/v1/cases/tasks/{task.pk}/complete",
        {"outcome": "done", "expected_version": 2},
        content_type="application/json",
    )
    assert done.status_code == 200 and done.json()["state"] == "done"


@pytest.mark.django_db
def test_citizens_cannot_open_the_staff_inbox(world, client):
    client.force_login(world.citizen)
    assert client.get("/api/v1/cases/inbox").status_code == 403
    assert client.get("/workbench/").status_code == 403


def test_claiming_twice_by_the_same_clerk_is_harmless(world):
    case = open_case(world)
    case_act(case=case, action="accept", actor=world.officer)
    task = case.tasks.get(department_code="tax")
    task_claim(task=task, actor=world.tax_officer)
    assert task_claim(task=task, actor=world.tax_officer).state == "claimed"


def test_workbench_warns_administrators_about_a_year_without_holidays(world, admin_client, client):
    with time_machine.travel(at(2026, 11, 20, 9, 0), tick=False):
        page = admin_client.get("/workbench/").content.decode()
        assert 'data-test="calendar-warning"' in page and "2027" in page
        client.force_login(world.officer)
        assert 'data-test="calendar-warning"' not in client.get("/workbench/").content.decode()


def test_withdrawing_from_the_portal_asks_in_a_dialog_and_posts_without_javascript(world, client):
    case = open_case(world)
    client.force_login(world.citizen)
    page = client.get(f"/cases/mine/{case.pk}/").content.decode()
    form = page.split('data-confirm="ms-confirm-withdraw"')[1].split("</form>")[0]
    assert 'name="action" value="withdraw"' in form and f'name="version" value="{case.version}"' in form
    assert 'id="ms-confirm-withdraw"' in page and "data-confirm-submit" in page  # the dialog
    client.post(f"/cases/mine/{case.pk}/act/", {"action": "withdraw", "version": str(case.version)})
    assert Case.objects.get(pk=case.pk).state == "withdrawn"
