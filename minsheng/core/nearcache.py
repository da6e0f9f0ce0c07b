"""This process's copy of the per-user cache entries, dropped when Redis says they changed.

Every signed-in request reads its user's entries (account, roles, unread count)
from the shared cache: one Redis round trip, on this hardware ~0.12 ms of the
worker's CPU and ~0.05 ms of Redis's, for values that change a few times a day.
With Redis, each process keeps what it read here, and a bump (a new version
token, minsheng.core.usercache) is also published on a channel; a listener thread
in each process drops the bumped keys from its copy as the message arrives. A
request then finds its user's entries in memory and costs no round trip.

Consistency: a bump is visible to other processes once its message is read, a
millisecond or so after it was written, where it was visible at the next read
before. The process that bumps drops its own copy at once. Nothing is kept
unless the listener is subscribed: it subscribes before anything is copied, and
when it loses Redis (or Redis restarts, losing every token) the copy is
cleared and reads go to Redis until it is subscribed again. A read that raced
an invalidation (a message arrived between its round trip and its copy) is not
copied. Entries older than ``max_age`` seconds are read again in any case.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable
from typing import Any

logger = logging.getLogger(__name__)


class NearCache:
    def __init__(self, *, redis_url: str, channel: str, max_age: float = 60.0):
        self.redis_url, self.channel, self.max_age = redis_url, channel, max_age
        self._values: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()
        self.seq = 0  # invalidations applied (any change of this discards a racing copy)
        self.live = False  # subscribed: only then is anything copied or served
        self._pid = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pubsub = None

    @property
    def client_name(self) -> str:
        """The listener's connection as Redis lists it (CLIENT LIST)."""
        return f"usercache-near-{os.getpid()}-{id(self):x}"

    # --- reads -----------------------------------------------------------------------
    def get_all(self, keys: Iterable[str]) -> dict[str, Any] | None:
        """Every key's value when all are held and fresh, else None (read Redis)."""
        self._ensure_listener()
        if not self.live:
            return None
        now = time.monotonic()
        out = {}
        values = self._values
        for key in keys:
            held = values.get(key)
            if held is None or now - held[0] > self.max_age:
                return None
            out[key] = held[1]
        return out

    def put(self, values: dict[str, Any], *, seq: int) -> None:
        """Keep what a read returned, unless an invalidation arrived since it began."""
        if not self.live:
            return
        now = time.monotonic()
        with self._lock:
            if seq != self.seq or not self.live:
                return
            for key, value in values.items():
                self._values[key] = (now, value)

    def keep(self, key: str, value: Any) -> None:
        """Hold a value this process has just written to Redis (a rebuilt entry), so the
        next read needs no round trip. Safe without the race check of ``put``: an entry
        is served only with the version tokens it was built under (usercache._entries),
        and a bump drops those tokens here."""
        if not self.live:
            return
        with self._lock:
            if self.live:
                self._values[key] = (time.monotonic(), value)

    # --- invalidation ----------------------------------------------------------------
    def drop(self, keys: Iterable[str]) -> None:
        with self._lock:
            self.seq += 1
            for key in keys:
                self._values.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self.seq += 1
            self._values.clear()

    def publish(self, client, keys: list[str]) -> None:
        """Tell every process (this one at once) that ``keys`` changed. Errors propagate:
        a bump must not be committed without its invalidation."""
        self.drop(keys)
        client.publish(self.channel, "\n".join(keys))

    # --- the listener ----------------------------------------------------------------
    def _ensure_listener(self) -> None:
        pid = os.getpid()
        if self._pid == pid and self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self._pid == pid and self._thread is not None and self._thread.is_alive():
                return
            # A new process (forked worker): nothing inherited is trusted.
            self._pid, self.live = pid, False
            self._values.clear()
            self.seq += 1
            self._stop.clear()
            self._thread = threading.Thread(target=self._listen, name="usercache-near", daemon=True)
            self._thread.start()

    def _set_live(self, live: bool) -> None:
        with self._lock:
            self.live = live
            self.seq += 1
            self._values.clear()

    def _listen(self) -> None:
        import redis

        backoff = 0.1
        while not self._stop.is_set():
            pubsub = None
            try:
                client = redis.Redis.from_url(self.redis_url, health_check_interval=10, socket_keepalive=True,
                                              client_name=self.client_name)
                pubsub = self._pubsub = client.pubsub()
                pubsub.subscribe(self.channel)
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message is None:
                        continue
                    if message["type"] == "subscribe":
                        self._set_live(True)
                        backoff = 0.1
                    elif message["type"] == "message":
                        data = message["data"]
                        self.drop((data.decode() if isinstance(data, bytes) else data).split("\n"))
            except Exception:  # noqa: BLE001 - lost Redis: serve nothing from memory until back
                logger.warning("user cache listener lost Redis; reading from Redis until it is back",
                               exc_info=True)
            finally:
                self._set_live(False)
                if pubsub is not None:
                    try:
                        pubsub.close()
                    except Exception:  # noqa: BLE001, S110 - closing a dead connection
                        pass
            self._stop.wait(backoff)
            backoff = min(backoff * 2, 5.0)

    def stop(self) -> None:
        """For tests: end the listener and forget everything."""
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join(5)
        self._thread = None
        self._pid = None
        self._set_live(False)

    def wait_live(self, timeout: float = 5.0) -> bool:
        """For tests and start-up checks: wait until subscribed."""
        self._ensure_listener()
        deadline = time.monotonic() + timeout
        while not self.live and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.live
