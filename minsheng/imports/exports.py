"""导出 — the one export helper: every staff list downloads as CSV and Excel.

A list page declares what its rows are once, as a ``ListExport`` whose ``rows`` function is
the one the page itself reads (same selector, same scope, same filters), and calls
``export_response`` at the top of its view::

    ORDERS = ListExport(
        key="minsheng.programs.elderly_care.views.workbench:ORDERS",   # where it is declared
        title=_("work orders"),
        columns=[ExportColumn(_("planned start"), lambda o: o.planned_start), ...],
        rows=lambda *, user, params: orders_list(user=user, params=params),
    )

    def orders(request):
        if (download := export_response(request, ORDERS)) is not None:
            return download
        ...

and its template includes ``imports/export_links.html``. ``?export=csv`` or ``?export=xlsx``
then answers with the file, after an audit entry (who, which list, which filters, how many
rows). Past ``settings.EXPORT_INLINE_ROWS`` rows the file is written by a background task
(``tasks.export_run_task``) and the person follows a progress bar until it is ready. The
worker reads the rows again through the same declaration, as the person who asked.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.core.spreadsheets import FORMATS, ExportColumn, export_write, row_count  # noqa: F401 - the helper's surface

from .models import ExportJob, ImportState

IGNORED_PARAMS = ("export", "page")


@dataclass(frozen=True)
class ListExport:
    key: str  # "package.module:NAME" where this declaration lives (the worker imports it)
    title: Any
    columns: list[ExportColumn]
    rows: Callable[..., QuerySet | Iterable]  # (*, user, params: dict[str, str]) -> the page's rows


def export_get(key: str) -> ListExport:
    export = import_string(key.replace(":", "."))
    if not isinstance(export, ListExport):
        raise LookupError(f"{key} is not a ListExport")
    return export


def export_params(query) -> dict[str, str]:
    """The page's filters from its query string (without the page number or the format)."""
    return {k: v for k, v in query.items() if k not in IGNORED_PARAMS and v != ""}


def _filename(export: ListExport, fmt: str) -> str:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return f"{export.key.rpartition(':')[2].lower()}-{stamp}.{fmt}"


def export_response(request, export: ListExport, *, params: dict[str, str] | None = None):
    """The download the request asks for (``?export=csv|xlsx``), or None when it asks for none.

    Audited before the file goes out. A long list becomes a background job: the answer
    is then a redirect to its progress page.
    """
    fmt = request.GET.get("export")
    if fmt not in FORMATS:
        return None
    params = export_params(request.GET) if params is None else params
    rows = export.rows(user=request.user, params=params)
    total = row_count(rows)
    if total > settings.EXPORT_INLINE_ROWS:
        job = export_start(actor=request.user, export=export, fmt=fmt, params=params, total=total)
        return redirect("imports:export", job.pk)
    with transaction.atomic():
        audit_record(
            event_type="exports.download", actor=request.user, target_type="exports.list",
            target_id=export.key, target_label=str(export.title),
            new={"format": fmt, "filters": params, "rows": total},
        )
    out = io.BytesIO()
    export_write(columns=export.columns, rows=rows, fmt=fmt, out=out, title=str(export.title))
    response = HttpResponse(out.getvalue(), content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{_filename(export, fmt)}"'
    return response


@transaction.atomic
def export_start(*, actor, export: ListExport, fmt: str, params: dict[str, str], total: int) -> ExportJob:
    """Queue a background export (audited now: who, which list, which filters, how many rows)."""
    from .tasks import export_run_task

    job = ExportJob.objects.create(
        export_key=export.key, title=str(export.title)[:200], fmt=fmt, params=params,
        total=total, created_by=actor,
    )
    audit_record(
        event_type="exports.started", actor=actor, target=job,
        new={"export": export.key, "format": fmt, "filters": params, "rows": total},
    )
    transaction.on_commit(lambda: export_run_task.enqueue(job.pk))
    return job


def export_run_by_id(*, job_id: int) -> ExportJob:
    """Write a queued export's file (the worker's side); a job already finished is left as it is."""
    claimed = ExportJob.objects.filter(pk=job_id, state=ImportState.QUEUED).update(state=ImportState.RUNNING)
    job = ExportJob.objects.select_related("created_by").get(pk=job_id)
    if not claimed:
        return job
    try:
        export = export_get(job.export_key)
        rows = export.rows(user=job.created_by, params=job.params)

        def progress(n: int) -> None:
            ExportJob.objects.filter(pk=job.pk).update(processed=n)

        with tempfile.TemporaryFile() as out:
            written = export_write(
                columns=export.columns, rows=rows, fmt=job.fmt, out=out, title=job.title, progress=progress
            )
            out.seek(0)
            job.file.save(_filename(export, job.fmt), File(out), save=False)
        job.processed, job.total = written, max(job.total, written)
        job.state, job.finished_at = ImportState.DONE, timezone.now()
    except (LookupError, ValueError, OSError) as exc:
        job.state, job.finished_at = ImportState.FAILED, timezone.now()
        job.message = _("The export could not be written (%(error)s). Please start it again.") % {
            "error": exc.__class__.__name__
        }
    job.save(update_fields=["file", "processed", "total", "state", "finished_at", "message"])
    return job


def export_jobs_for(*, user) -> QuerySet:
    """The exports ``user`` started, newest first: a long one is found again here once ready."""
    return ExportJob.objects.filter(created_by=user).order_by("-created_at")


def export_job_get_for(*, user, job_id: int) -> ExportJob | None:
    """An export job, for the person who started it (or a superuser)."""
    qs = ExportJob.objects.filter(pk=job_id)
    if not user.is_superuser:
        qs = qs.filter(created_by=user)
    return qs.first()
