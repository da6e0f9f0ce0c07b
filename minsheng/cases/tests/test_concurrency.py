"""Two clerks act on the same case or task at the same moment: one wins, the other gets 409."""

import threading

import pytest
from django.conf import settings
from django.db import connection

from minsheng.cases.models import Case, CaseEvent, CaseTask
from minsheng.cases.services import case_act, case_open, task_claim
from minsheng.core.errors import Conflict

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.IS_POSTGRES,
        reason="row locks need PostgreSQL; runs in the PostgreSQL CI pass",
    ),
]


def race(*calls):
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, fn):
        try:
            barrier.wait()
            results[i] = fn()
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test checks
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_two_officers_deciding_the_same_case_at_once_one_wins_one_conflicts(world):
    case = case_open(
        process_key="example_two_department_approval",
        applicant=world.citizen,
        region=world.district,
        payload={},
    )
    results = race(
        lambda: case_act(case=case, action="accept", actor=world.officer, expected_version=1),
        lambda: case_act(
            case=case, action="reject", actor=world.head, comment="不符合条件", expected_version=1
        ),
    )
    wins = [r for r in results if isinstance(r, Case)]
    conflicts = [r for r in results if isinstance(r, Conflict)]
    assert len(wins) == 1 and len(conflicts) == 1, results
    case.refresh_from_db()
    assert case.version == 2
    assert CaseEvent.objects.filter(case=case).exclude(action="opened").count() == 1
    if case.state == "in_departments":
        assert CaseTask.objects.filter(case=case).count() == 2
    else:
        assert case.state == "rejected" and not CaseTask.objects.filter(case=case).exists()


def test_two_clerks_claiming_the_same_task_at_once_one_gets_it(world):
    case = case_open(
        process_key="example_two_department_approval",
        applicant=world.citizen,
        region=world.district,
        payload={},
    )
    case_act(case=case, action="accept", actor=world.officer)
    task = CaseTask.objects.get(case=case, department_code="market_regulation")
    results = race(
        lambda: task_claim(task=task, actor=world.market_officer),
        lambda: task_claim(task=task, actor=world.market_head),
    )
    assert sorted(type(r).__name__ for r in results) == ["CaseTask", "Conflict"], results
    task.refresh_from_db()
    assert task.state == "claimed"
    assert CaseEvent.objects.filter(task=task, action="task_claimed").count() == 1
