"""The panel office's set-up pages, GET and POST: cycles and candidates (city level), project and
milestone edits, the volunteer pool, sessions; and who may not see or change them."""

from datetime import date, timedelta

import pytest

from minsheng.access.models import Organisation

from .. import services
from ..models import CandidateProject, Cycle, CycleStatus, Milestone, Project, Volunteer
from . import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
P = "/p/evaluation_panels"


@pytest.fixture
def office():
    """A city-level organiser, one for 海州区 and one for 连云区, and a 海州区 unit."""
    haizhou, lianyun = f.district("320706"), f.district("320703")
    city = f.staff_user("panel_organiser", organisation=f.org("市人大"), region=f.city(), name="市级组织者")
    mine = f.staff_user("panel_organiser", organisation=f.org("海州区人大"), region=haizhou, name="海州组织者")
    theirs = f.staff_user("panel_organiser", organisation=f.org("连云区人大"), region=lianyun, name="连云组织者")
    unit = Organisation.objects.create(name="海州区住建局", kind="department", region=haizhou)
    return {"city": city, "mine": mine, "theirs": theirs, "unit": unit, "haizhou": haizhou, "lianyun": lianyun}


def test_a_city_organiser_opens_a_cycle_sets_its_dates_adds_candidates_and_moves_its_phase(client, office):
    client.force_login(office["city"])
    assert 'data-test="cycle-new"' in client.get(f"{P}/manage/cycles/").content.decode()
    r = client.post(f"{P}/manage/cycles/", {"year": 2027, "title": "2027年民生实事项目", "places": 2,
                                            "ideas_open_until": "2027-02-28", "vote_on": "2027-03-15"})
    cycle = Cycle.objects.get(year=2027)
    here = f"{P}/manage/cycles/{cycle.pk}/"
    assert r.status_code == 302 and r["Location"] == here
    r = client.post(here, {"form": "cycle", "title": "2027年连云港市民生实事项目", "places": 3,
                           "ideas_open_until": "2027-02-28", "vote_on": "2027-03-20",
                           "evaluations_from": "2027-10-01", "evaluations_until": "2027-11-30"})
    cycle.refresh_from_db()
    assert r.status_code == 302 and (cycle.places, cycle.evaluations_until) == (3, date(2027, 11, 30))
    client.post(here, {"form": "candidate", "title": "社区食堂", "lead_unit": office["unit"].pk, "budget": "120.5"})
    candidate = CandidateProject.objects.get(cycle=cycle)
    page = client.get(here).content.decode()
    assert "社区食堂" in page and "海州区住建局" in page and "120.5 ten-thousand yuan" in page
    r = client.post(f"{P}/manage/cycles/{cycle.pk}/candidates/{candidate.pk}/",
                    {"title": "社区老年食堂", "lead_unit": office["unit"].pk, "budget": "150"})
    assert r.status_code == 302 and CandidateProject.objects.get(pk=candidate.pk).title == "社区老年食堂"
    client.post(here, {"form": "phase", "action": "screen"})
    assert Cycle.objects.get(pk=cycle.pk).status == CycleStatus.SCREENING


def test_refusals_show_next_to_the_fields(client, office):
    f.cycle(2027)
    client.force_login(office["city"])
    r = client.post(f"{P}/manage/cycles/", {"year": 2027, "title": "重复", "places": 1})
    assert r.status_code == 422 and "There is already a cycle for 2027" in r.content.decode()
    c = f.cycle(2026)
    r = client.post(f"{P}/manage/cycles/{c.pk}/", {"form": "phase", "action": "close"}, follow=True)
    assert "cannot move to" in r.content.decode() and Cycle.objects.get(pk=c.pk).status == CycleStatus.SOLICITING


def test_a_district_organiser_reads_the_cycle_but_cannot_change_it(client, office):
    c = f.cycle(2027)
    client.force_login(office["mine"])
    page = client.get(f"{P}/manage/cycles/{c.pk}/").content.decode()
    assert c.title in page and 'data-test="cycle-edit"' not in page
    assert client.post(f"{P}/manage/cycles/", {"year": 2028, "title": "越权", "places": 1}).status_code == 403
    assert client.post(f"{P}/manage/cycles/{c.pk}/", {"form": "phase", "action": "screen"}).status_code == 403
    assert not Cycle.objects.filter(year=2028).exists() and Cycle.objects.get(pk=c.pk).status == CycleStatus.SOLICITING
    client.force_login(f.staff_user("project_unit_officer", organisation=office["unit"]))
    assert client.get(f"{P}/manage/cycles/").status_code == 403


