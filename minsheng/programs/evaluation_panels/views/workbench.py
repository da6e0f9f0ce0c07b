"""Staff pages: the organiser's session page and site QR code, supervision of all projects, and
the lead unit's projects, progress reports and rectification orders."""

import segno
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from minsheng.access.decorators import staff
from minsheng.access.selectors import user_has_role
from minsheng.core.charts import Chart, Series, chart_csv_response, scope_text
from minsheng.core.errors import DomainError, NotFound, ValidationFailed
from minsheng.core.natural import natural_key
from minsheng.imports.exports import export_response
from minsheng.regions.models import Region

from .. import exports, selectors, services
from ..apps import ORGANISER_ROLES
from ..forms import (
    ProgressForm,
    ProgressUploadForm,
    RectificationReportForm,
    ReevaluateForm,
    SupervisionFilterForm,
    errors_to_form,
)
from ..forms_setup import PublishResultForm, RescheduleForm, ReturnReportForm
from ..models import (
    Cycle,
    Grade,
    ProjectStatus,
)
from . import show_errors


def stratum_labels(keys) -> dict[str, str]:
    """A draw stratum "320723/18-34" as people read it: "灌云县，18–34岁"."""
    keys = {k for k in keys if k}
    names = dict(Region.objects.filter(pk__in={k.split("/")[0] for k in keys}).values_list("pk", "name"))
    out = {}
    for key in keys:
        district, _sep, band = key.partition("/")
        out[key] = _("%(district)s, aged %(band)s") % {"district": names.get(district, district), "band": band.replace("-", "–")}
    return out


