"""Progress spreadsheets through the shared importer (minsheng.imports): dry run, row-by-row
errors, all-or-nothing writes, the lead unit's scope, XLSX, and the HTTP surfaces."""

import io

import pytest
from django.urls import reverse

from minsheng.imports.models import ImportJob, ImportState

from .. import services
from ..models import ProgressReport, ProgressSource, Project, ProjectStatus
from . import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def _csv(text: str) -> io.BytesIO:
    buf = io.BytesIO(text.encode())
    buf.name = "progress.csv"
    return buf


@pytest.fixture
def unit():
    lead = f.org("市住建局")
    p3 = f.project(number="3", lead_unit=lead)
    f.project(number="4", cy=p3.cycle, lead_unit=lead)
    return {"lead": lead, "officer": f.staff_user("project_unit_officer", organisation=lead), "cycle": p3.cycle}


def _run(django_capture_on_commit_callbacks, **kw) -> ImportJob:
    with django_capture_on_commit_callbacks(execute=True):
        job = services.progress_import(**kw)
    job.refresh_from_db()
    return job


def test_any_bad_row_is_reported_row_by_row_and_nothing_is_written(unit, django_capture_on_commit_callbacks):
    bad = _csv("number,percent_done,text\n3,40,路面完成\n9,10,管网\n4,140,绿化\n")
    job = _run(django_capture_on_commit_callbacks, file=bad, actor=unit["officer"], dry_run=False)
    assert job.state == ImportState.DONE and (job.total, job.ok, job.failed) == (3, 0, 2)
    assert [e["row"] for e in job.errors] == [3, 4]
    assert "No project numbered 9" in job.errors[0]["message"]
    assert "0 to 100" in job.errors[1]["message"]
    assert "Nothing was imported" in job.message
    assert not ProgressReport.objects.exists()


def test_dry_run_checks_without_writing_then_the_real_run_writes(unit, django_capture_on_commit_callbacks):
    text = "年度,项目编号,完成进度,进展情况\n2026,3,40%,路面完成\n,4,100,全部完工\n"
    job = _run(django_capture_on_commit_callbacks, file=_csv(text), actor=unit["officer"], dry_run=True)
    assert job.dry_run and (job.ok, job.failed) == (2, 0) and not ProgressReport.objects.exists()
    job = _run(django_capture_on_commit_callbacks, file=_csv(text), actor=unit["officer"], dry_run=False)
    assert job.state == ImportState.DONE and job.ok == 2
    assert Project.objects.get(number="4").status == ProjectStatus.COMPLETED
    assert Project.objects.get(number="3").percent_done == 40
    assert set(ProgressReport.objects.values_list("source", flat=True)) == {ProgressSource.IMPORT}
    assert set(ProgressReport.objects.values_list("reported_by", flat=True)) == {unit["officer"].pk}


def test_a_project_of_another_unit_stops_the_whole_import(unit, django_capture_on_commit_callbacks):
    f.project(number="5", cy=unit["cycle"], lead_unit=f.org("市教育局"))
    text = "number,percent_done,text\n3,40,路面完成\n5,50,校舍完工一半\n"
    job = _run(django_capture_on_commit_callbacks, file=_csv(text), actor=unit["officer"], dry_run=False)
    assert job.state == ImportState.FAILED and "Project 5 is not led by your unit" in job.message
    assert not ProgressReport.objects.exists()


def test_xlsx_with_number_cells_and_percentage_format(unit, django_capture_on_commit_callbacks):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["项目编号", "完成进度", "进展情况"])
    wb.active.append([3, 0.55, "管网铺设过半"])
    wb.active.append([4.0, 70, "主体完工"])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "p.xlsx"
    job = _run(django_capture_on_commit_callbacks, file=buf, actor=unit["officer"], dry_run=False)
    assert job.ok == 2, job.errors
    assert Project.objects.get(number="3").percent_done == 55 and Project.objects.get(number="4").percent_done == 70


def test_unit_page_upload_redirects_to_the_shared_import_job(client, unit, django_capture_on_commit_callbacks):
    client.force_login(unit["officer"])
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("evaluation_panels:unit_projects"),
                        {"file": _csv("number,percent_done,text\n3,20,开工\n"), "confirm": "1"})
    job = ImportJob.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("imports:job", args=[job.pk])
    assert Project.objects.get(number="3").percent_done == 20
    assert client.get(r["Location"]).status_code == 200


def test_api_import_returns_the_job_with_its_row_errors(client, unit, django_capture_on_commit_callbacks):
    client.force_login(unit["officer"])
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post("/api/v1/evaluation_panels/progress-import?dry_run=true",
                        {"file": _csv("number,percent_done,text\n3,abc,开工\n")})
    assert r.status_code == 202, r.content
    body = r.json()
    job = ImportJob.objects.get(pk=body["job"])
    assert body["progress_url"] == reverse("imports:progress", args=[job.pk]) and body["dry_run"] is True
    outsider = f.user("居民")
    client.force_login(outsider)
    r = client.post("/api/v1/evaluation_panels/progress-import", {"file": _csv("number,percent_done,text\n")})
    assert r.status_code in (401, 403)
