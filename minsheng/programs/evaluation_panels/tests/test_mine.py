"""我的 shows a volunteer their panel invitations with what to do next; nobody else's."""

import pytest
import time_machine

from ..mine import mine
from ..models import PanelSeat
from . import factories as f

pytestmark = pytest.mark.django_db


def test_a_drawn_volunteer_sees_the_invitation_and_the_step_to_answer_it():
    with time_machine.travel(f.NOW, tick=False):
        f.pool()
        ev = f.drawn_evaluation(f.project())
    seats = list(PanelSeat.objects.select_related("volunteer__person__user"))
    assert seats
    member = seats[0].volunteer.person.user
    items = mine(member)
    assert len(items) == 1 and items[0].title == ev.project.title
    assert items[0].action  # invited: say whether they will take part
    outsider = f.user("旁人")
    assert mine(outsider) == []


def test_panel_items_read_in_one_query(django_assert_num_queries):
    with time_machine.travel(f.NOW, tick=False):
        f.pool()
        f.drawn_evaluation(f.project())
    member = PanelSeat.objects.select_related("volunteer__person__user").first().volunteer.person.user
    with django_assert_num_queries(1):
        mine(member)
