"""我的 shows a guardian the applications for their own children, never another family's."""

import pytest
import time_machine

from ..mine import mine
from ..services.applications import application_submit
from . import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def frozen():
    with time_machine.travel(f.NOW, tick=False):
        yield


def test_guardian_sees_their_childs_application_with_its_state_and_no_other_familys(client):
    school = f.school()
    guardian, child = f.guardian_with_child(school)
    other, other_child = f.guardian_with_child(school)
    off = f.offering(school, capacity=2)
    f.window(school)
    app = application_submit(guardian_user=guardian, student_id=child.pk, offering_id=off.pk, weekdays=[0],
                             idempotency_key=f.key())
    application_submit(guardian_user=other, student_id=other_child.pk, offering_id=off.pk, weekdays=[0],
                       idempotency_key=f.key())
    items = mine(guardian)
    assert len(items) == 1 and child.name in str(items[0].title)
    assert items[0].status == app.get_state_display()  # the translated label, not the code
    client.force_login(guardian)
    html = client.get("/mine/").content.decode()
    assert off.title in html and child.name in html


def test_a_guardians_items_read_in_a_fixed_number_of_queries(django_assert_max_num_queries):
    school = f.school()
    guardian, kids = f.guardian_with_child(school, children=3)
    offs = [f.offering(school, capacity=5) for _ in range(2)]
    f.window(school)
    for child in kids:
        for day, off in enumerate(offs):  # different days: a child's sessions may not overlap
            application_submit(guardian_user=guardian, student_id=child.pk, offering_id=off.pk, weekdays=[day],
                               idempotency_key=f.key())
    mine(guardian)
    with django_assert_max_num_queries(5):
        assert len(mine(guardian)) == 6
