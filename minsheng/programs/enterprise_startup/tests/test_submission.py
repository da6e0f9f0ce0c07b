"""Co-signing and submission (services.submission): every shareholder confirms the same
content, then one case opens with the parallel department tasks."""

import pytest

from minsheng.cases.models import CaseTask
from minsheng.core.errors import Conflict, NotAllowed
from minsheng.programs.enterprise_startup.services import draft, submission

from .conftest import full_steps


def test_submission_waits_for_every_shareholder_to_confirm(world, make_application):
    app = make_application(confirm=False, submit=False)
    rows = submission.confirmations_request(application=app, actor=world.founder)
    assert {r.name: bool(r.confirmed_at) for r in rows} == {"张伟": True, "王芳": False}
    with pytest.raises(Conflict):
        submission.application_submit(application=app, actor=world.founder)
    pending = [r for r in rows if not r.confirmed_at][0]
    with pytest.raises(NotAllowed):
        submission.confirmation_sign(confirmation=pending, user=world.founder)
    submission.confirmation_sign(confirmation=pending, user=world.partner)
    case = submission.application_submit(application=app, actor=world.founder)
    assert case.state == "processing"
    codes = sorted(CaseTask.objects.filter(case=case).values_list("department_code", flat=True))
    assert codes == sorted(["bank", "housing_fund", "human_resources", "market_regulation", "medical_insurance", "public_security", "tax"])
    assert CaseTask.objects.get(case=case, department_code="bank").organisation == world.bank


def test_editing_after_confirmation_resets_it(world, make_application):
    app = make_application(confirm=True, submit=False)
    draft.draft_save(application=app, actor=world.founder, step="type", data=dict(full_steps(world)["type"], registered_capital="2000000"))
    with pytest.raises(Conflict):
        submission.application_submit(application=app, actor=world.founder)


def test_the_founders_case_page_leads_to_the_tracker_with_the_licence(world, make_application, client):
    from django.urls import reverse

    from .conftest import finish_all

    app = finish_all(world, make_application())
    client.force_login(world.founder)
    page = client.get(reverse("portal:my_case", args=[app.case_id])).content.decode()
    tracker = reverse("enterprise_startup:tracker", args=[app.pk])
    assert f'href="{tracker}"' in page
    assert "licence.pdf" in client.get(tracker).content.decode()
