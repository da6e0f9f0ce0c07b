"""The guardian's pages (phone): children, offerings open to them, applying, answering offers, rating."""

import uuid

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minsheng.access.decorators import citizen
from minsheng.core.errors import DomainError
from minsheng.ratings.models import RatingLevel

from ..forms import ApplyForm, RateForm
from ..models import WEEKDAY_NAMES
from ..selectors.family import application_page, applications_of
from ..services.applications import application_submit, application_withdraw, offer_respond
from ..services.satisfaction import application_rate
from . import show_error


def _home(request, *, rate_form=None, rated_id=None, status=200):
    page = application_page(user=request.user)
    blocks = [{"child": child, "offerings": [
        {"offering": o, "applied": o.pk in held, "form": ApplyForm(
            initial={"student": child.pk, "offering": o.pk, "idempotency_key": uuid.uuid4().hex, "rank": 1},
            days=[(d.weekday, WEEKDAY_NAMES[d.weekday], d.free) for d in o.days.all()],
            first_come=o.allocation == "first_come", auto_id=f"o{child.pk}-{o.pk}-%s")} for o in offerings]}
        for child, offerings, held in page]
    applications = applications_of(user=request.user, children=[c for c, _o, _h in page])
    for app in applications:
        app.rate_form = rate_form if app.pk == rated_id else RateForm(levels=RatingLevel.choices, auto_id=f"r{app.pk}-%s")
    return render(request, "after_school/home.html", {
        "blocks": blocks, "applications": applications,
        "weekday_names": WEEKDAY_NAMES, "levels": RatingLevel.choices}, status=status)


@citizen
def home(request):
    return _home(request)


@citizen
@require_POST
def apply(request):
    form = ApplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose at least one day and a rank from 1 to 10, then apply again."))
        return redirect("after_school:home")
    try:
        app = application_submit(
            guardian_user=request.user, student_id=form.cleaned_data["student"],
            offering_id=form.cleaned_data["offering"],
            weekdays=[int(d) for d in form.cleaned_data["weekdays"]], rank=form.cleaned_data["rank"],
            idempotency_key=form.cleaned_data["idempotency_key"])
    except DomainError as exc:
        show_error(request, exc)
        return redirect("after_school:home")
    messages.success(request, _("Application %(ref)s received: %(state)s.") % {
        "ref": app.reference, "state": app.get_state_display()})
    return redirect("after_school:home")


@citizen
@require_POST
def withdraw(request, application_id: int):
    try:
        application_withdraw(guardian_user=request.user, application_id=application_id)
        messages.success(request, _("The application was withdrawn."))
    except DomainError as exc:
        show_error(request, exc)
    return redirect("after_school:home")


@citizen
@require_POST
def respond(request, application_id: int):
    try:
        offer_respond(guardian_user=request.user, application_id=application_id,
                               accept=request.POST.get("accept") == "1")
        messages.success(request, _("Your answer was recorded."))
    except DomainError as exc:
        show_error(request, exc)
    return redirect("after_school:home")


@citizen
@require_POST
def rate(request, application_id: int):
    form = RateForm(request.POST, levels=RatingLevel.choices, auto_id=f"r{application_id}-%s")
    if form.is_valid():
        try:
            application_rate(guardian_user=request.user, application_id=application_id, level=form.cleaned_data["level"],
                             comment=form.cleaned_data["comment"])
            messages.success(request, _("Thank you for rating the care."))
            return redirect("after_school:home")
        except DomainError as exc:
            # shown once, at the field it names; the chosen level and the comment stay
            for field, msgs in (exc.fields or {None: [str(exc.message)]}).items():
                for m in msgs:
                    form.add_error(field if field in form.fields else None, m)
    return _home(request, rate_form=form, rated_id=application_id, status=422)
