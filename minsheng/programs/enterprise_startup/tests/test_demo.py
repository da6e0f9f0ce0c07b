import random

from minsheng.programs.enterprise_startup import demo
from minsheng.programs.enterprise_startup.models import StartupApplication


class Ctx:
    rng = random.Random(7)

    def scaled(self, n, minimum=1):
        return minimum

    def progress(self, it, total=None, label=""):
        return it

    def log(self, msg):
        pass


def test_demo_builds_start_ups_in_several_states(world):
    result = demo.run(Ctx())
    assert result["start-up cases"] >= 8
    states = set(StartupApplication.objects.values_list("state", flat=True))
    assert "completed" in states and len(states) >= 2
    assert demo.run(Ctx()) == {"start-up cases": 0}  # idempotent
