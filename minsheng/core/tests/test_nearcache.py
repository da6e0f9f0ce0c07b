"""Each process's copy of the per-user cache entries (minsheng.core.nearcache), against a
real Redis: a warm read costs no round trip, a bump in another process reaches the copy
through pub/sub, and nothing is served from memory while the listener is not subscribed.

Runs where ``REDIS_URL`` is set (the PostgreSQL CI pass: redis://127.0.0.1:6379/15); the
embedded default has no Redis, and there the copy is off (every read goes to the cache).
"""

import time
import uuid

import pytest
import redis
from django.conf import settings

from minsheng.core import usercache
from minsheng.core.cache import RedisCache
from minsheng.core.nearcache import NearCache

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not settings.REDIS_URL,
        reason="needs a Redis server: set REDIS_URL (the PostgreSQL CI pass sets redis://127.0.0.1:6379/15)",
    ),
]

SLOT = "account"  # a slot every deployment has; the user id below has no account
USER = 987_654_321


@pytest.fixture
def shared(monkeypatch):
    """The per-user cache on Redis under a prefix and channel of this test's own."""
    name = f"nc-{uuid.uuid4().hex[:8]}"
    backend = RedisCache(settings.REDIS_URL, {"KEY_PREFIX": name})
    monkeypatch.setattr(usercache, "cache", backend)
    near = NearCache(redis_url=settings.REDIS_URL, channel=f"{name}:bumps")
    monkeypatch.setattr(usercache, "_near_instance", near)
    assert near.wait_live(), "the listener did not subscribe"
    calls = []
    real_get_many = backend.get_many
    monkeypatch.setattr(backend, "get_many", lambda keys: calls.append(keys) or real_get_many(keys))
    yield near, backend, calls
    near.stop()


def _warm(value):
    entry = usercache.fetch(USER, [SLOT])[SLOT]
    usercache.store(USER, SLOT, entry, value)
    return usercache.fetch(USER, [SLOT])[SLOT]  # read back from Redis, and copied


def _until(condition, seconds=5.0):
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    return condition()


def test_a_warm_read_costs_no_round_trip(shared):
    near, _backend, calls = shared
    assert _warm("v1").value == "v1"
    calls.clear()
    entry = usercache.fetch(USER, [SLOT])[SLOT]
    assert (entry.hit, entry.value) == (True, "v1")
    assert calls == []


def test_a_bump_in_another_process_reaches_this_copy(shared, monkeypatch):
    near, _backend, calls = shared
    _warm("v1")
    # Another process: its own copy, the same Redis and channel. Its bump publishes.
    other = NearCache(redis_url=settings.REDIS_URL, channel=near.channel)
    monkeypatch.setattr(usercache, "_near_instance", other)
    usercache.bump([USER], [SLOT])
    monkeypatch.setattr(usercache, "_near_instance", near)
    assert _until(lambda: near.get_all([usercache._vkey(SLOT, USER)]) is None)
    calls.clear()
    entry = usercache.fetch(USER, [SLOT])[SLOT]
    assert not entry.hit  # the value built under the old token is not served
    assert len(calls) == 1


def test_a_bump_in_this_process_drops_the_copy_at_once(shared):
    near, _backend, calls = shared
    _warm("v1")
    usercache.bump([USER], [SLOT])
    assert not usercache.fetch(USER, [SLOT])[SLOT].hit  # no wait for the message


def test_a_value_rebuilt_replaces_the_copy_of_the_missing_one(shared):
    near, _backend, calls = shared
    entry = usercache.fetch(USER, [SLOT])[SLOT]  # nothing stored yet: held as absent
    assert not entry.hit
    entry = usercache.fetch(USER, [SLOT])[SLOT]
    usercache.store(USER, SLOT, entry, "built")
    again = usercache.fetch(USER, [SLOT])[SLOT]
    assert (again.hit, again.value) == (True, "built")


def test_a_read_that_raced_an_invalidation_is_not_copied(shared):
    near, _backend, _calls = shared
    seq = near.seq
    near.drop(["some-key"])  # a message arrived while the read was in flight
    near.put({"k": "old"}, seq=seq)
    assert near.get_all(["k"]) is None
    near.put({"k": "new"}, seq=near.seq)
    assert near.get_all(["k"]) == {"k": "new"}


def test_losing_redis_clears_the_copy_and_it_is_used_again_once_subscribed(shared):
    near, _backend, calls = shared
    _warm("v1")
    keys = [usercache._vkey(SLOT, USER), usercache._dkey(SLOT, USER)]
    assert near.get_all(keys) is not None
    killer = redis.Redis.from_url(settings.REDIS_URL)
    mine = [c for c in killer.client_list(_type="pubsub") if c.get("name") == near.client_name]
    assert len(mine) == 1
    killer.client_kill_filter(_id=mine[0]["id"])
    # Cleared on losing the connection (a bump could have been missed meanwhile), then
    # subscribed again; what was held before is read from Redis again.
    assert _until(lambda: near.get_all(keys) is None)
    assert _until(lambda: near.live)
    calls.clear()
    assert usercache.fetch(USER, [SLOT])[SLOT].value == "v1"
    assert len(calls) == 1
    calls.clear()
    usercache.fetch(USER, [SLOT])
    assert calls == []


def test_the_copy_is_off_without_redis(settings):
    usercache._near_instance = None
    try:
        # Tests use a per-process cache; so does any deployment without REDIS_URL.
        assert usercache._near() is None
    finally:
        usercache._near_instance = None
