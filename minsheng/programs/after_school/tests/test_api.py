"""The API: submits, the application page's read, and their statement budgets."""

import json

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from ninja.responses import NinjaJSONEncoder

from ..api import ApplicationOut
from ..models import Application
from . import factories as f
from .test_applications import SUBMIT_STATEMENTS, work

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def frozen():
    with time_machine.travel(f.NOW, tick=False):
        yield


@pytest.fixture
def setup():
    school = f.school()
    off = f.offering(school, capacity=1)
    f.window(school)
    guardian, child = f.guardian_with_child(school)
    return school, off, guardian, child


def test_api_submit_is_idempotent_by_header_and_reports_conflicts(client, setup):
    school, off, guardian, child = setup
    client.force_login(guardian)
    body = {"student": child.pk, "offering": off.pk, "weekdays": [0]}
    first = client.post("/api/v1/after_school/applications", body, content_type="application/json",
                        headers={"Idempotency-Key": "api-key-000000001"})
    again = client.post("/api/v1/after_school/applications", body, content_type="application/json",
                        headers={"Idempotency-Key": "api-key-000000001"})
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["seats"][0]["state"] == "admitted"
    # The answer (built from the rows the submit wrote) is what the schema renders of the saved rows.
    saved = Application.objects.get(pk=first.json()["id"])
    expected = json.loads(json.dumps(ApplicationOut.model_validate(saved).model_dump(), cls=NinjaJSONEncoder))
    assert first.json() == expected == again.json()
    dup = client.post("/api/v1/after_school/applications", body, content_type="application/json",
                      headers={"Idempotency-Key": "api-key-000000002"})
    assert dup.status_code == 409 and dup.json()["code"] == "duplicate"
    other_guardian, other_child = f.guardian_with_child(school)
    client.force_login(other_guardian)
    full = client.post("/api/v1/after_school/applications", {**body, "student": other_child.pk},
                       content_type="application/json", headers={"Idempotency-Key": "api-key-000000003"})
    assert full.status_code == 409 and full.json()["code"] == "full" and "weekdays" in full.json()["fields"]
    not_mine = client.post("/api/v1/after_school/applications", body, content_type="application/json",
                           headers={"Idempotency-Key": "api-key-000000004"})
    assert not_mine.status_code == 403
    bad = client.post("/api/v1/after_school/applications", {"student": "x", "offering": off.pk, "weekdays": []},
                      content_type="application/json", headers={"Idempotency-Key": "api-key-000000005"})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid"
    assert Application.objects.count() == 1
    listed = client.get("/api/v1/after_school/applications")
    assert listed.status_code == 200 and listed.json() == []


def _post(client, child, off, key):
    return client.post("/api/v1/after_school/applications", {"student": child.pk, "offering": off.pk,
                       "weekdays": [0, 1, 2, 3, 4]}, content_type="application/json", headers={"Idempotency-Key": key})


@pytest.mark.django_db(transaction=True)
def test_api_submit_budget(client, django_assert_max_num_queries):
    """POST /applications as production runs it (a real transaction, no test SAVEPOINT): nine
    statements on both databases —

    1. SELECT identity_user   the signed-in account (session authentication, before the view)
    2-9. the service's eight (issue 18's budget), SUBMIT_STATEMENTS in test_applications.py, each
    with its reason — the child's row lock and the overlap asked again under it (issue 21,
    test_overlap_races) included: the overlap check rides on the read of the chosen days

    and the transaction's BEGIN and COMMIT, which Django counts too (11 in all). The places are
    taken by the last statement, an UPDATE whose subquery locks the days in weekday order; it
    sets taken = taken + 1 on the days' newest versions, so a place freed while it waited is
    seen, and a full day breaks the as_never_oversold constraint. (A conditional UPDATE, WHERE
    taken < capacity, was tried: judged on its statement's snapshot it missed a place freed
    while it waited for the row — test_concurrency's freed-place test failed.)"""
    school = f.school()
    off = f.offering(school, capacity=5)
    f.window(school)
    guardian, child = f.guardian_with_child(school)
    client.force_login(guardian)
    assert client.get("/api/v1/after_school/children").status_code == 200  # the page, open before
    with django_assert_max_num_queries(9 + 2), CaptureQueriesContext(connection) as queries:
        response = _post(client, child, off, "budget-key-0001")
    assert response.status_code == 201 and response.json()["state"] == "admitted"
    expected = ["SELECT identity_user", *SUBMIT_STATEMENTS]
    if not connection.features.has_select_for_update:  # SQLite: its IMMEDIATE transaction serialises writers
        expected = [s.removesuffix(" FOR UPDATE") for s in expected]
    assert work(queries) == expected
    assert [q["sql"].split()[0] for q in queries.captured_queries if q["sql"].startswith(("BEGIN", "COMMIT"))] == [
        "BEGIN", "COMMIT"]


