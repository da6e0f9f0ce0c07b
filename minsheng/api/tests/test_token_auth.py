"""``Authorization: Token …``: only the current token of an active account signs in, and a
rotated or cleared token, or a deactivated or deleted account, is refused on the very next
request (minsheng.api.auth). One indexed query, before the view."""

import hashlib

import pytest
from django.test import Client

from minsheng.identity.models import User
from minsheng.identity.services import api_token_issue
from minsheng.notifications.models import Notification

pytestmark = pytest.mark.django_db

UNREAD = "/api/v1/notifications/unread-count"


def _me(client, token):
    return client.get("/api/v1/identity/me", HTTP_AUTHORIZATION=f"Token {token}")


def _unread(client, token):
    return client.get(UNREAD, HTTP_AUTHORIZATION=f"Token {token}")


def _user(username="clerk", name="窗口人员"):
    return User.objects.create_user(username=username, name=name, password="x-unused-9")


def _digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def test_a_token_signs_in_its_own_account_only():
    alice = User.objects.create_user(username="alice", name="王丽", password="x-unused-1")
    bob = User.objects.create_user(username="bob", name="李强", password="x-unused-2")
    token_a, token_b = api_token_issue(user=alice), api_token_issue(user=bob)
    client = Client()
    assert _me(client, token_a).json()["name"] == "王丽"
    assert _me(client, token_b).json()["name"] == "李强"
    assert _me(client, token_a + "x").status_code == 401
    assert client.get("/api/v1/identity/me", HTTP_AUTHORIZATION=token_a).status_code == 401  # no "Token "


def test_a_reissued_token_ends_the_old_one_and_a_deactivated_account_is_refused(client):
    user = _user()
    old = api_token_issue(user=user)
    assert _me(client, old).status_code == 200
    new = api_token_issue(user=user)
    assert _me(client, old).status_code == 401
    assert _me(client, new).status_code == 200
    User.objects.filter(pk=user.pk).update(is_active=False)  # no signal needed: nothing is cached
    assert _me(client, new).status_code == 401


def test_a_token_request_costs_one_query_for_the_caller(client, django_assert_num_queries):
    """The token lookup (one indexed query), then the endpoint's own COUNT."""
    user = _user()
    Notification.objects.create(recipient=user, template="t", title="一条消息", dedupe_key="n1")
    token = api_token_issue(user=user)
    with django_assert_num_queries(2):
        response = _unread(client, token)
    assert response.status_code == 200 and response.json() == {"unread": 1}
    assert response.wsgi_request.user.pk == user.pk


def _deactivate(user):
    user.is_active = False
    user.save(update_fields=["is_active"])


def _revoke(user):
    user.api_token_hash = None
    user.save(update_fields=["api_token_hash"])


@pytest.mark.parametrize("change", [_deactivate, _revoke, User.delete],
                         ids=["deactivated account", "revoked token", "deleted account"])
def test_a_token_is_refused_on_the_request_after_its_account_or_token_changes(client, change):
    user = _user()
    token = api_token_issue(user=user)
    assert _unread(client, token).status_code == 200
    change(user)
    response = _unread(client, token)
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"


def test_token_set_by_a_bulk_update_signs_in(client):
    user = _user()
    token = "bulk-written-token-0123456789"
    User.objects.filter(pk=user.pk).update(api_token_hash=_digest(token))
    assert _me(client, token).json()["name"] == "窗口人员"


def test_a_token_with_one_character_changed_is_nobodys(client):
    alice = _user("alice", "王丽")
    token = api_token_issue(user=alice)
    changed = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert _me(client, changed).status_code == 401
    assert _me(client, token).json()["name"] == "王丽"