@staff(*ORGANISER_ROLES)
def evaluation_manage(request, evaluation_id: int):
    """The organiser's page: publish candidates, run the draw, replace, show the QR, close."""
    try:
        ev = selectors.evaluation_get_for_organiser(user=request.user, evaluation_id=evaluation_id)
    except NotFound:
        return render(request, "evaluation_panels/not_found.html", status=404)
    if request.method == "POST":
        action = request.POST.get("action") or ("replace" if "replace" in request.POST else None)
        try:
            if action == "candidates":
                services.evaluation_publish_candidates(evaluation=ev, actor=request.user)
                messages.success(request, _("The seed hash and the candidate list are published."))
            elif action == "draw":
                services.evaluation_run_draw(evaluation=ev, actor=request.user)
                messages.success(request, _("The panel has been drawn and its members invited."))
            elif action == "replace":
                seat_id = request.POST.get("seat") or request.POST.get("replace") or ""
                seat = ev.seats.filter(pk=int(seat_id) if seat_id.isdigit() else 0).first()
                if seat is None:
                    raise NotFound
                new = services.seat_replace(seat=seat, actor=request.user)
                if new is None:
                    messages.warning(request, _("No eligible volunteer is left in this stratum."))
                else:
                    messages.success(request, _("A replacement has been invited."))
            elif action == "close":
                ev = services.evaluation_close(evaluation=ev, actor=request.user)
                messages.success(request, _("The session is closed and counted. Check the result, then publish it."))
            elif action == "publish":
                if not PublishResultForm(request.POST).is_valid():
                    raise ValidationFailed.for_field(
                        "confirm", _("Tick the box to confirm that the count is right before publishing."))
                ev = services.evaluation_publish(evaluation=ev, actor=request.user)
                messages.success(request, _("The result is published on the project's page."))
            elif action == "reschedule":
                form = RescheduleForm(request.POST)
                if not form.is_valid():
                    raise ValidationFailed(_("Enter the place and the start and end of the session."))
                services.evaluation_reschedule(evaluation=ev, actor=request.user, **form.cleaned_data)
                messages.success(request, _("The session was moved."))
        except DomainError as exc:
            show_errors(request, exc)
        return redirect("evaluation_panels:evaluation_manage", evaluation_id=ev.pk)
    seats = list(ev.seats.select_related("volunteer__person", "volunteer__district").order_by("stratum", "position"))
    labels = stratum_labels([*(ev.quotas or {}), *(s.stratum for s in seats)])
    for s in seats:
        s.stratum_label = labels.get(s.stratum, s.stratum)
    checkin_url = request.build_absolute_uri(reverse("evaluation_panels:checkin", args=[services.checkin_token(evaluation=ev)]))
    return render(request, "evaluation_panels/evaluation_manage.html", {
        "ev": ev, "seats": seats, "checkin_url": checkin_url,
        "quota_rows": sorted(((labels.get(k, k), n) for k, n in (ev.quotas or {}).items()), key=lambda r: natural_key(r[0])),
        "present": sum(1 for s in seats if s.checked_in_at), "scored": sum(1 for s in seats if s.has_scored),
        "criteria": list(ev.rubric.criteria.all()),
        "needs_rectification": services.evaluation_needs_rectification(ev), "publish_form": PublishResultForm(),
        "reschedule_form": RescheduleForm(initial={
            "place": ev.place, "starts_at": timezone.localtime(ev.starts_at).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": timezone.localtime(ev.ends_at).strftime("%Y-%m-%dT%H:%M")}),
    })


@staff(*ORGANISER_ROLES)
def evaluation_qr(request, evaluation_id: int):
    """The site QR code (SVG) carrying the signed, expiring check-in link."""
    try:
        ev = selectors.evaluation_get_for_organiser(user=request.user, evaluation_id=evaluation_id)
    except NotFound:
        return HttpResponse(status=404)
    url = request.build_absolute_uri(reverse("evaluation_panels:checkin", args=[services.checkin_token(evaluation=ev)]))
    return HttpResponse(segno.make(url, error="m").svg_inline(scale=6), content_type="image/svg+xml")


@staff("project_unit_officer")
def unit_projects(request):
    """The lead unit's projects, overdue milestones, rectification orders and bulk progress."""
    units = selectors.unit_ids(user=request.user)
    upload_form = ProgressUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and upload_form.is_valid():
        try:
            job = services.progress_import(file=upload_form.cleaned_data["file"], actor=request.user,
                                           dry_run=not upload_form.cleaned_data["confirm"])
        except DomainError as exc:
            errors_to_form(upload_form, exc)
        else:
            return redirect("imports:job", pk=job.pk)
    projects = selectors.supervision_projects(user=request.user)
    if not request.user.is_superuser:
        projects = projects.filter(lead_unit_id__in=units)
    orders = selectors.rectifications_open_for_units(units=units)
    return render(request, "evaluation_panels/unit.html", {"projects": projects, "orders": orders, "upload_form": upload_form})


@staff("project_unit_officer")
def progress_new(request, project_id: int):
    try:
        project = selectors.project_get_for(user=request.user, project_id=project_id)
        services.unit_may_act(user=request.user, project=project)
    except DomainError:
        return render(request, "evaluation_panels/not_found.html", status=404)
    open_milestones = list(project.milestones.filter(done_on__isnull=True))
    form = ProgressForm(request.POST or None, request.FILES or None, milestones=open_milestones,
                        initial={"percent_done": project.percent_done})
    if request.method == "POST":
        data = request.POST
        try:
            services.progress_report_submit(project=project, percent_done=data.get("percent_done"), text=data.get("text", ""),
                                            actor=request.user, photos=request.FILES.getlist("photos"))
            for m in project.milestones.filter(done_on__isnull=True, pk__in=data.getlist("milestones_done")):
                services.milestone_complete(milestone=m, done_on=timezone.localdate(), actor=request.user)
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("The progress report has been published on the project page."))
            return redirect("evaluation_panels:project", project_id=project.pk)
    return render(request, "evaluation_panels/progress_new.html", {
        "project": project, "form": form,
    }, status=400 if request.method == "POST" else 200)


@staff("project_unit_officer", *ORGANISER_ROLES)
def rectification_detail(request, order_id: int):
    """整改: the unit writes its report; the organiser then schedules the re-evaluation."""
    try:
        order = selectors.rectification_get_for(user=request.user, order_id=order_id)
    except NotFound:
        return render(request, "evaluation_panels/not_found.html", status=404)
    is_unit = request.user.is_superuser or order.lead_unit_id in selectors.unit_ids(user=request.user)
    is_organiser = user_has_role(user=request.user, roles=ORGANISER_ROLES) or request.user.is_superuser
    if request.method == "POST":
        try:
            if request.POST.get("action") == "report" and is_unit:
                services.rectification_report_submit(order=order, report=request.POST.get("report", ""), actor=request.user,
                                                     evidence=request.FILES.getlist("evidence"))
                messages.success(request, _("The rectification report has been submitted."))
            elif request.POST.get("action") == "return" and is_organiser:
                reviewed = selectors.rectification_get_for_organiser(user=request.user, order_id=order.pk)
                services.rectification_return(order=reviewed, reason=request.POST.get("reason", ""), actor=request.user)
                messages.success(request, _("The report was sent back to the lead unit with your reason."))
            elif request.POST.get("action") == "reevaluate" and is_organiser:
                starts = parse_datetime(request.POST.get("starts_at", "") or "")
                ends = parse_datetime(request.POST.get("ends_at", "") or "")
                if not starts or not ends:
                    raise ValidationFailed.for_field("starts_at", _("Enter the start and end of the session."))
                starts, ends = (timezone.make_aware(d) if timezone.is_naive(d) else d for d in (starts, ends))
                ev = services.rectification_reevaluate(order=order, actor=request.user, place=request.POST.get("place", ""),
                                                       starts_at=starts, ends_at=ends)
                messages.success(request, _("The re-evaluation is scheduled; its panel candidates are published."))
                return redirect("evaluation_panels:evaluation_manage", evaluation_id=ev.pk)
        except DomainError as exc:
            show_errors(request, exc)
        return redirect("evaluation_panels:rectification", order_id=order.pk)
    order = services.rectification_sync(order=order)  # reported from the workbench: show it here too
    return render(request, "evaluation_panels/rectification.html", {
        "order": order, "is_unit": is_unit, "is_organiser": is_organiser,
        "report_form": RectificationReportForm(), "reevaluate_form": ReevaluateForm(),
        "return_form": ReturnReportForm(), "evidence": selectors.rectification_evidence(order=order),
    })


def _result_charts(by_grade: dict, ranking: list[dict]) -> list[Chart]:
    """Panel results as pictures: the grades of the projects shown, the lead units' rates."""
    grades = [(label, by_grade.get(code, 0)) for code, label in Grade.choices]
    return [
        Chart(key="grades", title=_("Panel grades of the projects shown"), kind="pie", category_label=_("Grade"),
              categories=[label for label, _n in grades], series=[Series(_("Projects"), [n for _l, n in grades])]),
        Chart(key="units", title=_("Lead units: milestones on time and satisfaction rate (%)"), kind="hbar",
              category_label=_("Lead unit"), categories=[r["unit"] for r in ranking],
              note=_("The whole year's projects, whatever the filters."),
              series=[Series(_("Milestones on time"), [_pct(r["on_time_rate"]) for r in ranking], "%"),
                      Series(_("Satisfaction rate"), [_pct(r["satisfaction_rate"]) for r in ranking], "%")]),
    ]


def _pct(rate):
    return None if rate is None else round(100 * rate, 1)


@staff(*ORGANISER_ROLES)
def supervision(request):
    """All projects by status, grade, lead unit and district; units ranked."""
    if (download := export_response(request, exports.PROJECTS)) is not None:
        return download
    g = request.GET
    cycles = list(Cycle.objects.order_by("-year"))
    cycle = next((c for c in cycles if str(c.year) == g.get("year")), cycles[0] if cycles else None)
    try:
        lead_unit = int(g.get("lead_unit") or 0) or None
    except ValueError:
        lead_unit = None
    projects = selectors.supervision_projects(user=request.user, status=g.get("status", ""), grade=g.get("grade", ""),
                                              lead_unit=lead_unit, district=g.get("district", ""), cycle=cycle)
    all_projects = selectors.supervision_projects(user=request.user, cycle=cycle)
    units, districts = selectors.lead_units_of(projects=all_projects), selectors.districts_of(projects=all_projects)
    filter_form = SupervisionFilterForm(g or None, initial={"year": cycle.year if cycle else ""}, cycles=cycles,
                                        statuses=ProjectStatus.choices, grades=Grade.choices, units=units, districts=districts)
    by_status = selectors.status_counts(projects=all_projects)["by_status"]
    ranking = selectors.units_ranking(projects=all_projects)
    charts = _result_charts(selectors.status_counts(projects=projects)["by_grade"], ranking)
    csv = chart_csv_response(
        request, charts, scope=scope_text(user=request.user, assignments=request.staff_assignments),
        filters=[(_("Year"), cycle.year if cycle else ""), (_("Status"), g.get("status", "")),
                 (_("Grade"), g.get("grade", "")), (_("Lead unit"), lead_unit or ""),
                 (_("District"), g.get("district", ""))],
        filename="panel-results",
    )
    if csv is not None:
        return csv
    return render(request, "evaluation_panels/supervision.html", {
        "filter_form": filter_form,
        "status_counts": [(label, by_status[k]) for k, label in ProjectStatus.choices if k in by_status],
        "cycle": cycle, "cycles": cycles, "projects": projects, "ranking": ranking, "charts": charts,
        "statuses": ProjectStatus.choices, "grades": Grade.choices,
        "units": units, "districts": districts,
        "orders": selectors.rectifications_of(projects=all_projects),
        "evaluations": selectors.evaluations_of(projects=all_projects),
        "filters": g,
    })
