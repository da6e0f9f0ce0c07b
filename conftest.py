import os

import pytest

os.environ.setdefault("MINSHENG_ENV", "test")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")



class CacheReads:
    """Every read the default cache is asked for, with its keys: one call, one round trip.
    Calls a backend makes of itself (local memory's get_many calls get) are not counted."""

    READS = ("get", "get_many", "has_key")

    def __init__(self, monkeypatch):
        from django.core.cache import caches

        self.calls: list[tuple[str, list[str]]] = []
        self.inside = False
        backend = caches["default"]
        for name in self.READS:
            # On the instance: an earlier test's monkeypatch may have left a bound method there.
            monkeypatch.setattr(backend, name, self._counted(name, getattr(backend, name)))

    def _counted(self, name, original):
        def call(key_or_keys, *args, **kwargs):
            if self.inside:
                return original(key_or_keys, *args, **kwargs)
            self.calls.append((name, list(key_or_keys) if name == "get_many" else [key_or_keys]))
            self.inside = True
            try:
                return original(key_or_keys, *args, **kwargs)
            finally:
                self.inside = False
        return call

    @property
    def names(self) -> list[str]:
        return [name for name, _keys in self.calls]


@pytest.fixture
def cache_reads(monkeypatch):
    """Counts the default cache's round trips from here on (``.calls``, ``.names``)."""
    return lambda: CacheReads(monkeypatch)
