"""我的 shows a son the home care his mother receives and her coming visits; a stranger sees none."""

import pytest

from minsheng.identity.models import Person, PersonRelation

from ..mine import mine
from . import factories as f

pytestmark = pytest.mark.django_db


def test_family_member_sees_the_elders_home_care_and_a_stranger_does_not():
    elder = f.elder()
    son_person = PersonRelation.objects.get(relative=elder.person).person
    son = f.user("张建国")
    Person.objects.filter(pk=son_person.pk).update(user=son)
    items = mine(son)
    assert items and elder.person.name in str(items[0].title)
    assert str(items[0].status) == str(elder.get_status_display())
    assert mine(f.user("旁人")) == []


def test_family_items_read_in_a_fixed_number_of_queries(django_assert_max_num_queries):
    elder = f.elder()
    son = f.user("张建国")
    Person.objects.filter(pk=PersonRelation.objects.get(relative=elder.person).person_id).update(user=son)
    mine(son)
    with django_assert_max_num_queries(4):
        mine(son)


def test_a_visit_is_named_in_the_readers_language():
    from django.utils import timezone, translation

    from ..services import orders

    elder = f.elder()
    son = f.user("张建国")
    Person.objects.filter(pk=PersonRelation.objects.get(relative=elder.person).person_id).update(user=son)
    org = f.provider()
    with translation.override("zh-hans"):  # the city was set up in Chinese
        cleaning = f.services()["cleaning"]
    orders.order_create(elder=elder, provider=org, service=cleaning, planned_start=timezone.now())
    with translation.override("en"):
        titles = [str(i.title) for i in mine(son)]
    assert any(t.startswith("home cleaning") for t in titles), titles
