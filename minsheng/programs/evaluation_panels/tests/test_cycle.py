"""The yearly cycle: ideas with one support per person, screening, the anonymous 差额 vote, the result."""

import pytest

from minsheng.audit.models import AuditEvent
from minsheng.core.errors import Conflict, NotAllowed, ValidationFailed

from .. import services
from ..models import Ballot, CandidateProject, CycleStatus, Delegate, IdeaStatus, VoteStatus
from . import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def test_each_person_supports_an_idea_once():
    cy = f.cycle()
    idea = services.idea_submit(cycle=cy, title="增设公交线路", description="新坝片区缺少公交", user=f.user())
    a, b = f.person("甲"), f.person("乙")
    services.idea_support(idea=idea, user=a.user)
    services.idea_support(idea=idea, user=b.user)
    with pytest.raises(Conflict) as e:
        services.idea_support(idea=idea, user=a.user)
    assert "already supported" in str(e.value.message)
    idea.refresh_from_db()
    assert idea.support_count == 2


def test_support_needs_a_real_name_person():
    cy = f.cycle()
    idea = services.idea_submit(cycle=cy, title="t", description="d", user=None)
    with pytest.raises(NotAllowed):
        services.idea_support(idea=idea, user=f.user())


def test_department_idea_needs_its_organisation_and_screening_needs_a_reason():
    cy = f.cycle()
    with pytest.raises(ValidationFailed) as e:
        services.idea_submit(cycle=cy, title="t", description="d", source="department")
    assert "organisation" in e.value.fields
    idea = services.idea_submit(cycle=cy, title="学校扩容", description="d", source="department", organisation=f.org("市教育局"))
    with pytest.raises(ValidationFailed):
        services.idea_screen(idea=idea, accept=True, reason=" ", actor=None)
    services.idea_screen(idea=idea, accept=True, reason="符合年度重点", actor=None)
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.ACCEPTED and CandidateProject.objects.filter(idea=idea).exists()


def _candidates(cy, n):
    return [CandidateProject.objects.create(cycle=cy, title=f"候选{i}", order=i) for i in range(n)]


def test_vote_must_have_more_candidates_than_places():
    cy = f.cycle(places=3)
    with pytest.raises(ValidationFailed) as e:
        services.vote_open(cycle=cy, candidates=_candidates(cy, 3), delegates=[f.user()], actor=None)
    assert "candidates" in e.value.fields


def test_anonymous_ballots_one_per_delegate_and_unlinkable_register():
    cy = f.cycle(places=2)
    cands = _candidates(cy, 4)
    delegates = [f.user(f"代表{i}") for i in range(5)]
    vote = services.vote_open(cycle=cy, candidates=cands, delegates=delegates, actor=None)
    picks = [[0, 1], [0, 1], [0, 2], [1, 3], [0]]
    for u, p in zip(delegates, picks, strict=True):
        services.ballot_cast(vote=vote, user=u, candidate_ids=[cands[i].id for i in p])
    with pytest.raises(Conflict) as e:
        services.ballot_cast(vote=vote, user=delegates[0], candidate_ids=[cands[3].id])
    assert "already voted" in str(e.value.message)
    with pytest.raises(NotAllowed):
        services.ballot_cast(vote=vote, user=f.user("旁听"), candidate_ids=[cands[0].id])
    # Ballots have no voter and no time; the register has no ballot.
    assert {fld.name for fld in Ballot._meta.get_fields()} == {"id", "vote", "choices"}
    assert {fld.name for fld in Delegate._meta.get_fields()} == {"id", "vote", "user", "has_voted"}
    assert Delegate.objects.filter(vote=vote, has_voted=True).count() == 5
    assert not AuditEvent.objects.filter(target_type="evaluation_panels.ballot").exists()

    vote = services.vote_tally(vote=vote, actor=None)
    votes = {r["candidate"]: r["votes"] for r in vote.result}
    assert votes == {cands[0].id: 4, cands[1].id: 3, cands[2].id: 1, cands[3].id: 1}
    assert [r["candidate"] for r in vote.result if r["elected"]] == [cands[0].id, cands[1].id]
    assert Ballot.objects.filter(vote=vote).count() == 5
    services.vote_publish(vote=vote, actor=None)
    cy.refresh_from_db()
    assert cy.status == CycleStatus.DECIDED
    assert services.elected_candidates(cycle=cy) == cands[:2]


def test_too_many_choices_and_foreign_candidates_are_refused_without_recording_a_vote():
    cy = f.cycle(places=2)
    cands = _candidates(cy, 3)
    other = CandidateProject.objects.create(cycle=f.cycle(2025), title="别的")
    u = f.user()
    vote = services.vote_open(cycle=cy, candidates=cands, delegates=[u], actor=None)
    with pytest.raises(ValidationFailed):
        services.ballot_cast(vote=vote, user=u, candidate_ids=[c.id for c in cands])
    with pytest.raises(ValidationFailed):
        services.ballot_cast(vote=vote, user=u, candidate_ids=[other.id])
    assert not Delegate.objects.get(vote=vote, user=u).has_voted and not Ballot.objects.exists()


def test_tie_at_the_cut_line_goes_to_a_run_off_for_the_remaining_places():
    cy = f.cycle(places=2)
    cands = _candidates(cy, 3)
    ds = [f.user() for _ in range(3)]
    vote = services.vote_open(cycle=cy, candidates=cands, delegates=ds, actor=None)
    for u, p in zip(ds, [[0, 1], [0, 2], [0]], strict=True):
        services.ballot_cast(vote=vote, user=u, candidate_ids=[cands[i].id for i in p])
    vote = services.vote_tally(vote=vote, actor=None)
    assert [r["candidate"] for r in vote.result if r["tied"]] == [cands[1].id, cands[2].id]
    services.vote_publish(vote=vote, actor=None)
    cy.refresh_from_db()
    assert cy.status == CycleStatus.VOTING  # not decided while a tie is open
    runoff = services.vote_runoff_open(vote=vote, actor=None)
    assert runoff.places == 1 and runoff.round == 2
    for u, c in zip(ds, [1, 1, 2], strict=True):
        services.ballot_cast(vote=runoff, user=u, candidate_ids=[cands[c].id])
    services.vote_publish(vote=services.vote_tally(vote=runoff, actor=None), actor=None)
    assert services.elected_candidates(cycle=cy) == [cands[0], cands[1]]
    runoff.refresh_from_db()
    assert runoff.status == VoteStatus.PUBLISHED
