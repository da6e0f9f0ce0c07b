"""The declared periodic task: overdue milestones are flagged once and the lead unit told."""

from datetime import date

import pytest

from minsheng.core import periodic
from minsheng.notifications.models import Notification

from .. import services
from ..models import Milestone
from . import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def test_overdue_milestone_is_flagged_once_to_the_lead_unit():
    p = f.project(milestones=[("完成设计", date(2026, 4, 30)), ("开工", date(2026, 6, 1))])
    officer = f.staff_user("project_unit_officer", organisation=p.lead_unit)
    assert services.milestones_flag_overdue() == 1
    assert services.milestones_flag_overdue() == 0
    n = Notification.objects.get(template="evaluation_panels.milestone_overdue", recipient=officer)
    assert "完成设计" in n.body and "2026-04-30" in n.body


def test_the_scheduler_runs_the_declared_overdue_sweep():
    p = f.project(milestones=[("完成设计", date(2026, 4, 30))])
    declared = periodic.registered()["evaluation_panels.overdue_milestones"]
    assert declared.every_seconds == 60 * 60
    declared.target.enqueue()  # the test settings run tasks at once
    assert Milestone.objects.get(project=p).overdue_flagged_at is not None
