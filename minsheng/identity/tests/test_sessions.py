"""Session keys that name their user, and the session read with the user in one round trip
(minsheng.identity.sessions, minsheng.core.usercache.fetch_with)."""

from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.cached_db import SessionStore as DjangoStore
from django.core.cache import cache
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from minsheng.access.principal import ACCOUNT
from minsheng.core import usercache
from minsheng.identity.models import User
from minsheng.identity.sessions import SessionStore, user_hint

pytestmark = pytest.mark.django_db

ME = "/api/v1/identity/me"
PASSWORD = "Right-pass-2026"


@pytest.fixture
def clerk():
    return User.objects.create_user("clerk", PASSWORD, name="窗口", is_staff=True)


@pytest.fixture
def citizen():
    return User.objects.create_user("citizen", PASSWORD, name="市民")


def session_of(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def test_the_engine_in_use_is_this_store():
    assert import_module(settings.SESSION_ENGINE).SessionStore is SessionStore


def test_signing_in_gives_a_new_key_naming_the_user_and_deletes_the_old_one(client, clerk):
    before = SessionStore()
    before["cart"] = "an anonymous visitor's value"
    before.create()
    assert user_hint(before.session_key) is None
    client.cookies[settings.SESSION_COOKIE_NAME] = before.session_key
    response = client.post(reverse("identity:login"), {"username": "clerk", "password": PASSWORD})
    assert response.status_code == 302
    key = session_of(client)
    assert key != before.session_key and user_hint(key) == str(clerk.pk)
    assert len(key) <= 40 and len(key.partition("-")[2]) >= 26
    assert not SessionStore().exists(before.session_key)  # no fixation: the old key is gone
    assert SessionStore(key)["cart"] == "an anonymous visitor's value"
    assert client.get(ME).json()["username"] == "clerk"


def test_signing_out_leaves_no_session_under_the_users_key(client, clerk):
    client.force_login(clerk)
    key = session_of(client)
    assert user_hint(key) == str(clerk.pk)
    client.post(reverse("identity:logout"))
    assert not SessionStore().exists(key)
    assert client.get(ME).status_code == 401


def test_a_signed_in_request_reads_its_session_and_its_user_in_one_cache_round_trip(client, clerk, cache_reads):
    client.force_login(clerk)
    assert client.get(ME).status_code == 200  # the account is built and stored
    reads = cache_reads()
    response = client.get(ME)
    assert response.status_code == 200 and response.json()["username"] == "clerk"
    assert len(reads.calls) == 1, reads.calls
    name, keys = reads.calls[0]
    assert name == "get_many"
    assert any(session_of(client) in k for k in keys)
    assert usercache._dkey(ACCOUNT, clerk.pk) in keys


def test_without_the_users_id_in_the_key_it_takes_two_round_trips_and_still_works(client, clerk, cache_reads):
    """A session signed in before this store (Django's key) keeps working, the old way."""
    old = DjangoStore()
    old[SESSION_KEY] = str(clerk.pk)
    old["_auth_user_backend"] = settings.AUTHENTICATION_BACKENDS[0]
    old["_auth_user_hash"] = clerk.get_session_auth_hash()
    old.create()
    assert user_hint(old.session_key) is None
    client.cookies[settings.SESSION_COOKIE_NAME] = old.session_key
    assert client.get(ME).status_code == 200
    reads = cache_reads()
    assert client.get(ME).json()["username"] == "clerk"
    assert reads.names == ["get", "get_many"]


def test_a_key_naming_another_user_serves_the_session_s_own_user(client, clerk, citizen):
    """The id in the key is a hint: who is signed in is what the session says."""
    forged = SessionStore(f"{clerk.pk}-{'a' * 34}")
    forged[SESSION_KEY] = str(citizen.pk)
    forged["_auth_user_backend"] = settings.AUTHENTICATION_BACKENDS[0]
    forged["_auth_user_hash"] = citizen.get_session_auth_hash()
    forged.save(must_create=True)
    client.cookies[settings.SESSION_COOKIE_NAME] = forged.session_key
    assert client.get(ME).json()["username"] == "citizen"
    assert client.get(ME).json()["username"] == "citizen"


def test_a_made_up_key_naming_a_user_signs_in_nobody(client, clerk):
    client.force_login(clerk)
    assert client.get(ME).status_code == 200
    client.cookies[settings.SESSION_COOKIE_NAME] = f"{clerk.pk}-{'b' * 34}"
    assert client.get(ME).status_code == 401


def test_a_deactivated_account_is_refused_on_the_next_request_on_this_path(client, clerk):
    client.force_login(clerk)
    assert client.get(ME).status_code == 200
    clerk.is_active = False
    clerk.save(update_fields=["is_active"])
    assert client.get(ME).status_code == 401


def test_entries_read_with_a_session_serve_one_fetch_of_that_user_only(clerk, citizen, cache_reads):
    usercache.fetch(clerk.pk, [ACCOUNT])  # tokens exist
    session = SessionStore()
    session["x"] = 1
    session.create()
    assert usercache.fetch_with(session.cache_key, clerk.pk, [ACCOUNT]) == {"x": 1}
    reads = cache_reads()
    assert usercache.fetch(citizen.pk, [ACCOUNT])  # another user: read from the cache
    assert len(reads.calls) == 1
    usercache.fetch_with(session.cache_key, clerk.pk, [ACCOUNT])
    usercache.fetch(clerk.pk, [ACCOUNT])  # served by what came with the session
    assert len(reads.calls) == 2
    usercache.fetch(clerk.pk, [ACCOUNT])  # once only
    assert len(reads.calls) == 3


def test_entries_read_with_a_session_are_not_used_after_this_process_changed_the_user(clerk):
    entry = usercache.fetch(clerk.pk, [ACCOUNT])[ACCOUNT]
    usercache.store(clerk.pk, ACCOUNT, entry, "the account as it was")
    session = SessionStore()
    session["x"] = 1
    session.create()
    usercache.fetch_with(session.cache_key, clerk.pk, [ACCOUNT])
    usercache.bump([clerk.pk], [ACCOUNT])
    assert not usercache.fetch(clerk.pk, [ACCOUNT])[ACCOUNT].hit


def test_entries_nothing_used_are_dropped_when_the_request_ends(clerk, rf, cache_reads):
    from minsheng.core.middleware import RequestContextMiddleware

    usercache.fetch(clerk.pk, [ACCOUNT])
    session = SessionStore()
    session["x"] = 1
    session.create()

    def view_reading_the_session_only(request):
        usercache.fetch_with(session.cache_key, clerk.pk, [ACCOUNT])
        return HttpResponse("ok")

    RequestContextMiddleware(view_reading_the_session_only)(rf.get("/"))
    reads = cache_reads()
    usercache.fetch(clerk.pk, [ACCOUNT])  # a later request of this thread reads again
    assert len(reads.calls) == 1


def test_a_cache_outage_reads_the_session_from_the_database(client, clerk, monkeypatch):
    client.force_login(clerk)
    assert client.get(ME).status_code == 200

    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get_many", broken)
    monkeypatch.setattr(cache, "get", broken)
    assert client.get(ME).json()["username"] == "clerk"
