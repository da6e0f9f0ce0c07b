"""One bar per part on a terminal; nothing but the part's own line off it."""

import io

from minsheng.demo.progress import PartProgress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_off_a_terminal_the_part_draws_nothing():
    out = io.StringIO()
    bar = PartProgress("after_school", stream=out)
    assert list(bar.track(range(1000), label="schools")) == list(range(1000))
    bar.step("lottery")
    bar.close()
    assert out.getvalue() == ""


def test_on_a_terminal_inner_loops_share_the_outer_bar_and_it_is_cleared_at_the_end():
    out = _Terminal()
    bar = PartProgress("after_school", stream=out)
    seen = []
    for school in bar.track(range(3), label="schools"):
        seen += [(school, kid) for kid in bar.track(range(50), label="pupils")]
    assert len(seen) == 150
    drawn = out.getvalue()
    assert "after_school: schools" in drawn and "3/3" in drawn
    assert "pupils" not in drawn  # the inner loop did not take the bar over
    bar.close()


def test_progress_can_be_turned_off_on_a_terminal():
    out = _Terminal()
    bar = PartProgress("foundation", stream=out, enabled=False)
    assert sum(bar.track(range(10))) == 45
    assert out.getvalue() == ""
