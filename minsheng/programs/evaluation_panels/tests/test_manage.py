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
