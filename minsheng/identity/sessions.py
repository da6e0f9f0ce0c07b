"""Sessions whose key names their user, read with the user's cached entries in one round trip.

Django's cached_db sessions, with one change: the key of a signed-in session starts
with its user's id (``"4711-k3j…"``). A signed-in request needs its session (to learn
who it is) and then its user's entries (minsheng.core.usercache: the account, the
roles, the unread count) — two cache round trips, one after the other, because the
second needs the first's answer. With the id in the key both are asked for at once:
on this hardware a Redis round trip cost ~0.13 ms of the worker's CPU, and at 8 a.m.
on the day an after-school window opens every guardian's submit pays it.

The id in the key is a hint, never proof: the session's own data says who is signed
in, and the hint only chooses which entries to read along. A key naming another user
(edited by hand) reads that user's entries, which then serve nobody: the entries are
kept only for a fetch of the hinted id in the same request, and the session it names
does not exist, or names its own user. The random part keeps at least 26 characters
of ``[a-z0-9]`` (134 bits; Django's keys have 32, 165 bits), within the 40 the
session table allows.

The key is chosen when the session is saved with a user in it: ``login()`` cycles the
key before it writes the user, so the new key is taken at the save that follows
(the old one is deleted at once, as Django does). A session signed in before this
store was deployed keeps its key, and its two round trips, until it is saved again.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.core.cache import DEFAULT_CACHE_ALIAS
from django.utils.crypto import get_random_string

from minsheng.core import usercache

logger = logging.getLogger(__name__)

KEY_LENGTH = 40  # django_session.session_key's max_length
RANDOM_MIN = 26  # characters of [a-z0-9] after the user's id: 134 bits


def user_hint(session_key: str | None) -> str | None:
    """The user id a session key names, or None (an anonymous session's, or Django's own)."""
    if not session_key:
        return None
    head, sep, _rest = session_key.partition("-")
    return head if sep and head.isdigit() else None


class SessionStore(cached_db.SessionStore):
    def _user_id(self) -> str | None:
        uid = self._session.get(SESSION_KEY)
        return str(uid) if uid is not None and str(uid).isdigit() else None

    def _get_new_session_key(self) -> str:
        uid = self._user_id()
        if uid is None or KEY_LENGTH - len(uid) - 1 < RANDOM_MIN:
            return super()._get_new_session_key()
        while True:
            key = f"{uid}-{get_random_string(KEY_LENGTH - len(uid) - 1, VALID_KEY_CHARS)}"
            if not self.exists(key):
                return key

    def cycle_key(self) -> None:
        """A new key for the same data (sign-in, a new password): the old one is deleted
        now, the new one is taken at the save that follows, when ``login()`` has put the
        user in the data — so that it can name them."""
        data = self._session
        old = self.session_key
        self._session_key = None
        self._session_cache = data
        self.modified = True
        if old:
            self.delete(old)

    def save(self, must_create: bool = False) -> None:
        if not must_create and self.session_key is not None and self._user_id() != user_hint(self.session_key):
            # Signed in (or out, or as someone else) under a key that names another: a new
            # key, as cycle_key would have given.
            old = self.session_key
            self._session_key = None
            self.create()
            self.delete(old)
            return
        super().save(must_create)

    def load(self) -> dict:
        uid = user_hint(self.session_key)
        if uid is None or settings.SESSION_CACHE_ALIAS != DEFAULT_CACHE_ALIAS:
            return super().load()
        try:
            data = usercache.fetch_with(self.cache_key, uid, usercache.SLOTS)
        except Exception:  # noqa: BLE001 - as Django's load(): the database answers instead
            logger.warning("session cache unavailable; reading the session from the database", exc_info=True)
            return super().load()
        if data is None:
            return super().load()  # not in the cache: the database, which puts it back
        return data
