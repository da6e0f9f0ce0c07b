import csv
import io

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from .base import importers
from .models import ImportJob
from .services import importer_allowed


def importers_for(*, user):
    return [i for i in importers() if importer_allowed(user=user, importer=i)]


def import_jobs_for(*, user):
    qs = ImportJob.objects.select_related("created_by")
    return qs if user.is_superuser else qs.filter(created_by=user)


def import_job_get_for(*, user, job_id: int) -> ImportJob:
    """Jobs are seen by whoever started them (and superusers)."""
    return get_object_or_404(import_jobs_for(user=user), pk=job_id)


def _headers():
    return [_("Row"), _("Column"), _("Error")]


def error_report_csv(job: ImportJob) -> bytes:
    """UTF-8 with a BOM so that Excel in Chinese opens it without garbling."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(_headers())
    for e in job.errors:
        writer.writerow([e.get("row", ""), e.get("column", ""), e.get("message", "")])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def error_report_xlsx(job: ImportJob) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Errors"))
    ws.append(_headers())
    for e in job.errors:
        ws.append([e.get("row", ""), e.get("column", ""), e.get("message", "")])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
