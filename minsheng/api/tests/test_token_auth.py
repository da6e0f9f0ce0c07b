"""``Authorization: Token …``: the lookup is compiled once per process, and still
answers only for the current token of an active account."""

import pytest

from minsheng.identity.models import User
from minsheng.identity.services import api_token_issue

pytestmark = pytest.mark.django_db


def _me(client, token):
    return client.get("/api/v1/identity/me", HTTP_AUTHORIZATION=f"Token {token}")


def test_a_token_signs_in_its_own_account_only():
    from django.test import Client

    alice = User.objects.create_user(username="alice", name="王丽", password="x-unused-1")
    bob = User.objects.create_user(username="bob", name="李强", password="x-unused-2")
    token_a, token_b = api_token_issue(user=alice), api_token_issue(user=bob)
    client = Client()
    assert _me(client, token_a).json()["name"] == "王丽"
    assert _me(client, token_b).json()["name"] == "李强"
    assert _me(client, token_a + "x").status_code == 401
    assert client.get("/api/v1/identity/me", HTTP_AUTHORIZATION=token_a).status_code == 401  # no "Token "


def test_a_reissued_token_ends_the_old_one_and_a_deactivated_account_is_refused(client):
    user = User.objects.create_user(username="clerk", name="窗口人员", password="x-unused-3")
    old = api_token_issue(user=user)
    assert _me(client, old).status_code == 200
    new = api_token_issue(user=user)
    assert _me(client, old).status_code == 401
    assert _me(client, new).status_code == 200
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert _me(client, new).status_code == 401
