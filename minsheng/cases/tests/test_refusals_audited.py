"""Refusals at the access gates leave a trace in the audit trail, rate-limited per minute."""

import pytest
from django.core.cache import cache
from django.test import override_settings

from minsheng.access.refusals import EVENT_REFUSED, EVENT_SUPPRESSED
from minsheng.audit.models import AuditEvent
from minsheng.cases.services import case_act, case_open


@pytest.fixture(autouse=True)
def fresh_counters():
    cache.clear()
    yield
    cache.clear()


def open_case(world):
    return case_open(
        process_key="example_two_department_approval",
        applicant=world.citizen,
        region=world.district,
        payload={},
    )


def refusals(user):
    return AuditEvent.objects.filter(event_type=EVENT_REFUSED, actor=user).order_by("id")


def test_another_districts_case_and_task_refused_on_page_and_api_are_each_audited(world, client):
    case = open_case(world)
    case_act(case=case, action="accept", actor=world.officer)
    task = case.tasks.get(department_code="market_regulation")
    client.force_login(world.other_officer)
    assert client.get(f"/workbench/cases/{case.pk}/").status_code == 404
    assert client.get(f"/api/v1/cases/tasks/{task.pk}").status_code == 404
    assert client.get("/api/v1/cases/987654321").status_code == 404

    rows = list(refusals(world.other_officer))
    assert [(r.target_type, r.target_id, r.new_values["reason"]) for r in rows] == [
        ("cases.case", str(case.pk), "out_of_scope"),
        ("cases.casetask", str(task.pk), "out_of_scope"),
        ("cases.case", "987654321", "no_such_record"),
    ]
    assert rows[0].new_values["action"] == "view"
    assert rows[0].actor_label == "other_officer"
    assert rows[0].ip_address == "127.0.0.1" and rows[0].request_id
    # the task's own district still sees it, and that writes no refusal
    client.force_login(world.market_officer)
    assert client.get(f"/api/v1/cases/tasks/{task.pk}").status_code == 200
    assert not refusals(world.market_officer).exists()


def test_an_id_beyond_64_bits_is_refused_without_a_query_and_audited_as_invalid(world, client):
    client.force_login(world.other_officer)
    assert client.get(f"/api/v1/cases/{2**64}").status_code in (404, 422)
    assert client.get(f"/workbench/cases/{2**64}/").status_code == 404
    reasons = [r.new_values["reason"] for r in refusals(world.other_officer)]
    assert reasons and set(reasons) == {"invalid_id"}


@override_settings(AUDIT_REFUSALS_PER_MINUTE=5)
def test_a_scan_writes_the_allowance_then_one_suppressed_entry_per_minute(world, client):
    import datetime as dt

    import time_machine

    case = open_case(world)
    client.force_login(world.other_officer)
    # The allowance is per clock minute: the scan starts as a minute begins, so it does not
    # straddle two of them (each with an allowance of its own) on a slow machine.
    minute = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    with time_machine.travel(minute, tick=True):
        for offset in range(40):
            assert client.get(f"/workbench/cases/{case.pk + offset}/").status_code == 404
    assert refusals(world.other_officer).count() == 5
    suppressed = AuditEvent.objects.filter(event_type=EVENT_SUPPRESSED, actor=world.other_officer)
    assert suppressed.count() == 1
    assert suppressed.get().new_values == {"action": "view", "limit_per_minute": 5}
    # another staff member's scan has an allowance of its own
    client.force_login(world.tax_officer)
    client.get(f"/workbench/cases/{case.pk + 100}/")
    assert refusals(world.tax_officer).count() == 1


def test_a_visible_case_writes_no_refusal(world, client):
    case = open_case(world)
    client.force_login(world.citizen)
    assert client.get(f"/cases/mine/{case.pk}/").status_code == 200
    assert not AuditEvent.objects.filter(event_type__startswith="access.refus").exists()



def test_a_typed_id_with_control_characters_is_audited_without_them(world):
    from minsheng.access.refusals import refusal_record

    assert refusal_record(user=world.parent, target_type="identity.person", target_id="12\x0034\u202e",
                          action="view", reason="invalid_id")
    assert refusals(world.parent).get().target_id == "1234"