def test_an_organiser_edits_a_project_and_its_milestones_and_another_district_cannot(client, office):
    project = f.project(lead_unit=office["unit"], milestones=[("开工", date(2026, 6, 1)), ("完工", date(2026, 12, 1))])
    start, finish = project.milestones.order_by("due_on")
    client.force_login(office["mine"])
    listing = client.get(f"{P}/manage/projects/").content.decode()
    assert "1,200 ten-thousand yuan" in listing and f"/manage/projects/{project.pk}/" in listing
    r = client.post(f"{P}/manage/projects/{project.pk}/", {
        "title": "新坝小区改造", "category": project.category_id, "lead_unit": office["unit"].pk,
        "region": office["haizhou"].pk, "budget": "1300", "targets": "改造小区32个"})
    assert r.status_code == 302 and Project.objects.get(pk=project.pk).title == "新坝小区改造"
    r = client.post(f"{P}/manage/projects/{project.pk}/milestones/{start.pk}/", {"title": "正式开工", "due_on": "2026-06-20"})
    assert r.status_code == 302 and Milestone.objects.get(pk=start.pk).due_on == date(2026, 6, 20)
    client.post(f"{P}/manage/projects/{project.pk}/milestones/{finish.pk}/", {"action": "remove"})
    assert not Milestone.objects.filter(pk=finish.pk).exists()

    client.force_login(office["theirs"])
    assert "新坝小区改造" not in client.get(f"{P}/manage/projects/").content.decode()
    assert client.get(f"{P}/manage/projects/{project.pk}/").status_code == 404
    assert client.post(f"{P}/manage/projects/{project.pk}/", {
        "title": "越权", "category": project.category_id, "lead_unit": office["unit"].pk,
        "region": office["haizhou"].pk, "budget": "1"}).status_code == 404
    assert client.post(f"{P}/manage/projects/{project.pk}/milestones/{start.pk}/", {"action": "remove"}).status_code == 404
    assert Project.objects.get(pk=project.pk).title == "新坝小区改造" and Milestone.objects.filter(pk=start.pk).exists()


def test_the_pool_shows_the_area_and_a_volunteer_is_taken_out_with_a_reason(client, office):
    here_v = f.volunteer(region="320706", name="海州志愿者")
    there_v = f.volunteer(region="320703", name="连云志愿者")
    client.force_login(office["mine"])
    page = client.get(f"{P}/manage/volunteers/").content.decode()
    assert "海州志愿者" in page and "连云志愿者" not in page
    assert "海州志愿者" in client.get(f"{P}/manage/volunteers/", {"q": "海州", "active": "yes"}).content.decode()
    url = f"{P}/manage/volunteers/{here_v.pk}/"
    r = client.post(url, {"action": "deactivate", "reason": ""})
    assert r.status_code == 422 and "Give the reason" in r.content.decode()
    assert client.post(url, {"action": "deactivate", "reason": "已迁出本市"}).status_code == 302
    assert Volunteer.objects.get(pk=here_v.pk).is_active is False
    assert client.get(f"{P}/manage/volunteers/{there_v.pk}/").status_code == 404
    assert client.post(f"{P}/manage/volunteers/{there_v.pk}/", {"action": "deactivate", "reason": "越权"}).status_code == 404
    assert Volunteer.objects.get(pk=there_v.pk).is_active is True


def test_sessions_are_listed_for_the_area_and_moved_before_the_draw(client, office):
    f.pool(per_stratum=2)
    ev = f.evaluation(f.project(lead_unit=office["unit"]), size=4)
    client.force_login(office["mine"])
    assert ev.project.title in client.get(f"{P}/manage/evaluations/").content.decode()
    later = f.NOW + timedelta(days=3)
    r = client.post(f"{P}/manage/evaluations/{ev.pk}/", {
        "action": "reschedule", "place": "新坝小区东门", "starts_at": later.strftime("%Y-%m-%dT09:00"),
        "ends_at": later.strftime("%Y-%m-%dT11:00")})
    ev.refresh_from_db()
    assert r.status_code == 302 and ev.place == "新坝小区东门"
    client.force_login(office["theirs"])
    assert ev.project.title not in client.get(f"{P}/manage/evaluations/").content.decode()
    assert client.post(f"{P}/manage/evaluations/{ev.pk}/", {"action": "reschedule", "place": "x"}).status_code == 404


def test_the_set_up_pages_are_in_the_workbench_menu_and_in_chinese(client, office):
    client.force_login(office["mine"])
    from django.urls import reverse

    home = client.get(reverse("workbench:inbox"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    for name in ("manage_cycles", "manage_volunteers", "manage_evaluations", "manage_rectifications"):
        assert reverse(f"evaluation_panels:{name}") in home
    services.cycle_create(year=2027, title="2027年", actor=None)
    page = client.get(f"{P}/manage/cycles/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "年度周期" in page and "征集建议" in page and "Yearly cycles" not in page


def test_the_set_up_lists_download_with_the_pages_scope_and_filters(client, office):
    import csv
    import io

    from minsheng.audit.models import AuditEvent

    f.volunteer(region="320706", name="海州志愿者")
    out = f.volunteer(region="320706", name="已移出志愿者")
    services.volunteer_set_active(volunteer=out, active=False, reason="迁出", actor=None)
    f.volunteer(region="320703", name="连云志愿者")
    project = f.project(lead_unit=office["unit"])
    client.force_login(office["mine"])

    def rows(url, **params):
        body = client.get(url, {**params, "export": "csv"}).content.decode("utf-8-sig")
        return list(csv.reader(io.StringIO(body)))[1:]

    assert {r[1] for r in rows(f"{P}/manage/volunteers/")} == {"海州志愿者", "已移出志愿者"}
    assert [r[1] for r in rows(f"{P}/manage/volunteers/", active="no")] == ["已移出志愿者"]
    assert AuditEvent.objects.filter(event_type="exports.download").latest("pk").new_values["filters"] == {"active": "no"}
    assert [r[1] for r in rows(f"{P}/manage/projects/")] == [project.title]
    assert rows(f"{P}/manage/evaluations/") == [] and rows(f"{P}/manage/rectifications/") == []
    client.force_login(office["theirs"])
    assert [r[1] for r in rows(f"{P}/manage/volunteers/")] == ["连云志愿者"]
    assert rows(f"{P}/manage/projects/") == []
    assert client.get(f"{P}/manage/volunteers/", {"export": "xlsx"})["Content-Type"].startswith("application/vnd.openxml")
