"""The dashboard KPIs the program declares: share of graded projects rated satisfied, milestones on time."""

from datetime import date

import pytest

from minsheng.core.registry import registry

from ..models import Grade, Milestone, Project
from . import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def _kpi(key):
    return next(k for p, k in registry.kpis() if k.key == key).compute()


def test_kpis_are_empty_without_graded_projects_or_due_milestones():
    f.project(milestones=[("开工", date(2026, 6, 1))])
    assert _kpi("evaluation_panels.satisfaction") is None
    assert _kpi("evaluation_panels.on_time") is None


def test_satisfaction_counts_graded_projects_and_on_time_counts_due_milestones():
    a = f.project(number="1", milestones=[("设计", date(2026, 3, 1)), ("开工", date(2026, 4, 1))])
    b = f.project(number="2", milestones=[("设计", date(2026, 5, 1))])
    f.project(number="3")  # not graded: not counted
    Project.objects.filter(pk=a.pk).update(grade=Grade.SATISFIED)
    Project.objects.filter(pk=b.pk).update(grade=Grade.BASIC)
    Milestone.objects.filter(project=a, title="设计").update(done_on=date(2026, 2, 28))  # on time
    Milestone.objects.filter(project=a, title="开工").update(done_on=date(2026, 4, 10))  # late
    # b's milestone is past due and not done: it counts against
    assert _kpi("evaluation_panels.satisfaction") == 50.0
    assert _kpi("evaluation_panels.on_time") == 33.3
