"""The panel office's running pages: the volunteer pool of its area, the sessions it arranges
(with rescheduling before the draw) and the rectification orders it reviews.

Lists are scoped by the organiser's region subtree (selectors.py); a record of another district
is a 404. List pages read a fixed number of queries whatever their length (tests/test_setup_pages.py)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from minsheng.access.decorators import staff
from minsheng.core.errors import DomainError, NotFound
from minsheng.imports.exports import export_response
from minsheng.regions.models import Region

from .. import exports, selectors, services
from ..apps import ORGANISER_ROLES
from ..forms import errors_to_form
from ..forms_setup import (
    EvaluationFilterForm,
    VolunteerActiveForm,
    VolunteerEnrolForm,
    VolunteerFilterForm,
)
from ..selectors import SETUP_ROLES

PAGE_SIZE = 50


def _pool_districts(user):
    return Region.objects.filter(
        pk__in=selectors.volunteers_for(user=user).order_by().values("district_id")).order_by("code")


def _residence_regions(user):
    return selectors.setup_regions(user=user).exclude(level="city")


@staff(*SETUP_ROLES)
def volunteers(request):
    """评议员库 — the pool of the organiser's area: who is in it, where, how often drawn; and
    someone who signed up on a paper form enrolled by the office (POST)."""
    if (download := export_response(request, exports.VOLUNTEERS)) is not None:
        return download
    enrol = VolunteerEnrolForm(request.POST or None, regions=_residence_regions(request.user))
    if request.method == "POST" and enrol.is_valid():
        try:
            v = services.volunteer_enrol_by_office(actor=request.user, **enrol.cleaned_data)
        except DomainError as exc:
            errors_to_form(enrol, exc)
        else:
            messages.success(request, _("%(name)s is in the pool as number %(number)s.")
                             % {"name": v.person.name, "number": v.number})
            return redirect("evaluation_panels:manage_volunteers")
    g = request.GET
    filters = VolunteerFilterForm(g or None, districts=_pool_districts(request.user))
    active = {"yes": True, "no": False}.get(g.get("active", ""))
    rows = selectors.volunteers_for(user=request.user, active=active, district=g.get("district", ""),
                                    search=(g.get("q") or "").strip()[:60])
    page = Paginator(selectors.volunteer_rows(qs=rows), PAGE_SIZE).get_page(g.get("page"))
    return render(request, "evaluation_panels/manage/volunteers.html", {
        "page": page, "filters": filters, "enrol": enrol, **selectors.volunteer_counts(user=request.user),
    }, status=422 if request.method == "POST" else 200)


@staff(*SETUP_ROLES)
def volunteer_detail(request, volunteer_id: int):
    try:
        v = selectors.volunteer_get_for(user=request.user, volunteer_id=volunteer_id)
    except NotFound as exc:
        raise Http404(str(exc.message)) from None
    form = VolunteerActiveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.volunteer_set_active(volunteer=v, active=request.POST.get("action") == "activate",
                                          reason=form.cleaned_data["reason"], actor=request.user)
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("The volunteer's place in the pool was changed."))
            return redirect("evaluation_panels:manage_volunteer", volunteer_id=v.pk)
    seats = list(v.seats.select_related("evaluation__project").order_by("-evaluation__starts_at"))
    return render(request, "evaluation_panels/manage/volunteer.html", {
        "v": v, "form": form, "seats": seats, "links": list(v.conflict_organisations.all()),
    }, status=422 if request.method == "POST" else 200)


@staff(*ORGANISER_ROLES)
def evaluations(request):
    """Every session of the area: when, where, which project, how far the draw has gone."""
    if (download := export_response(request, exports.EVALUATIONS)) is not None:
        return download
    status = request.GET.get("status", "")
    rows = selectors.evaluations_for_organiser(user=request.user, status=status)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "evaluation_panels/manage/evaluations.html", {
        "page": page, "filters": EvaluationFilterForm(request.GET or None),
    })


@staff(*ORGANISER_ROLES)
def rectifications(request):
    """The rectification orders of the area: reports to review, re-evaluations to schedule."""
    if (download := export_response(request, exports.RECTIFICATIONS)) is not None:
        return download
    rows = selectors.rectifications_for_organiser(user=request.user, open_only=request.GET.get("all") != "1")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "evaluation_panels/manage/rectifications.html", {
        "page": page, "show_all": request.GET.get("all") == "1",
    })

