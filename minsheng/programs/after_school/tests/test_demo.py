from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db.models import Count

from minsheng.demo.services import demo_build
from minsheng.identity.models import PersonRelation
from minsheng.ratings.models import Rating
from minsheng.regions.services import regions_load

from ..models import Application, ClassGroup, Enrolment, OfferingDay, Teacher
from ..selectors.supervision import city_summary

pytestmark = pytest.mark.django_db
MID_TERM = datetime(2026, 11, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _mid_term():
    """Ratings exist only once the term has begun: the demo is built during a term."""
    with time_machine.travel(MID_TERM):
        yield


def test_demo_builds_every_school_with_students_guardians_teachers_and_allocated_applications():
    regions_load(province="32", history=False)
    built = demo_build(scale=0.0005, seed=7, only=["after_school"], show_progress=False)
    counts = built["after_school"]
    assert counts["students"] == Enrolment.objects.count() == 302  # 605,000 × 0.0005, rounded
    assert ClassGroup.objects.values("school").distinct().count() == Enrolment.objects.values("school").distinct().count()
    assert not Enrolment.objects.exclude(student__relations_in__kind="guardian").exists()
    assert PersonRelation.objects.filter(kind="guardian").count() >= 302
    assert Teacher.objects.count() >= 364 and Teacher.objects.filter(party_member=True).exists()
    assert Application.objects.values("state").annotate(n=Count("id")).count() >= 2
    for day in OfferingDay.objects.all():
        assert day.taken <= day.capacity
    summary = city_summary()
    assert summary["students"] == 302 and summary["coverage_percent"] > 50
    # guardians' ratings: most satisfied; each bad one has its follow-up case
    assert summary["ratings"] > 0 and summary["satisfaction_percent"] is not None
    bad = Rating.objects.filter(level__lte=2)
    assert bad.count() == bad.filter(follow_up__isnull=False).count()
