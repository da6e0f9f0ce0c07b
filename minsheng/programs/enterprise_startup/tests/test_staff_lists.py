"""The officers' task list downloads as the page shows it (same scope), each step's page asks for
that department's output with the application in front of it, and the scope catalogue loads
from a spreadsheet like the other reference lists."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from minsheng.access.models import Organisation
from minsheng.audit.models import AuditEvent
from minsheng.cases.models import CaseTask
from minsheng.identity.models import User
from minsheng.imports.models import ImportJob
from minsheng.imports.services import import_start
from minsheng.regions.models import Region

from ..models import ScopeItem
from .conftest import staff_user


def _rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_an_officer_downloads_their_departments_open_tasks_only_and_it_is_audited(world, make_application, client):
    app = make_application()
    client.force_login(world.officers["tax"])
    page = client.get("/p/enterprise_startup/work/")
    assert 'data-test="export-csv"' in page.content.decode()
    rows = _rows(client.get("/p/enterprise_startup/work/", {"export": "csv"}, HTTP_ACCEPT_LANGUAGE="en"))
    assert len(rows) == 2 and rows[1][0] == app.case.reference
    assert rows[1][2] == "Tax registration and invoices" and rows[1][3] == "海州区tax"
    event = AuditEvent.objects.get(event_type="exports.download")
    assert event.actor == world.officers["tax"] and event.new_values["rows"] == 1
    xlsx = client.get("/p/enterprise_startup/work/", {"export": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxml")


def test_another_districts_officer_downloads_none_of_these_tasks(world, make_application, client):
    make_application()
    other = Region.objects.create(code="320707", prefix="320707", name="连云区", level="county", parent=world.city)
    org = Organisation.objects.create(name="连云区税务局", kind="department", department_code="tax", region=other)
    client.force_login(staff_user("other_tax", "case_officer", org, other))
    assert len(_rows(client.get("/p/enterprise_startup/work/", {"export": "csv"}))) == 1  # the header only
    task = CaseTask.objects.get(department_code="tax")
    assert client.get(f"/p/enterprise_startup/work/tasks/{task.pk}/").status_code == 404


def test_the_task_list_reads_in_a_fixed_number_of_queries(world, make_application, client,
                                                          django_assert_max_num_queries):
    make_application(trade="云帆")
    client.force_login(world.officers["tax"])
    with django_assert_max_num_queries(12) as one:
        client.get("/p/enterprise_startup/work/")
    make_application(trade="海通")
    make_application(trade="星河")
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get("/p/enterprise_startup/work/").status_code == 200


@pytest.mark.parametrize(("department", "field", "data"), [
    ("public_security", "filing_number", {"filing_number": "GA2026-0009", "seals": ["公章"]}),
    ("tax", "taxpayer_type", {"taxpayer_type": "一般纳税人", "invoice": "数电发票"}),
    ("housing_fund", "housing_fund_account", {"housing_fund_account": "GJJ-0009"}),
])
def test_each_step_page_asks_for_its_departments_output_and_records_it(world, make_application, client,
                                                                       department, field, data):
    app = make_application()
    task = CaseTask.objects.get(case_id=app.case_id, department_code=department)
    client.force_login(world.officers[department])
    page = client.get(f"/p/enterprise_startup/work/tasks/{task.pk}/").content.decode()
    assert f'name="{field}"' in page and 'data-test="application-summary"' in page
    other_fields = {"filing_number", "taxpayer_type", "housing_fund_account"} - {field}
    assert not any(f'name="{f}"' in page for f in other_fields)
    missing = client.post(f"/p/enterprise_startup/work/tasks/{task.pk}/", {"outcome": "done"})
    assert missing.status_code == 422
    done = client.post(f"/p/enterprise_startup/work/tasks/{task.pk}/", {"outcome": "done", **data})
    assert done.status_code == 302
    app.refresh_from_db()
    assert app.outputs[department][field] == data[field]


def test_the_scope_catalogue_loads_from_a_spreadsheet_by_code(world, django_capture_on_commit_callbacks):
    admin = User.objects.create_superuser("root", "x-pass-2026", name="管理员")
    ScopeItem.objects.create(code="G9001", wording="旧表述", category="general")
    rows = ("编码,规范表述,类别,行业,许可事项,启用\n"
            "G9001,无人机培训,一般项目,教育,,是\n"
            "L9002,道路货物运输（不含危险货物）,许可项目,交通运输,道路运输经营许可证,\n"
            "X9003,随便,其他,,,\n")
    with django_capture_on_commit_callbacks(execute=True):
        job = import_start(importer_key="enterprise_startup.scope_items",
                           file=SimpleUploadedFile("scope.csv", rows.encode("utf-8"), content_type="text/csv"),
                           dry_run=False, actor=admin)
    job = ImportJob.objects.get(pk=job.pk)
    assert (job.ok, job.failed) == (2, 1), job.errors
    assert ScopeItem.objects.get(code="G9001").wording == "无人机培训"
    licensed = ScopeItem.objects.get(code="L9002")
    assert (licensed.category, licensed.licence_needed, licensed.is_active) == ("licensed", "道路运输经营许可证", True)
    assert AuditEvent.objects.filter(event_type__startswith="imports.enterprise_startup.scopeitem.").count() == 2


def test_the_dashboards_tables_download_within_the_supervisors_scope(world, make_application, client):
    from .conftest import finish_all

    finish_all(world, make_application())
    client.force_login(world.supervisor)
    page = client.get("/p/enterprise_startup/dashboard/").content.decode()
    assert 'data-test="export-steps"' in page and 'data-test="export-districts"' in page
    steps = _rows(client.get("/p/enterprise_startup/dashboard/", {"list": "steps", "export": "csv"},
                             HTTP_ACCEPT_LANGUAGE="en"))
    assert "Tax registration and invoices" in [r[0] for r in steps[1:]] and len(steps) == 8
    districts = _rows(client.get("/p/enterprise_startup/dashboard/", {"export": "csv"}))
    assert [r[0] for r in districts[1:]] == ["海州区"] and districts[1][1] == "1"
    other = Region.objects.create(code="320707", prefix="320707", name="连云区", level="county", parent=world.city)
    gov = Organisation.objects.create(name="连云区人民政府", kind="department", department_code="government", region=other)
    client.force_login(staff_user("other_leader", "supervisor", gov, other))
    assert len(_rows(client.get("/p/enterprise_startup/dashboard/", {"export": "csv"}))) == 1
