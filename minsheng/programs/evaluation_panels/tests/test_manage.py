"""Panel organisers set up their area's projects and milestones from the workbench; an
organiser of another district neither sees nor changes them."""

import pytest

from minsheng.access.models import Organisation

from ..models import Category, Milestone, Project
from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def organisers():
    haizhou, lianyun = f.district("320706"), f.district("320703")
    mine = f.staff_user("panel_organiser", organisation=f.org("海州区人大"), region=haizhou, name="海州组织者")
    theirs = f.staff_user("panel_organiser", organisation=f.org("连云区人大"), region=lianyun, name="连云组织者")
    unit = Organisation.objects.create(name="海州区住建局", kind="department", region=haizhou)
    return haizhou, lianyun, mine, theirs, unit


def test_an_organiser_creates_a_project_and_its_milestones(client, organisers):
    haizhou, lianyun, mine, theirs, unit = organisers
    cycle, category = f.cycle(), Category.objects.get_or_create(name="城乡建设")[0]
    client.force_login(mine)
    page = client.get("/p/evaluation_panels/manage/projects/").content.decode()
    assert 'data-test="project-form"' in page and "海州区住建局" in page
    r = client.post("/p/evaluation_panels/manage/projects/", {
        "cycle": cycle.pk, "title": "新坝小区雨污分流", "category": category.pk, "lead_unit": unit.pk,
        "region": haizhou.pk, "budget": "320.5", "targets": "改造管网3公里"})
    project = Project.objects.get(title="新坝小区雨污分流")
    assert r.status_code == 302 and (project.region, project.lead_unit, str(project.budget)) == (haizhou, unit, "320.50")
    client.post(f"/p/evaluation_panels/manage/projects/{project.pk}/milestones/",
                {"title": "完成管网施工", "due_on": "2026-09-30"})
    assert list(Milestone.objects.filter(project=project).values_list("title", flat=True)) == ["完成管网施工"]


def test_an_organiser_of_another_district_cannot_see_or_change_them(client, organisers):
    haizhou, lianyun, mine, theirs, unit = organisers
    cycle, category = f.cycle(), Category.objects.get_or_create(name="城乡建设")[0]
    project = f.project(lead_unit=unit)  # in 海州区
    client.force_login(theirs)
    assert project.title not in client.get("/p/evaluation_panels/manage/projects/").content.decode()
    assert client.post(f"/p/evaluation_panels/manage/projects/{project.pk}/milestones/",
                       {"title": "越权", "due_on": "2026-09-30"}).status_code == 404
    client.post("/p/evaluation_panels/manage/projects/", {
        "cycle": cycle.pk, "title": "越权项目", "category": category.pk, "lead_unit": unit.pk,
        "region": haizhou.pk, "budget": "1"})
    assert not Project.objects.filter(title="越权项目").exists()
    assert not Milestone.objects.filter(title="越权").exists()


def test_an_organiser_arranges_an_evaluation_and_lands_on_its_draw_page(client, organisers):
    from ..models import Evaluation

    haizhou, lianyun, mine, theirs, unit = organisers
    f.rubric()
    project = f.project(lead_unit=unit)
    client.force_login(mine)
    r = client.post(f"/p/evaluation_panels/manage/projects/{project.pk}/milestones/", {
        "form": "evaluation", "place": "新坝小区", "starts_at": "2026-10-10T09:00", "ends_at": "2026-10-10T12:00",
        "panel_size": 5})
    ev = Evaluation.objects.get(project=project)
    assert r.status_code == 302 and r["Location"].endswith(f"/manage/evaluations/{ev.pk}/")
    assert (ev.place, ev.panel_size, ev.round) == ("新坝小区", 5, 1)
    assert client.get(f"/p/evaluation_panels/manage/evaluations/{ev.pk}/").status_code == 200
    client.force_login(theirs)
    assert client.post(f"/p/evaluation_panels/manage/projects/{project.pk}/milestones/", {
        "form": "evaluation", "place": "x", "starts_at": "2026-10-10T09:00", "ends_at": "2026-10-10T12:00",
        "panel_size": 5}).status_code == 404
    assert Evaluation.objects.count() == 1
