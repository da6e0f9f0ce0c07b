"""Races with real threads on PostgreSQL: one ballot per delegate, one scorecard per member,
repeated and simultaneous check-ins harmless."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection

from minsheng.core.errors import Conflict

from .. import services
from ..models import (
    Ballot,
    CandidateProject,
    Delegate,
    DelegateVote,
    EvaluationStatus,
    PanelSeat,
    Scorecard,
)
from . import factories as f

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.IS_POSTGRES, reason="row locks need PostgreSQL; runs in the PostgreSQL CI pass"),
]


def _race(calls):
    results, barrier = [], threading.Barrier(len(calls))

    def run(call):
        try:
            barrier.wait()
            results.append(call())
        except Conflict as exc:
            results.append(exc)
        except Exception as exc:  # noqa: BLE001 - surfaced by the assertions
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


@pytest.fixture
def clock():
    with time_machine.travel(f.NOW, tick=True) as t:
        yield t


def test_two_simultaneous_ballots_of_one_delegate_count_once(clock):
    cy = f.cycle(places=2)
    cands = [CandidateProject.objects.create(cycle=cy, title=f"候选{i}", order=i) for i in range(4)]
    delegate = f.user("代表")
    vote = services.vote_open(cycle=cy, candidates=cands, delegates=[delegate, f.user("代表2")], actor=None)
    results = _race([
        (lambda ids=ids: services.ballot_cast(vote=vote, user=delegate, candidate_ids=ids))
        for ids in ([cands[0].pk, cands[1].pk], [cands[2].pk, cands[3].pk], [cands[0].pk])
    ])
    conflicts = [r for r in results if isinstance(r, Conflict)]
    assert len(results) == 3 and results.count(None) == 1, results
    assert len(conflicts) == 2 and {c.code for c in conflicts} == {"duplicate"}
    assert Ballot.objects.filter(vote=vote).count() == 1
    assert DelegateVote.objects.get(pk=vote.pk).ballots_cast == 1
    assert Delegate.objects.get(vote=vote, user=delegate).has_voted


@pytest.fixture
def ev(clock):
    f.pool(per_stratum=3)
    return f.drawn_evaluation(f.project(), size=4)


def _members(ev):
    return [s.volunteer.person.user for s in ev.seats.select_related("volunteer__person__user").order_by("id")]


def test_two_simultaneous_scorecards_of_one_member_store_one(ev):
    member = _members(ev)[0]
    services.member_checkin(token=services.checkin_token(evaluation=ev), user=member)
    scores = {str(c.id): 8 for c in ev.rubric.criteria.all()}
    results = _race([
        (lambda o=o: services.scorecard_submit(evaluation=ev, user=member, overall=o, scores=scores, comment="路面有坑"))
        for o in ("satisfied", "basic", "dissatisfied")
    ])
    stored = [r for r in results if isinstance(r, Scorecard)]
    conflicts = [r for r in results if isinstance(r, Conflict)]
    assert len(stored) == 1 and len(conflicts) == 2, results
    assert {c.code for c in conflicts} == {"duplicate"}
    assert Scorecard.objects.filter(evaluation=ev).count() == 1
    assert PanelSeat.objects.get(evaluation=ev, volunteer__person__user=member).has_scored


def test_simultaneous_check_ins_are_harmless(ev):
    token = services.checkin_token(evaluation=ev)
    members = _members(ev)
    calls = [(lambda u=u: services.member_checkin(token=token, user=u)) for u in members]
    calls += [(lambda: services.member_checkin(token=token, user=members[0])) for _ in range(3)]
    results = _race(calls)
    assert all(isinstance(r, PanelSeat) for r in results), results
    seats = PanelSeat.objects.filter(evaluation=ev)
    assert seats.filter(checked_in_at__isnull=False).count() == 4
    first = seats.get(volunteer__person__user=members[0])
    assert first.checked_in_at is not None and first.checked_in_at <= f.NOW + timedelta(minutes=5)
    ev.refresh_from_db()
    assert ev.status == EvaluationStatus.OPEN
