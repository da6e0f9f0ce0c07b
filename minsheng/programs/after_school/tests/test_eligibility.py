"""The one home of the application rule (selectors.eligibility), as the service, the API and the
pages read it."""

from datetime import timedelta

import pytest
import time_machine

from minsheng.core.errors import NotAllowed
from minsheng.identity.models import PersonRelation

from ..models import Offering
from ..selectors.eligibility import children_of, offerings_open_to
from ..services.applications import application_submit
from . import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def frozen():
    with time_machine.travel(f.NOW, tick=False):
        yield


@pytest.fixture
def school():
    return f.school()


def test_a_guardianship_that_ended_or_a_family_relation_is_not_a_guardian(school):
    """The one rule (selectors.eligibility): only a current guardian relation lets one apply, and
    the page lists exactly the children one may apply for."""
    from datetime import date

    off = f.offering(school)
    f.window(school)
    guardian, child = f.guardian_with_child(school)
    relation = PersonRelation.objects.get(relative=child)
    relation.valid_to = date(2026, 1, 31)
    relation.save()
    aunt = f.person("王阿姨", account=True)
    PersonRelation.objects.create(person=aunt, relative=child, kind="family", detail="姨妈")
    for user in (guardian, aunt.user):
        assert children_of(user=user) == []
        with pytest.raises(NotAllowed):
            application_submit(guardian_user=user, student_id=child.pk, offering_id=off.pk, weekdays=[0],
                               idempotency_key=f.key())
    relation.valid_to = None
    relation.save()
    assert children_of(user=guardian) == [child]
    assert application_submit(guardian_user=guardian, student_id=child.pk, offering_id=off.pk, weekdays=[0],
                              idempotency_key=f.key()).state == "admitted"


def test_the_page_offers_what_the_submit_accepts(school):
    """offerings_open_to lists an offering exactly when a submit for the child would pass the
    rule: own school's and the area's offerings for the grade under an open window; not another
    school's, another grade's, an unpublished one, nor one whose window is not open."""
    guardian, child = f.guardian_with_child(school, grade_level=3)
    f.window(school)
    own = f.offering(school)
    area = f.offering(school)
    Offering.objects.filter(pk=area.pk).update(school=None)
    other_school = f.school("别的小学")
    elsewhere = f.offering(other_school)
    older = f.offering(school, grade_min=5, grade_max=6)
    hidden = f.offering(school)
    Offering.objects.filter(pk=hidden.pk).update(is_published=False)
    listed = {o.pk for o in offerings_open_to(children=[child])[child.pk]}
    assert listed == {own.pk, area.pk}
    for day, off in enumerate((own, area, elsewhere, older, hidden)):  # a day each: no two at the same hours
        try:
            application_submit(guardian_user=guardian, student_id=child.pk, offering_id=off.pk, weekdays=[day],
                               idempotency_key=f.key())
            accepted = True
        except Exception:  # noqa: BLE001 - any refusal
            accepted = False
        assert accepted == (off.pk in listed), off
    later_school = f.school("晚开小学")
    _g, late_child = f.guardian_with_child(later_school)
    f.offering(later_school)
    f.window(later_school, opens=f.NOW + timedelta(hours=1))
    assert offerings_open_to(children=[late_child])[late_child.pk] == []


def test_other_schools_windows_are_not_read_with_an_offering(school):
    """Every school may have its own window open in the same term: an offering is read with the
    windows of the child's school and the areas only, once on the page, and the submit goes
    through the child's school's window."""
    guardian, child = f.guardian_with_child(school)
    own_window = f.window(school)
    for _ in range(3):
        f.window(f.school("别的小学"))
    off = f.offering(school)
    assert [o.pk for o in offerings_open_to(children=[child])[child.pk]] == [off.pk]
    app = application_submit(guardian_user=guardian, student_id=child.pk, offering_id=off.pk, weekdays=[0],
                             idempotency_key=f.key())
    assert app.window_id == own_window.pk
    area = f.offering(school)
    Offering.objects.filter(pk=area.pk).update(school=None)  # an area's offering, through the school's window
    assert application_submit(guardian_user=guardian, student_id=child.pk, offering_id=area.pk, weekdays=[1],
                              idempotency_key=f.key()).window_id == own_window.pk
