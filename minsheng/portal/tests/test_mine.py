"""我的 — the hub: linked from the header, lists the person's cases with state and next step
and what the programs' providers declare, never someone else's, in a fixed number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from minsheng.cases.process import APPLICANT, Action, Process, State, register_process
from minsheng.cases.services import case_open
from minsheng.core.registry import MineSection, registry
from minsheng.identity.models import Person, User
from minsheng.regions.models import Region

KEY = "test_mine_hub"

register_process(
    Process(
        key=KEY,
        title="Hub test permit",
        states=[State("waiting_for_you", "Waiting for your documents"), State("done", "Granted", terminal=True)],
        initial="waiting_for_you",
        actions=[
            Action("supplement", "Send the documents", source=["waiting_for_you"], target="done",
                   roles=[APPLICANT]),
        ],
    ),
    replace=True,
)


def _citizen(name: str, phone: str) -> User:
    from minsheng.identity.crypto import keyed_hash

    user = User.objects.create_user(None, "pw-Mine-2026", name=name, phone=phone, phone_hash=keyed_hash(phone))
    Person.objects.create(user=user, name=name)
    return user


@pytest.fixture
def place(db):
    return Region.objects.create(code="320706", prefix="320706", name="海州区", level="county")


@pytest.mark.django_db
def test_header_links_to_mine_for_signed_in_people_only(client):
    assert 'data-test="mine-link"' not in client.get("/").content.decode()
    client.force_login(_citizen("王芳", "13800000001"))
    assert 'href="/mine/"' in client.get("/").content.decode()


@pytest.mark.django_db
def test_mine_needs_sign_in(client):
    response = client.get("/mine/")
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.django_db
def test_mine_lists_my_cases_with_state_and_next_step_and_not_another_persons(client, place):
    me, other = _citizen("王芳", "13800000001"), _citizen("李雷", "13800000002")
    mine = case_open(process_key=KEY, applicant=me, region=place)
    theirs = case_open(process_key=KEY, applicant=other, region=place)
    client.force_login(me)
    html = client.get("/mine/").content.decode()
    assert mine.reference in html and theirs.reference not in html
    assert "Waiting for your documents" in html  # the state in words, not its code
    assert "waiting_for_you" not in html
    assert "Send the documents" in html  # the applicant's own next action
    assert f"/cases/mine/{mine.pk}/" in html


@pytest.mark.django_db
def test_every_section_is_shown_in_order_even_when_empty(client):
    client.force_login(_citizen("王芳", "13800000001"))
    response = client.get("/mine/")
    keys = [s["key"] for s in response.context["sections"]]
    assert keys == list(MineSection.ORDER)
    assert response.context["todo"] == 0


@pytest.mark.django_db
def test_every_program_that_has_citizen_items_declares_a_provider():
    declared = {p.key for p, _provider in registry.mine_providers()}
    assert {"service_halls", "after_school", "evaluation_panels", "elderly_care", "enterprise_startup"} <= declared


@pytest.mark.django_db
def test_mine_query_count_does_not_grow_with_the_number_of_cases(client, place):
    me = _citizen("王芳", "13800000001")
    client.force_login(me)
    case_open(process_key=KEY, applicant=me, region=place)
    client.get("/mine/")  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as one:
        client.get("/mine/")
    for _i in range(6):
        case_open(process_key=KEY, applicant=me, region=place)
    with CaptureQueriesContext(connection) as seven:
        response = client.get("/mine/")
    assert len(response.context["sections"][0]["items"]) == 7
    assert len(seven) == len(one)
    assert len(one) <= 30  # every provider's fixed budget together
