"""Pages through HTTP: public project page, ideas, member check-in and scoring, organiser and supervision."""

from datetime import date

import pytest
from django.urls import reverse

from .. import services
from ..models import IdeaSupport, Milestone, ProjectStatus, Scorecard
from . import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def ev():
    f.pool(per_stratum=3)
    return f.drawn_evaluation(f.project(milestones=[("开工", date(2026, 3, 1))]), size=4)


def test_public_project_page_shows_results_reasons_and_timeline(client, ev):
    f.all_score(ev, ["satisfied", "satisfied", "satisfied", "basic"], comment="排水沟未清理")
    f.close_and_publish(ev, actor=None)
    r = client.get(reverse("evaluation_panels:project", args=[ev.project_id]))
    html = r.content.decode()
    assert r.status_code == 200
    assert "排水沟未清理" in html and f"/draws/{ev.draw.key}/" in html
    assert "开工" in html
    assert client.get(reverse("evaluation_panels:project", args=[99999])).status_code == 404
    assert client.get(reverse("evaluation_panels:home")).status_code == 200


def test_citizen_proposes_and_supports_an_idea_once(client):
    f.cycle()
    p = f.person("李娜")
    client.force_login(p.user)
    r = client.post(reverse("evaluation_panels:idea_new"), {"title": "", "description": ""})
    assert r.status_code == 400 and "Give the idea a short title" in r.content.decode()
    r = client.post(reverse("evaluation_panels:idea_new"), {"title": "社区食堂", "description": "老人吃饭难"}, follow=True)
    idea = p.user  # noqa: F841 - the idea is found below
    from ..models import Idea

    idea = Idea.objects.get(title="社区食堂")
    client.post(reverse("evaluation_panels:idea_support", args=[idea.id]))
    r = client.post(reverse("evaluation_panels:idea_support", args=[idea.id]), follow=True)
    assert "already supported" in r.content.decode()
    assert IdeaSupport.objects.filter(idea=idea).count() == 1


def test_member_checks_in_from_the_qr_link_and_scores(client, ev):
    seat = ev.seats.select_related("volunteer__person__user").first()
    client.force_login(seat.volunteer.person.user)
    score_url = reverse("evaluation_panels:score", args=[ev.id])
    assert "Check in first" in client.get(score_url).content.decode()
    url = reverse("evaluation_panels:checkin", args=[services.checkin_token(evaluation=ev)])
    r = client.post(url)
    assert r.status_code == 302 and r["Location"] == score_url
    data = {f"c{c.id}": "9" for c in ev.rubric.criteria.all()} | {"overall": "satisfied", "comment": "很好"}
    r = client.post(score_url, data, follow=True)
    assert "has been handed in" in r.content.decode()
    assert Scorecard.objects.filter(evaluation=ev).count() == 1
    r = client.post(score_url, data)
    assert r.status_code == 409 and "already handed in" in r.content.decode()


def test_bad_token_page_explains_and_does_not_crash(client, ev):
    seat = ev.seats.select_related("volunteer__person__user").first()
    client.force_login(seat.volunteer.person.user)
    r = client.post(reverse("evaluation_panels:checkin", args=["nonsense"]))
    assert r.status_code == 422 and "not valid" in r.content.decode()


def test_organiser_page_and_qr_need_the_role(client, ev):
    client.force_login(f.user("市民"))
    assert client.get(reverse("evaluation_panels:evaluation_manage", args=[ev.id])).status_code == 403
    client.force_login(f.staff_user("panel_organiser"))
    r = client.get(reverse("evaluation_panels:evaluation_manage", args=[ev.id]))
    assert r.status_code == 200 and "checkin/" in r.content.decode()
    strata = {s.stratum for s in ev.seats.all()}
    assert strata  # the panel is drawn
    for key in strata:  # a stratum "320706/18-34" reads as the district's name and the ages, not the key
        assert key not in r.content.decode()
        assert key.split("/")[1].replace("-", "–") in r.content.decode()
    r = client.get(reverse("evaluation_panels:evaluation_qr", args=[ev.id]))
    assert r["Content-Type"] == "image/svg+xml" and b"<svg" in r.content


def test_organiser_outside_the_region_does_not_see_the_evaluation(client, ev):
    client.force_login(f.staff_user("panel_organiser", region=f.district("320707")))
    assert client.get(reverse("evaluation_panels:evaluation_manage", args=[ev.id])).status_code == 404


def test_supervision_lists_filters_and_ranks_units(client, ev):
    Milestone.objects.filter(project=ev.project).update(done_on=date(2026, 2, 20))
    other = f.project(lead_unit=f.org("市卫健委"), cy=ev.project.cycle,
                      milestones=[("完工", date(2026, 3, 1))])
    client.force_login(f.staff_user("congress_staff"))
    r = client.get(reverse("evaluation_panels:supervision"))
    html = r.content.decode()
    assert r.status_code == 200 and ev.project.title in html and other.title in html
    zh = client.get(reverse("evaluation_panels:supervision"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    counts = zh[zh.index('data-test="status-counts"'):zh.index('data-test="projects"')]
    assert "计划中" in counts  # state names, not codes such as "planned"
    assert all(code not in counts for code, _label in ProjectStatus.choices)
    assert html.index(ev.project.lead_unit.name, html.index('data-test="ranking"')) < html.index(
        other.lead_unit.name, html.index('data-test="ranking"'))
    r = client.get(reverse("evaluation_panels:supervision"), {"lead_unit": other.lead_unit_id})
    body = r.content.decode()
    projects_table = body[body.index('data-test="projects"'):body.index('data-test="ranking"')]
    assert other.title in projects_table and ev.project.title not in projects_table


def test_supervision_draws_grades_and_units_and_the_csv_carries_the_filters(client, ev):
    from ..models import Project

    Project.objects.filter(pk=ev.project_id).update(grade="satisfied", satisfaction_rate=0.9)
    client.force_login(f.staff_user("congress_staff"))
    url = reverse("evaluation_panels:supervision")
    html = client.get(url, {"grade": "satisfied"}).content.decode()
    assert 'id="chart-grades-data"' in html and 'id="chart-units-data"' in html
    lines = client.get(url, {"grade": "satisfied", "format": "csv", "chart": "grades"}).content.decode(
        "utf-8-sig").splitlines()
    assert lines[4].endswith(",satisfied")  # the grade filter
    assert lines[-3].endswith(",1") and lines[-2].endswith(",0") and lines[-1].endswith(",0")


def test_unit_officer_reports_progress_for_own_project_only(client, ev):
    officer = f.staff_user("project_unit_officer", organisation=ev.project.lead_unit)
    client.force_login(officer)
    r = client.post(reverse("evaluation_panels:progress_new", args=[ev.project_id]), {"percent_done": "60", "text": "主体完工"})
    assert r.status_code == 302
    ev.project.refresh_from_db()
    assert ev.project.percent_done == 60
    stranger = f.staff_user("project_unit_officer", organisation=f.org("市水利局"))
    client.force_login(stranger)
    assert client.get(reverse("evaluation_panels:progress_new", args=[ev.project_id])).status_code == 404
