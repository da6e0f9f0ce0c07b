"""公布评议结果 — a closed session's result is the panel office's until it publishes it on the
session's page (with a confirmation): then the public sees it, the project takes the grade and a
rectification order goes to the lead unit when needed. Another district's office cannot publish."""

import pytest

from minsheng.audit.models import AuditEvent

from .. import services
from ..models import EvaluationStatus, Project, ProjectStatus, RectificationOrder
from . import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def closed():
    f.pool(per_stratum=2)
    ev = f.drawn_evaluation(f.project(), size=4)
    f.all_score(ev, ["dissatisfied", "dissatisfied", "basic", "satisfied"], comment="施工围挡未拆除")
    return services.evaluation_close(evaluation=ev, actor=None)


def test_the_office_publishes_a_closed_result_after_confirming_and_rectification_follows(client, closed):
    ev = closed
    page = f"/p/evaluation_panels/manage/evaluations/{ev.pk}/"
    public = f"/p/evaluation_panels/projects/{ev.project_id}/"
    assert "施工围挡未拆除" not in client.get(public).content.decode()  # closed, not public
    assert Project.objects.get(pk=ev.project_id).grade == "" and not RectificationOrder.objects.exists()

    client.force_login(f.staff_user("panel_organiser", region=f.city()))
    html = client.get(page).content.decode()
    assert 'data-test="publish"' in html and "ordered to rectify" in html
    r = client.post(page, {"action": "publish"}, follow=True)  # without the confirmation
    assert "Tick the box" in r.content.decode() and RectificationOrder.objects.count() == 0
    client.post(page, {"action": "publish", "confirm": "on"})
    ev.refresh_from_db()
    assert ev.status == EvaluationStatus.PUBLISHED and ev.published_at is not None
    project = Project.objects.get(pk=ev.project_id)
    assert (project.grade, project.status) == ("dissatisfied", ProjectStatus.RECTIFYING)
    assert RectificationOrder.objects.get().evaluation == ev
    assert AuditEvent.objects.filter(event_type="evaluation_panels.evaluation_publish", target_id=str(ev.pk)).exists()
    assert 'data-test="published"' in client.get(page).content.decode()
    client.logout()
    assert "施工围挡未拆除" in client.get(public).content.decode()


def test_another_districts_office_and_a_citizen_cannot_publish(client, closed):
    page = f"/p/evaluation_panels/manage/evaluations/{closed.pk}/"
    client.force_login(f.staff_user("panel_organiser", region=f.district("320703")))
    assert client.post(page, {"action": "publish", "confirm": "on"}).status_code == 404
    client.force_login(f.person("李娜").user)
    assert client.post(page, {"action": "publish", "confirm": "on"}).status_code in (302, 403)
    closed.refresh_from_db()
    assert closed.status == EvaluationStatus.GRADED and not RectificationOrder.objects.exists()


def test_a_session_still_open_cannot_be_published():
    from minsheng.core.errors import Conflict

    f.pool(per_stratum=2)
    ev = f.drawn_evaluation(f.project(), size=4)
    with pytest.raises(Conflict):
        services.evaluation_publish(evaluation=ev, actor=None)
