import pytest
import time_machine

from . import factories as f


@pytest.fixture
def frozen():
    """The clock at 2026-05-12 09:00 Asia/Shanghai, not ticking."""
    with time_machine.travel(f.NOW, tick=False) as t:
        yield t


@pytest.fixture(autouse=True)
def english(request, settings):
    """Tests read the English message ids; the browser test checks the Chinese default itself."""
    from django.utils import translation

    if request.node.get_closest_marker("browser"):
        yield
        return
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
