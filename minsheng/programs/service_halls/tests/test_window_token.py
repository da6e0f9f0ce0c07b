"""A window's tablet calls and acts with its clerk's API token (``Authorization: Token …``),
checked before the view as for every API call (``api.auth.TokenAuth``): the services get the
clerk as ``request.user``. A token that does not hold is refused with 401 and nothing is
written; a valid token at someone else's window gets 403."""

import hashlib
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from minsheng.audit.models import AuditEvent
from minsheng.identity.services import api_token_issue

from ..models import Ticket, TicketEvent
from . import factories as f

pytestmark = pytest.mark.django_db
API = "/api/v1/service_halls/windows"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=True):
        yield


def _call(w, token):
    return Client().post(f"{API}/{w.pk}/call-next", HTTP_AUTHORIZATION=f"Token {token}")


def _act(w, action, ticket, token):
    return Client().post(f"{API}/{w.pk}/{action}", {"ticket": ticket.pk}, content_type="application/json",
                         HTTP_AUTHORIZATION=f"Token {token}")


def _hall(waiting=1):
    p, clerk, w = f.staffed_window(waiting=waiting)
    return p, clerk, w, api_token_issue(user=clerk)


def _writes():
    """What a call or an action leaves behind: tickets by state, events, window audit rows."""
    return (
        sorted(Ticket.objects.values_list("number", "state", "window_id")),
        TicketEvent.objects.count(),
        AuditEvent.objects.filter(event_type__startswith="service_halls.ticket_").count(),
    )


def test_a_windows_token_calls_and_acts_and_the_audit_names_the_clerk():
    p, clerk, w, token = _hall(waiting=2)
    called = _call(w, token)
    assert called.status_code == 200, called.content
    assert called.json()["number"] == "A001" and called.json()["window"] == w.number
    ticket = Ticket.objects.get(number="A001")
    assert (ticket.state, ticket.window_id) == ("called", w.pk)
    call_audit = AuditEvent.objects.get(event_type="service_halls.ticket_call")
    assert (call_audit.actor_id, call_audit.actor_label) == (clerk.pk, str(clerk))
    skipped = _act(w, "skip", ticket, token)
    assert skipped.status_code == 200 and skipped.json()["state"] == "no_show"
    skip_audit = AuditEvent.objects.get(event_type="service_halls.ticket_skip")
    assert (skip_audit.actor_id, skip_audit.actor_label) == (clerk.pk, str(clerk))
    assert _call(w, token).json()["number"] == "A002"


def _rotated(clerk, token):
    api_token_issue(user=clerk)  # a new token replaces the old one
    return token


def _deactivated(clerk, token):
    clerk.is_active = False
    clerk.save(update_fields=["is_active"])
    return token


def _secret_changed(clerk, token):
    return token[:-4] + ("aaaa" if not token.endswith("aaaa") else "bbbb")


@pytest.mark.parametrize("spoil", [_rotated, _deactivated, _secret_changed])
def test_a_token_that_does_not_hold_is_refused_and_nothing_is_written(spoil):
    p, clerk, w, token = _hall(waiting=2)
    first = _call(w, token)
    assert first.status_code == 200
    ticket = Ticket.objects.get(number="A001")
    bad = spoil(clerk, token)
    before = _writes()
    refused = _call(w, bad)
    assert refused.status_code == 401 and refused.json()["code"] == "unauthenticated"
    for action in ("recall", "skip", "start"):
        assert _act(w, action, ticket, bad).status_code == 401
    assert _writes() == before


def test_a_valid_token_at_someone_elses_window_gets_the_usual_refusal():
    p, clerk, w, token = _hall()
    other = f.clerk(point=p)
    theirs = f.window(point=p, clerk=other, number=7)
    before = _writes()
    r = _call(theirs, token)
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert _writes() == before


def test_a_token_issued_before_tokens_were_random_still_calls():
    """Tokens are looked up by their digest, whatever their form."""
    p, clerk, w, _token = _hall()
    legacy = "legacy-token-without-an-id-0123456789"
    clerk.api_token_hash = hashlib.sha256(legacy.encode()).hexdigest()
    clerk.save(update_fields=["api_token_hash"])
    r = _call(w, legacy)
    assert r.status_code == 200 and r.json()["number"] == "A001"
    assert AuditEvent.objects.get(event_type="service_halls.ticket_call").actor_id == clerk.pk


@pytest.mark.parametrize(("name", "username"), [("王丽", "wangli"), ("", "clerk-without-a-name"), ("", None)])
def test_the_audit_label_is_the_accounts_as_the_application_writes_it(name, username):
    """The audit row names the clerk as ``str(user)`` does, whatever their name."""
    p, clerk, w = f.staffed_window(waiting=1)
    clerk.name, clerk.username = name, username
    clerk.save(update_fields=["name", "username"])
    token = api_token_issue(user=clerk)
    ticket = _call(w, token).json()
    assert _act(w, "start", Ticket.objects.get(pk=ticket["id"]), token).status_code == 200
    labels = set(AuditEvent.objects.filter(event_type__in=["service_halls.ticket_call", "service_halls.ticket_start"])
                 .values_list("actor_label", flat=True))
    assert labels == {str(clerk)}


def test_the_api_document_shows_the_windows_token_as_the_one_token_scheme():
    from minsheng.api.main import api

    schema = api.get_openapi_schema()
    assert set(schema["components"]["securitySchemes"]) == {"TokenAuth", "SessionAuth"}
    call = schema["paths"]["/api/v1/service_halls/windows/{window_id}/call-next"]["post"]
    assert call["security"] == [{"TokenAuth": []}, {"SessionAuth": []}]
