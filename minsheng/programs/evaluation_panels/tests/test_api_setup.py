"""The set-up API: the same services and gates as the pages, the one error shape."""

import pytest

from minsheng.access.models import Organisation

from ..models import Category, Cycle, Milestone, Project, Volunteer
from . import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
API = "/api/v1/evaluation_panels"


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


@pytest.fixture
def office():
    haizhou, lianyun = f.district("320706"), f.district("320703")
    return {
        "city": f.staff_user("panel_organiser", organisation=f.org("市人大"), region=f.city()),
        "mine": f.staff_user("panel_organiser", organisation=f.org("海州区人大"), region=haizhou),
        "theirs": f.staff_user("panel_organiser", organisation=f.org("连云区人大"), region=lianyun),
        "unit": Organisation.objects.create(name="海州区住建局", kind="department", region=haizhou),
        "haizhou": haizhou,
    }


def test_cycles_are_opened_and_moved_by_a_city_organiser_only(client, office):
    body = {"year": 2027, "title": "2027年民生实事项目", "places": 5, "vote_on": "2027-03-15"}
    client.force_login(office["mine"])
    assert post(client, f"{API}/cycles", body).status_code == 403
    client.force_login(office["city"])
    r = post(client, f"{API}/cycles", body)
    assert r.status_code == 201 and r.json()["status"] == "soliciting" and r.json()["vote_on"] == "2027-03-15"
    r = post(client, f"{API}/cycles", body)
    assert r.status_code == 422 and r.json()["code"] == "invalid" and "year" in r.json()["fields"]
    cid = Cycle.objects.get(year=2027).pk
    assert post(client, f"{API}/cycles/{cid}/transition", {"action": "close"}).status_code == 409
    assert post(client, f"{API}/cycles/{cid}/transition", {"action": "screen"}).json()["status"] == "screening"


def test_projects_and_milestones_within_the_organisers_area(client, office):
    cycle, cat = f.cycle(), Category.objects.get_or_create(name="城乡建设")[0]
    body = {"cycle": cycle.pk, "title": "新坝小区雨污分流", "category": cat.pk, "lead_unit": office["unit"].pk,
            "region": office["haizhou"].pk, "budget": "320.5"}
    client.force_login(office["theirs"])
    r = post(client, f"{API}/manage/projects", body)
    assert r.status_code == 422 and set(r.json()["fields"]) >= {"lead_unit"}
    client.force_login(office["mine"])
    r = post(client, f"{API}/manage/projects", body)
    assert r.status_code == 201 and r.json()["budget"] == "320.50"
    pid = r.json()["id"]
    assert post(client, f"{API}/manage/projects/{pid}/milestones", {"title": "完成管网", "due_on": "2026-09-30"}).status_code == 201
    client.force_login(office["theirs"])
    assert post(client, f"{API}/manage/projects/{pid}/milestones", {"title": "越权", "due_on": "2026-09-30"}).status_code == 404
    assert Project.objects.filter(title="新坝小区雨污分流").count() == 1
    assert list(Milestone.objects.values_list("title", flat=True)) == ["完成管网"]


def test_the_pool_is_read_and_changed_within_the_area(client, office):
    mine, theirs = f.volunteer(region="320706"), f.volunteer(region="320703")
    client.force_login(office["mine"])
    assert [v["number"] for v in client.get(f"{API}/manage/volunteers").json()] == [mine.number]
    r = post(client, f"{API}/manage/volunteers/{mine.pk}/active", {"active": False, "reason": "已迁出"})
    assert r.status_code == 200 and r.json()["is_active"] is False
    assert post(client, f"{API}/manage/volunteers/{theirs.pk}/active", {"active": False, "reason": "x"}).status_code == 404
    assert Volunteer.objects.get(pk=theirs.pk).is_active is True
    client.force_login(f.user("市民"))
    assert client.get(f"{API}/manage/volunteers").status_code == 403
