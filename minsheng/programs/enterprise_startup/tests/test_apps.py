"""The declaration (apps.py): what the program hands the registry reaches the core modules
that run it."""

import pytest

from minsheng.cases.process import get_process
from minsheng.core.registry import registry
from minsheng.notifications.templates import get, render
from minsheng.programs.enterprise_startup import processes
from minsheng.programs.enterprise_startup.services import departments

from .conftest import finish_all


def test_the_case_workflow_runs_the_declared_process_with_the_settings_hours():
    process = get_process("enterprise_startup")
    assert process is processes.PROCESSES[0]
    dispatch = next(a for a in process.actions if a.code == "dispatch")
    hours = {t.department_code: t.sla.working_hours for t in dispatch.tasks}
    assert hours == {code: processes.step_hours(code) for code in processes.STEPS}
    assert next(t for t in dispatch.tasks if t.department_code == "bank").chosen_kind == "bank"
    assert {t.completion_hook() for t in dispatch.tasks} == {departments.on_step_complete}


def test_the_declared_notices_render_in_chinese():
    codes = {t.code for t in registry.get("enterprise_startup").notices}
    assert codes == {"enterprise_startup.confirm", "enterprise_startup.licence", "enterprise_startup.delivery"}
    template = get("enterprise_startup.licence")
    body = render(template.body, {"name": "连云港市海州区云帆科技有限公司", "credit_code": "91320706X"}, code=template.code)
    assert template.title == "电子营业执照已签发" and "91320706X" in body and "{" not in body


def test_the_dashboard_kpis_compute_from_completed_start_ups(world, make_application):
    kpis = {k.key: k for k in registry.get("enterprise_startup").kpis}
    assert kpis["enterprise_startup.zero_visit_share"].compute() is None
    app = finish_all(world, make_application())
    assert kpis["enterprise_startup.zero_visit_share"].compute() == 100.0
    assert kpis["enterprise_startup.median_hours"].compute() == pytest.approx(round(app.elapsed_working_hours, 2))
