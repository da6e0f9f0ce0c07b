"""The year's decision from the browser: ideas screened into candidates, the delegates' vote opened
by their mobile numbers, counted and published, and an elected candidate made a project."""

import pytest

from minsheng.access.models import Organisation
from minsheng.identity.crypto import keyed_hash

from .. import services
from ..models import (
    CandidateProject,
    Category,
    Cycle,
    CycleStatus,
    DelegateVote,
    Idea,
    IdeaStatus,
    Project,
)
from . import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
P = "/p/evaluation_panels"


def delegate(phone: str):
    return f.user("代表", phone=phone, phone_hash=keyed_hash(phone))


@pytest.fixture
def year():
    cycle = f.cycle(2026)
    citizen = f.user("市民")
    ideas = [services.idea_submit(cycle=cycle, title=t, description=f"建议{t}", user=citizen)
             for t in ("社区食堂", "口袋公园", "公交候车亭")]
    return {
        "cycle": cycle, "ideas": ideas,
        "staff": f.staff_user("congress_staff", organisation=f.org("市人大常委会"), region=f.city()),
        "district": f.staff_user("congress_staff", organisation=f.org("海州区人大"), region=f.district("320706")),
        "organiser": f.staff_user("panel_organiser", organisation=f.org("市人大"), region=f.city()),
        "unit": Organisation.objects.create(name="市民政局", kind="department", region=f.city()),
    }


def test_ideas_are_screened_the_vote_is_run_and_an_elected_candidate_becomes_a_project(client, year):
    cycle, (a, b, c) = year["cycle"], year["ideas"]
    client.force_login(year["staff"])
    url = f"{P}/manage/cycles/{cycle.pk}/ideas/"
    assert "社区食堂" in client.get(url).content.decode()
    r = client.post(url, {"idea": a.pk, f"i{a.pk}-decision": "accept", f"i{a.pk}-reason": "符合年度重点",
                          f"i{a.pk}-lead_unit": year["unit"].pk, f"i{a.pk}-budget": "300"})
    assert r.status_code == 302 and Idea.objects.get(pk=a.pk).status == IdeaStatus.ACCEPTED
    r = client.post(url, {"idea": b.pk, f"i{b.pk}-decision": "reject", f"i{b.pk}-reason": ""})
    assert r.status_code == 422 and "Give the reason" in r.content.decode()
    client.post(url, {"idea": b.pk, f"i{b.pk}-decision": "accept", f"i{b.pk}-reason": "可行"})
    client.post(url, {"idea": c.pk, f"i{c.pk}-decision": "reject", f"i{c.pk}-reason": "已纳入部门常规工作"})
    assert CandidateProject.objects.filter(cycle=cycle).count() == 2

    vote_url = f"{P}/manage/cycles/{cycle.pk}/vote/"
    d1, d2 = delegate("13900001001"), delegate("13900001002")
    ids = list(CandidateProject.objects.filter(cycle=cycle).values_list("pk", flat=True))
    r = client.post(vote_url, {"action": "open", "candidates": ids, "places": 1,
                               "delegate_phones": "13900001001\n13900009999"})
    assert r.status_code == 422 and "13900009999" in r.content.decode() and not DelegateVote.objects.exists()
    client.post(vote_url, {"action": "open", "candidates": ids, "places": 1,
                           "delegate_phones": "13900001001\n139 0000 1002"})
    vote = DelegateVote.objects.get(cycle=cycle)
    assert vote.delegates.count() == 2 and Cycle.objects.get(pk=cycle.pk).status == CycleStatus.VOTING
    winner = CandidateProject.objects.get(idea=a)
    for d in (d1, d2):
        services.ballot_cast(vote=vote, user=d, candidate_ids=[winner.pk])
    client.post(vote_url, {"action": "tally", "vote": vote.pk})
    client.post(vote_url, {"action": "publish", "vote": vote.pk})
    assert Cycle.objects.get(pk=cycle.pk).status == CycleStatus.DECIDED
    page = client.get(vote_url).content.decode()
    assert 'data-test="elected"' in page and "Make it a project" not in page  # congress staff do not make projects

    client.force_login(year["organiser"])
    r = client.post(vote_url, {"action": "project", "candidate": winner.pk, "region": f.district("320706").pk})
    assert r.status_code == 422 and "Choose the project&#x27;s category" in r.content.decode()
    category = Category.objects.create(name="养老服务")
    r = client.post(vote_url, {"action": "project", "candidate": winner.pk, "region": f.district("320706").pk,
                               "category": category.pk})
    project = Project.objects.get(candidate=winner)
    assert r.status_code == 302 and (project.lead_unit, str(project.budget)) == (year["unit"], "300.00")


def test_staff_of_a_district_read_the_cycle_but_cannot_screen_or_vote(client, year):
    cycle, a = year["cycle"], year["ideas"][0]
    client.force_login(year["district"])
    assert client.get(f"{P}/manage/cycles/{cycle.pk}/ideas/").status_code == 200
    r = client.post(f"{P}/manage/cycles/{cycle.pk}/ideas/",
                    {"idea": a.pk, f"i{a.pk}-decision": "accept", f"i{a.pk}-reason": "越权"})
    assert r.status_code == 403 and Idea.objects.get(pk=a.pk).status == IdeaStatus.SUBMITTED
    assert client.post(f"{P}/manage/cycles/{cycle.pk}/vote/", {"action": "open"}).status_code == 403
    client.force_login(f.user("市民"))
    assert client.get(f"{P}/manage/cycles/{cycle.pk}/vote/").status_code == 403
