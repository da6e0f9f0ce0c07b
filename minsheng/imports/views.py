from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from minsheng.access.decorators import staff
from minsheng.audit.services import audit_record
from minsheng.core.errors import DomainError

from .base import get_importer
from .exports import FORMATS, export_job_get_for, export_jobs_for
from .forms import ImportForm
from .models import ImportState
from .selectors import (
    error_report_csv,
    error_report_xlsx,
    import_job_get_for,
    import_jobs_for,
    importers_for,
)
from .services import import_start


@staff()
def upload(request):
    """Upload a roster: choose the import, the file, and whether to only check it."""
    available = importers_for(user=request.user)
    form = ImportForm(request.POST or None, request.FILES or None, importers=available)
    if request.method == "POST" and form.is_valid():
        try:
            job = import_start(
                importer_key=form.cleaned_data["importer"],
                file=form.cleaned_data["file"],
                dry_run=form.cleaned_data["dry_run"],
                actor=request.user,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            for field, msgs in exc.fields.items():
                for msg in msgs:
                    form.add_error(field if field in form.fields else None, msg)
        else:
            messages.success(request, _("The file was received and is being processed."))
            return redirect("imports:job", job.pk)
    jobs = import_jobs_for(user=request.user)[:20]
    exports = export_jobs_for(user=request.user)[:20]
    return render(
        request,
        "imports/upload.html",
        {"form": form, "jobs": jobs, "exports": exports, "importers": available},
        status=422 if form.errors else 200,
    )


@staff()
def job_detail(request, pk):
    job = import_job_get_for(user=request.user, job_id=pk)
    importer = get_importer(job.importer_key)
    return render(
        request,
        "imports/job.html",
        {"job": job, "importer": importer, "errors": job.errors[:500]},
    )


@staff()
def job_progress(request, pk):
    job = import_job_get_for(user=request.user, job_id=pk)
    return JsonResponse(
        {
            "state": job.state,
            "total": job.total,
            "processed": job.processed,
            "ok": job.ok,
            "failed": job.failed,
            "percent": job.percent,
            "finished": job.is_finished,
            "message": job.message,
        }
    )


@staff()
def job_errors(request, pk, fmt):
    job = import_job_get_for(user=request.user, job_id=pk)
    if fmt == "xlsx":
        body = error_report_xlsx(job)
        ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body, ctype = error_report_csv(job), "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=ctype)
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.{fmt}"'
    return response


@staff()
def export_job(request, pk):
    """A background export's progress bar, then its download link."""
    job = export_job_get_for(user=request.user, job_id=pk)
    if job is None:
        raise Http404
    return render(request, "imports/export_job.html", {"job": job})


@staff()
def export_download(request, pk):
    job = export_job_get_for(user=request.user, job_id=pk)
    if job is None or job.state != ImportState.DONE or not job.file:
        raise Http404
    audit_record(
        event_type="exports.download", actor=request.user, target=job,
        new={"export": job.export_key, "format": job.fmt, "filters": job.params, "rows": job.processed},
    )
    return FileResponse(
        job.file.open("rb"), as_attachment=True, filename=job.file.name.rsplit("/", 1)[-1],
        content_type=FORMATS[job.fmt],
    )