# GET /children (what the application page loads; the page's own view reads the same and the
# guardian's applications): a fixed number of statements, whatever the number of children,
# schools and offerings —
CHILDREN_STATEMENTS = [
    "SELECT identity_user",                     # the signed-in account (before the view)
    "SELECT identity_person",                   # the children: the caller's current guardian relations
    "SELECT after_school_enrolment",            # their enrolments, with school and region
    "SELECT after_school_offering",             # published offerings for those schools or areas, each with
                                                # its term's windows open now (selectors.eligibility)
    "SELECT after_school_offeringday",          # their days' places (prefetch)
    "SELECT after_school_application",          # the offerings each child already holds an application for
]


def _family(schools, children):
    guardian = f.person("家长", account=True)
    from minsheng.identity.models import PersonRelation

    for i in range(children):
        kid = f.person(f"孩子{i}")
        PersonRelation.objects.create(person=guardian, relative=kid, kind="guardian")
        f.enrol(kid, schools[i % len(schools)])
    return guardian.user


@pytest.mark.parametrize("size", [1, 5])
def test_children_budget_does_not_grow_with_children_or_offerings(client, size, django_assert_max_num_queries):
    schools = [f.school() for _ in range(size)]
    for school in schools:
        for _ in range(size):
            f.offering(school)
        f.window(school)
    user = _family(schools, children=size)
    client.force_login(user)
    client.get("/api/v1/after_school/applications")  # the session's first request reads the account
    with django_assert_max_num_queries(len(CHILDREN_STATEMENTS)), CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/after_school/children")
    assert response.status_code == 200
    body = response.json()
    assert len(body) == size and all(len(child["offerings"]) == size for child in body)
    assert work(queries) == CHILDREN_STATEMENTS


def test_application_page_budget_does_not_grow(client, django_assert_max_num_queries):
    """The page (/p/after_school/): the reads of GET /children, the guardian's applications with
    their seats and the guardian's own ratings (with the content type), and the shell's (the
    person's name, unread notices) — the same count for one child with one application as for
    five children with five each."""
    from ..services.applications import application_submit

    def page_statements():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/p/after_school/").status_code == 200
        return len(queries.captured_queries)

    def grow(user, schools, n):
        for school in schools:
            offerings = [f.offering(school, capacity=50) for _ in range(n)]
            f.window(school)
            kid = f.person("孩子")
            PersonRelation.objects.create(person=user.person, relative=kid, kind="guardian")
            f.enrol(kid, school)
            for day, off in enumerate(offerings):  # one a day: the same hours never on the same day
                application_submit(guardian_user=user, student_id=kid.pk, offering_id=off.pk, weekdays=[day],
                                   idempotency_key=f.key())

    from minsheng.identity.models import PersonRelation

    user = f.person("家长", account=True).user
    client.force_login(user)
    grow(user, [f.school()], 1)
    page_statements()  # the session's first request reads the account
    small = page_statements()
    grow(user, [f.school() for _ in range(4)], 5)
    with django_assert_max_num_queries(small):
        assert client.get("/p/after_school/").status_code == 200
    assert small <= 11
