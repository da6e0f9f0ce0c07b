"""``Authorization: Token …``: answered from the per-user cache with no query once it is
warm, and still only for the current token of an active account — a rotated or cleared
token, or a deactivated account, is refused on the very next request (minsheng.api.auth)."""

import hashlib

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from minsheng.access.principal import ACCOUNT, api_token_fingerprint
from minsheng.api import auth
from minsheng.api.auth import _map_key
from minsheng.core import usercache
from minsheng.identity.models import User
from minsheng.identity.services import api_token_issue
from minsheng.notifications.models import Notification

pytestmark = pytest.mark.django_db

UNREAD = "/api/v1/notifications/unread-count"  # answered from the cache too: no query of its own


@pytest.fixture(autouse=True)
def clean_cache():
    cache.clear()
    auth._local_token_users.clear()
    yield
    cache.clear()
    auth._local_token_users.clear()


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
    user = User.objects.create_user(username="clerk", name="窗口人员", password="x-unused-3")
    old = api_token_issue(user=user)
    assert _me(client, old).status_code == 200
    new = api_token_issue(user=user)
    assert _me(client, old).status_code == 401
    assert _me(client, new).status_code == 200
    User.objects.filter(pk=user.pk).update(is_active=False)
    # A bulk UPDATE sends no signal: the writer drops the cached account (ADR 0006).
    usercache.bump([user.pk], [ACCOUNT])
    assert _me(client, new).status_code == 401


def test_second_request_with_a_token_reads_nothing_from_the_database(
    client, django_assert_num_queries
):
    user = _user()
    Notification.objects.create(recipient=user, template="t", title="一条消息", dedupe_key="n1")
    token = api_token_issue(user=user)
    first = _unread(client, token)
    assert first.status_code == 200 and first.json() == {"unread": 1}
    with django_assert_num_queries(0):
        second = _unread(client, token)
    assert second.status_code == 200 and second.json() == {"unread": 1}
    assert second.wsgi_request.user.pk == user.pk


def test_rotated_token_is_refused_on_the_next_request_and_the_new_one_works(
    client, django_assert_num_queries
):
    user = _user()
    old = api_token_issue(user=user)
    assert _unread(client, old).status_code == 200
    assert _unread(client, old).status_code == 200  # now from the cache
    new = api_token_issue(user=user)
    response = _unread(client, old)
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"
    assert _unread(client, new).status_code == 200
    with django_assert_num_queries(0):
        assert _unread(client, new).status_code == 200
    assert _unread(client, old).status_code == 401


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
    assert _unread(client, token).status_code == 200  # now from the cache
    change(user)
    assert _unread(client, token).status_code == 401


def test_the_token_map_alone_never_signs_anyone_in(client):
    """Fail closed: a map entry pointing at another account (stale, or planted) is checked
    against that account's own token and loses to the database."""
    alice, bob = _user("alice", "王丽"), _user("bob", "李强")
    token_a, token_b = api_token_issue(user=alice), api_token_issue(user=bob)
    assert _unread(client, token_b).status_code == 200  # bob's account is cached
    cache.set(_map_key(api_token_fingerprint(_digest(token_a))), bob.pk)
    assert _me(client, token_a).json()["name"] == "王丽"
    cache.set(_map_key(api_token_fingerprint(_digest("made-up-token"))), bob.pk)
    assert _me(client, "made-up-token").status_code == 401


def test_this_process_map_alone_never_signs_anyone_in_either(client):
    """The process keeps the token → user map in memory too; an entry there pointing at
    another account is checked the same way, loses to the database and is corrected."""
    alice, bob = _user("alice", "王丽"), _user("bob", "李强")
    token_a, token_b = api_token_issue(user=alice), api_token_issue(user=bob)
    assert _unread(client, token_b).status_code == 200  # bob's account is cached
    auth._local_token_users[api_token_fingerprint(_digest(token_a))] = bob.pk
    assert _me(client, token_a).json()["name"] == "王丽"
    assert auth._local_token_users[api_token_fingerprint(_digest(token_a))] == alice.pk
    auth._local_token_users[api_token_fingerprint(_digest("made-up-token"))] = bob.pk
    assert _me(client, "made-up-token").status_code == 401
    assert api_token_fingerprint(_digest("made-up-token")) not in auth._local_token_users


def test_a_warm_token_costs_one_cache_round_trip(client, cache_reads):
    """A clerk's tablet calls all day: after its first request a token is resolved from this
    process's map and the account from one round trip for the user's cache entries."""
    user = _user()
    token = api_token_issue(user=user)
    assert _unread(client, token).status_code == 200
    reads = cache_reads()
    response = _unread(client, token)
    assert response.status_code == 200 and response.json() == {"unread": 0}
    assert reads.names == ["get_many"]


