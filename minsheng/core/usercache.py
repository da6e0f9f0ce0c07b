"""Per-user values kept in the cache and dropped the moment their source changes.

Every signed-in request needs a few small facts about its user (the account row,
the role assignments, the unread count). Read from the database they cost four
queries before the page reads anything; here they come from the cache in one
round trip (``get_many``) and are rebuilt from the database only after a change.

Each *slot* (``"principal"``, ``"unread"``) keeps, per user, a value stored
together with the *tag* it was built under: the user's version token for that
slot and, when the slot depends on shared rows (roles, organisations), that
slot's global token. A write bumps the tokens (``bump`` / ``bump_all``, called
from signal receivers and services): a new random token, so every value stored
under the old one is ignored from then on, in every process sharing the cache.

Why this is safe against races: a reader takes the tokens *before* it reads the
database and stores what it read under those tokens. A writer bumps once at
once and again after its transaction commits, so a reader that saw the
uncommitted (old) rows stores them under a token that is already dead. A
missing token (evicted, culled, never set) is created with ``add`` and read
back, so two processes agree on it. Cache errors on reads fall back to the
database; errors on a bump propagate, so a change is never committed silently
without its invalidation (fail closed).

The cache must be shared by every process that serves or writes (Redis with
REDIS_URL; the file cache of the embedded default) — with a per-process cache a
deactivated account could still be served by another worker.

With Redis, each process also keeps a copy of what it read, and every bump is
published so that each process drops the bumped keys as the message arrives
(minsheng.core.nearcache): a warm request then reads its user from memory.

Writes that bypass model signals (``QuerySet.update``, ``bulk_create``, raw SQL)
must call ``bump`` themselves; ``USER_CACHE_SECONDS`` bounds how long a value
lives in any case.
"""

from __future__ import annotations

import contextvars
import hashlib
import logging
import os
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache as memoize
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction

logger = logging.getLogger(__name__)

# Slot name → whether it has a global token (values depend on shared rows).
SLOTS: dict[str, bool] = {}
# Bumped whenever this process bumps anything: values attached to objects in
# memory (the request's user) are re-read after a write in the same process.
_epoch = 0


def register(slot: str, *, shared: bool = False) -> None:
    SLOTS[slot] = shared


def timeout() -> int:
    return settings.USER_CACHE_SECONDS


def enabled() -> bool:
    return timeout() > 0


def epoch() -> int:
    return _epoch


