import pytest

from .. import services


@pytest.fixture(autouse=True)
def _fresh_hot_cache():
    """Offerings and windows are cached per process for a few seconds; each test starts clean."""
    services.hot_cache_clear()
    yield
    services.hot_cache_clear()
