import pytest
import time_machine

from . import factories as f


@pytest.fixture
def frozen():
    """The clock at 2026-05-12 09:00 Asia/Shanghai, not ticking."""
    with time_machine.travel(f.NOW, tick=False) as t:
        yield t
