"""The departments' officers' pages (their start-up tasks, an application's file: visits,
legacy credit codes, delivery) and the supervisors' zero-visit dashboard."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from minsheng.access.decorators import staff
from minsheng.attachments.selectors import attachments_for_target
from minsheng.cases.models import TaskState
from minsheng.core.charts import Chart, Series, chart_csv_response, scope_text
from minsheng.core.errors import DomainError
from minsheng.core.replica import replica_view

from .. import selectors
from ..models import DeliveryState
from ..services import delivery, departments, draft, visits
from ..services.form import SEALS
from . import http_errors

STAFF = ("case_officer", "department_head")


@staff(*STAFF)
def staff_tasks(request):
    return render(request, "enterprise_startup/staff_tasks.html", {"tasks": selectors.staff_task_list(user=request.user)})


@staff(*STAFF)
@http_errors
def staff_task(request, task_id: int):
    task = selectors.task_for_staff(user=request.user, task_id=task_id)
    errors = {}
    if request.method == "POST":
        fields = ["filing_number", "taxpayer_type", "invoice", "social_insurance_number", "medical_insurance_number", "housing_fund_account", "appointment_at", "account_number"]
        data = {f: request.POST.get(f, "")[:100] for f in fields if request.POST.get(f)}
        data["seals"] = request.POST.getlist("seals")
        outcome = request.POST.get("outcome", TaskState.DONE)
        try:
            departments.step_complete(task=task, actor=request.user, data=data, outcome=outcome, comment=request.POST.get("comment", "")[:2000])
            messages.success(request, _("The step is finished."))
            return redirect("enterprise_startup:staff_tasks")
        except DomainError as exc:
            errors = exc.fields or {"__all__": [str(exc.message)]}
    app = task.case.startup_application
    return render(
        request,
        "enterprise_startup/staff_task.html",
        {"task": task, "app": app, "data": draft.draft_data(app), "errors": errors, "seal_names": SEALS},
        status=422 if errors else 200,
    )


@staff(*STAFF)
@http_errors
def staff_application(request, app_id: int):
    app = selectors.application_get_for(user=request.user, application_id=app_id, as_founder=False)
    if request.method == "POST":
        try:
            action = request.POST.get("action")
            if action == "visit":
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
        {"app": app, "steps": selectors.tracker(application=app), "delivery": getattr(app, "delivery", None), "delivery_states": DeliveryState.choices, "licence": selectors.licence_of(application=app), "documents": attachments_for_target(target=app)},
    )


@staff("supervisor", "department_head")
@replica_view  # figures may lag the primary by the replication delay
def dashboard(request):
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
