"""The departments' officers' pages (their start-up tasks, an application's file: visits,
legacy credit codes, delivery) and the supervisors' zero-visit dashboard."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from minsheng.access.decorators import staff
from minsheng.attachments.selectors import attachments_for_target
from minsheng.cases.models import TaskState
from minsheng.cases.process import get_process
from minsheng.core.charts import Chart, Series, chart_csv_response, scope_text
from minsheng.core.errors import DomainError, ValidationFailed, fields_from_django
from minsheng.core.replica import replica_view
from minsheng.imports.exports import export_response

from .. import exports, selectors
from ..forms import (
    DeliveryUpdateForm,
    LegacyCodeForm,
    LicenceStatusForm,
    StepCompleteForm,
    VisitForm,
    result_rows,
)
from ..models import DeliveryState
from ..services import delivery, departments, draft, visits
from ..services import licence as licence_services
from ..services.form import SEALS
from . import http_errors

STAFF = ("case_officer", "department_head")
TASK_STAFF = (*STAFF, "bank_officer")  # a bank's officers see and finish their bank's steps


@staff(*TASK_STAFF)
def staff_tasks(request):
    if (download := export_response(request, exports.STAFF_TASKS)) is not None:
        return download
    tasks = list(selectors.staff_task_list(user=request.user))
    for t in tasks:
        t.shown_title = task_title(t)
    return render(request, "enterprise_startup/staff_tasks.html", {"tasks": tasks})


def task_title(task) -> str:
    """The step's name in the reader's language (the process's TaskSpec); the stored title,
    written in the language of whoever opened the case, only when the process has none."""
    try:
        spec = get_process(task.case.process_key).task_spec(task.department_code)
    except LookupError:
        spec = None
    return str(spec.title) if spec is not None else task.title


@staff(*TASK_STAFF)
@http_errors
def staff_task(request, task_id: int):
    task = selectors.task_for_staff(user=request.user, task_id=task_id)
    errors = {}
    kw = {"department": task.department_code, "seal_names": SEALS}
    app = task.case.startup_application
    form = StepCompleteForm(initial={"seals": draft.draft_data(app).get("services", {}).get("seals") or [], "invoice": "数电发票"}, **kw)
    if request.method == "POST":
        form = StepCompleteForm(request.POST, **kw)
        form.is_valid()  # the form only carries the department's fields; the service judges them
        cleaned = form.cleaned_data
        data = {f: str(v)[:100] for f, v in cleaned.items() if f not in ("seals", "comment") and v}
        data["seals"] = list(cleaned.get("seals") or [])
        outcome = request.POST.get("outcome", TaskState.DONE)
        try:
            departments.step_complete(task=task, actor=request.user, data=data, outcome=outcome,
                                      comment=str(cleaned.get("comment") or "")[:2000])
            messages.success(request, _("The step is finished."))
            return redirect("enterprise_startup:staff_tasks")
        except DomainError as exc:
            errors = exc.fields or {"__all__": [str(exc.message)]}
            for field, msgs in errors.items():
                for m in msgs:
                    form.add_error(field if field in form.fields else None, m)
    return render(
        request,
        "enterprise_startup/staff_task.html",
        {"task": task, "task_title": task_title(task), "app": app, "data": draft.draft_data(app), "errors": errors, "form": form, "result_rows": result_rows(task.result),
         "summary": selectors.application_summary(application=app)},
        status=422 if errors else 200,
    )


@staff(*STAFF)
@http_errors
def staff_application(request, app_id: int):
    app = selectors.application_get_for(user=request.user, application_id=app_id, as_founder=False)
    licence_form = LicenceStatusForm(request.POST if request.POST.get("action") == "licence_status" else None)
    if request.method == "POST":
        try:
            action = request.POST.get("action")
            if action == "licence_status":
                if not licence_form.is_valid():
                    raise ValidationFailed(fields=fields_from_django(licence_form.errors))
                licence_services.licence_status_record(
                    user=request.user, application=app, status=licence_form.cleaned_data["status"],
                    reason=licence_form.cleaned_data["reason"])
            elif action == "visit":
                visits.visit_record(application=app, actor=request.user, reason=request.POST.get("reason", ""))
            elif action == "legacy_code":
                draft.legacy_code_accept(application=app, actor=request.user, credit_code=request.POST.get("credit_code", ""))
            elif action == "delivery":
                delivery.delivery_update(delivery=app.delivery, actor=request.user, state=request.POST.get("state", ""), carrier=request.POST.get("carrier", ""), tracking_number=request.POST.get("tracking_number", ""))
            messages.success(request, _("Saved."))
        except DomainError as exc:
            messages.error(request, " ".join([str(exc.message), *[m for v in exc.fields.values() for m in v]]))
        return redirect("enterprise_startup:staff_application", app_id=app.pk)
    return render(
        request,
        "enterprise_startup/staff_application.html",
        {"app": app, "steps": selectors.tracker(application=app), "delivery": getattr(app, "delivery", None),
         "delivery_form": DeliveryUpdateForm(states=DeliveryState.choices), "visit_form": VisitForm(), "legacy_form": LegacyCodeForm(), "licence": selectors.licence_of(application=app), "documents": attachments_for_target(target=app),
         "licence_form": licence_form if licence_services.licence_registrar(user=request.user, application=app) else None},
    )


@staff("supervisor", "department_head")
@replica_view  # figures may lag the primary by the replication delay
def dashboard(request):
    listed = exports.DASHBOARD_STEPS if request.GET.get("list") == "steps" else exports.DASHBOARD_DISTRICTS
    if (download := export_response(request, listed)) is not None:
        return download
    d = selectors.zero_visit_dashboard(user=request.user)
    charts = _timing_charts(d)
    csv = chart_csv_response(request, charts, scope=scope_text(user=request.user, assignments=request.staff_assignments),
                             filters=[(_("Target (working hours)"), d["target_hours"])], filename="start-up")
    if csv is not None:
        return csv
    return render(request, "enterprise_startup/dashboard.html", {"d": d, "charts": charts})


def _timing_charts(d: dict) -> list[Chart]:
    """The start-up timings as pictures: working hours by district and by department step."""
    hours = _("h")
    districts, steps = d["districts"], d["steps"]
    return [
        Chart(key="districts", title=_("Working hours from submission to the last output, by district"),
              kind="bar", category_label=_("District"), categories=[r["name"] for r in districts],
              note=_("Target: %(hours)s working hours.") % {"hours": d["target_hours"]},
              series=[Series(_("median"), [_hours(r["median"]) for r in districts], hours),
                      Series("P90", [_hours(r["p90"]) for r in districts], hours)]),
        Chart(key="steps", title=_("Working hours by step"), kind="hbar", category_label=_("Step"),
              categories=[s["title"] for s in steps],
              series=[Series(_("median"), [_hours(s["median"]) for s in steps], hours),
                      Series("P90", [_hours(s["p90"]) for s in steps], hours)]),
    ]


def _hours(value):
    return None if value is None else round(float(value), 2)