def test_token_set_by_a_bulk_update_still_signs_in(client, django_assert_num_queries):
    """The cached account disagrees with the database after a write that bypassed the
    signals: the database decides, and the account is rebuilt for the next request."""
    user = _user()
    old = api_token_issue(user=user)
    assert _unread(client, old).status_code == 200
    token = "bulk-written-token-0123456789"
    User.objects.filter(pk=user.pk).update(api_token_hash=_digest(token))
    assert _unread(client, token).status_code == 200
    assert _unread(client, token).status_code == 200
    with django_assert_num_queries(0):
        assert _unread(client, token).status_code == 200


def test_cache_outage_falls_back_to_the_database(client, monkeypatch):
    user = _user()
    token = api_token_issue(user=user)
    assert _unread(client, token).status_code == 200

    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get", broken)
    monkeypatch.setattr(cache, "get_many", broken)
    with CaptureQueriesContext(connection) as queries:
        assert _unread(client, token).status_code == 200
    assert sum("api_token_hash" in q["sql"] for q in queries.captured_queries) == 1
    monkeypatch.setattr(cache, "set_many", lambda *a, **k: None)  # the bump is lost too
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert _unread(client, token).status_code == 401


def test_cached_account_keeps_a_fingerprint_not_the_token_digest(client):
    user = _user()
    token = api_token_issue(user=user)
    assert _unread(client, token).status_code == 200
    user.refresh_from_db()
    stored = cache.get(usercache._dkey(ACCOUNT, user.pk))
    assert stored is not None and api_token_fingerprint(user.api_token_hash) in repr(stored)
    assert user.api_token_hash not in repr(stored)
    assert not [k for k in cache._cache if user.api_token_hash in str(k)]


def test_a_token_names_its_user_so_a_process_that_never_saw_it_skips_the_token_map(client, monkeypatch):
    """A tablet's request reaching a worker for the first time: the account is found by the
    id the token starts with, in one round trip (the user's entries), not two (map, then
    entries)."""
    user = _user()
    token = api_token_issue(user=user)
    assert token.startswith(f"{user.pk}.")
    assert _unread(client, token).status_code == 200  # the account is cached
    auth._local_token_users.clear()  # another worker: it has never seen this token
    asked = []
    real_get = cache.get
    monkeypatch.setattr(cache, "get", lambda key, *a, **k: asked.append(key) or real_get(key, *a, **k))
    assert _me(client, token).json()["name"] == "窗口人员"
    assert _map_key(api_token_fingerprint(_digest(token))) not in asked


def test_the_user_a_token_names_is_only_a_hint(client):
    """Fail closed: a token whose id is changed to another user's is another token — its
    digest is nobody's — and is refused; a made-up token naming a user is refused too."""
    alice, bob = _user("alice", "王丽"), _user("bob", "李强")
    token_a, token_b = api_token_issue(user=alice), api_token_issue(user=bob)
    assert _unread(client, token_b).status_code == 200  # bob's account is cached
    _head, _dot, secret_a = token_a.partition(".")
    assert _me(client, f"{bob.pk}.{secret_a}").status_code == 401
    assert _me(client, f"{bob.pk}.made-up").status_code == 401
    assert _me(client, f"{bob.pk}.").status_code == 401
    assert not auth._local_token_users or all(
        fp != api_token_fingerprint(_digest(f"{bob.pk}.{secret_a}")) for fp in auth._local_token_users)
    assert _me(client, token_a).json()["name"] == "王丽"
    assert _me(client, token_b).json()["name"] == "李强"


def test_a_token_issued_before_tokens_named_their_user_still_signs_in(client):
    user = _user()
    token = "older-token-without-a-user-id_0123456789abcdef"
    User.objects.filter(pk=user.pk).update(api_token_hash=_digest(token))
    usercache.bump([user.pk], [ACCOUNT])
    assert _me(client, token).json()["name"] == "窗口人员"
    auth._local_token_users.clear()
    assert _me(client, token).json()["name"] == "窗口人员"  # through the shared map


@pytest.mark.parametrize("token", ["12.x", "０１.x", "²³.x", "-1.x", ".x", "x.y", "12", "9" * 19 + ".x", ""])
def test_what_a_token_names_is_read_strictly(token):
    from minsheng.identity.services import api_token_user_hint

    assert api_token_user_hint(token) == (12 if token == "12.x" else None)