def database_identity() -> str:
    """Which database this is beyond its name and address: one dropped and created
    again under the same name (a restore, a benchmark run) reuses user ids, and must
    not inherit the users cached from the old one. PostgreSQL: the database's OID;
    SQLite: the file's inode."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT oid FROM pg_database WHERE datname = current_database()")
            return str(cursor.fetchone()[0])
    try:
        return str(os.stat(str(settings.DATABASES["default"]["NAME"])).st_ino)
    except (OSError, ValueError):  # an in-memory database
        return ""


@memoize
def _prefix() -> str:
    # One namespace per (secret key, database): two databases on one Redis never
    # see each other's users, and values built under a rotated key are dropped.
    db = settings.DATABASES["default"]
    seed = "|".join(
        str(x)
        for x in (settings.SECRET_KEY, db["ENGINE"], db["NAME"], db.get("HOST"), db.get("PORT"),
                  database_identity())
    )
    return "uc:" + hashlib.sha256(seed.encode()).hexdigest()[:12]


def namespaced(key: str) -> str:
    """``key`` in this cache's namespace, for a value kept beside the slots (e.g. the
    API token → user id map in minsheng.api.auth)."""
    return f"{_prefix()}:{key}"


def _vkey(slot: str, user_id) -> str:
    return f"{_prefix()}:{slot}:v:{user_id}"


def _gkey(slot: str) -> str:
    return f"{_prefix()}:{slot}:g"


def _dkey(slot: str, user_id) -> str:
    return f"{_prefix()}:{slot}:d:{user_id}"


def _token() -> str:
    return secrets.token_hex(8)


# How long an entry read once may be reused from memory (e.g. by a second role
# check in the same request) before it is fetched again.
REUSE_SECONDS = 2.0


@dataclass
class Entry:
    """One slot of one user as read: the tag to store under, and the value if current."""

    tag: tuple | None  # None: the cache failed; build from the database, do not store
    value: Any = None
    hit: bool = False
    epoch: int = field(default_factory=epoch)
    read_at: float = field(default_factory=time.monotonic)

    def current(self) -> bool:
        """Still good to use from memory: nothing bumped in this process since, and recent."""
        return self.epoch == _epoch and time.monotonic() - self.read_at < REUSE_SECONDS


def _ensure(key: str) -> str:
    cache.add(key, _token(), None)
    found = cache.get(key)
    # Culled between the two calls: a token nobody else holds, so nothing stored
    # under it is ever read back.
    return found if found is not None else _token()


def _keys(user_id, slots: list[str]) -> tuple[list[str], list[str]]:
    tokens, values = [], []
    for s in slots:
        tokens.append(_vkey(s, user_id))
        values.append(_dkey(s, user_id))
        if SLOTS.get(s):
            tokens.append(_gkey(s))
    return tokens, values


def fetch(user_id, slots: Iterable[str]) -> dict[str, Entry]:
    """The current value (if any) and tag of each slot, in one cache round trip — or
    none, when this process holds them all (minsheng.core.nearcache), or when they
    came with the session a moment ago (``fetch_with``)."""
    slots = list(slots)
    if not enabled():
        return {s: Entry(tag=None) for s in slots}
    primed = _take_primed(user_id, slots)
    if primed is not None:
        return primed
    tokens, values = _keys(user_id, slots)
    keys = tokens + values
    try:
        near = _near()
        got = near.get_all(keys) if near is not None else None
        if got is not None:
            return _entries(user_id, slots, got)
        seq = near.seq if near is not None else 0
        got = cache.get_many(keys)
        return _entries_read(user_id, slots, got, tokens, keys, near, seq)
    except Exception:  # noqa: BLE001 - a cache outage must not take sign-in down
        logger.warning("user cache unavailable; reading from the database", exc_info=True)
        return {s: Entry(tag=None) for s in slots}


def _entries_read(user_id, slots, got, tokens, keys, near, seq) -> dict[str, Entry]:
    out = _entries(user_id, slots, got)
    if near is not None and all(k in got for k in tokens):
        # Absent values are held too (a slot not built yet, e.g. roles for an API
        # client): store() replaces it here when it builds one.
        near.put({k: got.get(k) for k in keys}, seq=seq)
    return out


# Entries read together with a session (fetch_with), waiting for the authentication
# backend's fetch of the same user a moment later in the same request.
_primed: contextvars.ContextVar = contextvars.ContextVar("usercache_primed", default=None)


def fetch_with(key: str, user_id, slots: Iterable[str]) -> Any:
    """The value of ``key`` in the default cache (the session's data) together with this
    user's entries, in one round trip; the entries are kept for the next ``fetch`` of
    this user in this context — the authentication backend's, a moment later in the same
    request — so that a signed-in request whose user this process does not hold costs
    one round trip instead of two. ``user_id`` is a hint (the session key names its
    user, minsheng.identity.sessions): the entries only ever serve a fetch of that id.
    Cache errors propagate (the caller reads its key its usual way)."""
    slots = list(slots)
    _primed.set(None)
    if not enabled():
        return cache.get(key)
    tokens, values = _keys(user_id, slots)
    keys = tokens + values
    near = _near()
    if near is not None and near.get_all(keys) is not None:
        return cache.get(key)  # fetch() finds the entries in this process
    seq = near.seq if near is not None else 0
    got = cache.get_many([key, *keys])
    _primed.set((str(user_id), _entries_read(user_id, slots, got, tokens, keys, near, seq)))
    return got.get(key)


def _take_primed(user_id, slots: list[str]) -> dict[str, Entry] | None:
    primed = _primed.get()
    if primed is None:
        return None
    _primed.set(None)  # once: a later fetch reads again
    primed_user, entries = primed
    if primed_user != str(user_id) or any(s not in entries for s in slots):
        return None
    if not all(entries[s].current() for s in slots):  # this process bumped since, or not recent
        return None
    return {s: entries[s] for s in slots}


def forget_primed() -> None:
    """Drop entries read with a session that nothing used (end of a request)."""
    _primed.set(None)


def _entries(user_id, slots: list[str], got: dict) -> dict[str, Entry]:
    out = {}
    for s in slots:
        ver = got.get(_vkey(s, user_id)) or _ensure(_vkey(s, user_id))
        gen = (got.get(_gkey(s)) or _ensure(_gkey(s))) if SLOTS.get(s) else ""
        tag = (ver, gen)
        stored = got.get(_dkey(s, user_id))
        if stored is not None and stored[0] == tag:
            out[s] = Entry(tag=tag, value=stored[1], hit=True)
        else:
            out[s] = Entry(tag=tag)
    return out


def store(user_id, slot: str, entry: Entry, value) -> None:
    """Keep ``value`` under the tag read before it was built (see the module docstring)."""
    entry.value, entry.hit = value, True
    if entry.tag is None:
        return
    try:
        cache.set(_dkey(slot, user_id), (entry.tag, value), timeout())
        near = _near()
        if near is not None:  # this process's copy held the value this one replaces
            near.keep(_dkey(slot, user_id), (entry.tag, value))
    except Exception:  # noqa: BLE001 - not storing only costs the next request a rebuild
        logger.warning("user cache unavailable; value not stored", exc_info=True)


def _set_tokens(keys: list[str]) -> None:
    global _epoch
    _epoch += 1
    cache.set_many(dict.fromkeys(keys, _token()), None)
    near = _near()
    if near is not None:  # every process's copy, this one's at once
        near.publish(cache._cache.get_client(write=True), keys)


# This process's copy of the entries (minsheng.core.nearcache): with the Redis cache
# only (its pub/sub carries the bumps); None: not decided yet; False: off.
_near_instance = None


def _near():
    global _near_instance
    if _near_instance is None:
        from django.core.cache import caches

        from .cache import RedisCache
        from .nearcache import NearCache

        backend = caches["default"]
        if isinstance(backend, RedisCache) and settings.USER_CACHE_NEAR:
            _near_instance = NearCache(redis_url=backend._servers[0], channel=f"{_prefix()}:bumps")
        else:
            _near_instance = False
    return _near_instance or None


def _bump_keys(keys: list[str]) -> None:
    if not keys:
        return
    _set_tokens(keys)
    if connection.in_atomic_block:
        # Again once the change is visible to others: a reader between the two
        # bumps may have stored the old rows under the first new token.
        transaction.on_commit(lambda: _set_tokens(keys))


def bump(user_ids: Iterable, slots: Iterable[str]) -> None:
    """Drop the users' values in ``slots`` now and again when the transaction commits."""
    ids = {u for u in user_ids if u is not None}
    _bump_keys([_vkey(s, u) for s in slots for u in ids])


def bump_all(slot: str) -> None:
    """Drop every user's value in ``slot`` (a shared row it depends on changed)."""
    _bump_keys([_gkey(slot)])
