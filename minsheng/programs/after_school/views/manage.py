"""Schools' set-up: offerings, application windows and starting a window's lottery."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.access.decorators import staff
from minsheng.core.errors import DomainError
from minsheng.imports.exports import export_response

from .. import exports
from ..apps import MANAGERS
from ..forms import OfferingEditForm, OfferingForm, OfferingTeachersForm, WindowForm
from ..selectors.family import current_term
from ..selectors.supervision import (
    offerings_for_staff,
    schools_for,
    windows_for_staff,
    windows_managed_by,
)
from ..services.lottery import lottery_publish, lottery_start
from ..services.offerings import (
    OFFERING_EDITABLE,
    offering_create,
    offering_set_teachers,
    offering_update,
    window_create,
)
from ..services.running import SESSIONS_AHEAD_DAYS, sessions_generate_upcoming
from . import show_error


@staff(*MANAGERS)
def manage(request):
    listed = exports.WINDOWS if request.GET.get("list") == "windows" else exports.OFFERINGS
    if (download := export_response(request, listed)) is not None:
        return download
    schools = schools_for(user=request.user)
    term = current_term()
    offering_form = OfferingForm(schools=schools, initial={"term": term})
    window_form = WindowForm(schools=schools, initial={"term": term})
    if request.method == "POST":
        try:
            if request.POST.get("form") == "offering":
                offering_form = OfferingForm(request.POST, schools=schools)
                if offering_form.is_valid():
                    d = offering_form.cleaned_data
                    offering_create(
                        actor=request.user, term=d["term"], title=d["title"], kind=d["kind"],
                        activity=d["activity"], host=d["school"], school=d["school"],
                        weekdays=[int(x) for x in d["weekdays"]], start_time=d["start_time"],
                        end_time=d["end_time"], capacity=d["capacity"], grade_min=d["grade_min"],
                        grade_max=d["grade_max"], fee=d["fee"], fee_basis=d["fee_basis"],
                        allocation=d["allocation"])
                    messages.success(request, _("The offering was created."))
                    return redirect("after_school:manage")
            elif request.POST.get("form") == "window":
                window_form = WindowForm(request.POST, schools=schools)
                if window_form.is_valid():
                    d = window_form.cleaned_data
                    window_create(actor=request.user, term=d["term"], school=d["school"],
                                           opens_at=d["opens_at"], closes_at=d["closes_at"],
                                           accept_days=d["accept_days"],
                                           lower_grades_first=d["lower_grades_first"],
                                           dual_working_first=d["dual_working_first"],
                                           keep_siblings_together=d["keep_siblings_together"])
                    messages.success(request, _("The application window was created; its draw seed hash is published."))
                    return redirect("after_school:manage")
            elif request.POST.get("form") == "sessions":
                created = sessions_generate_upcoming(
                    offerings=offerings_for_staff(user=request.user, term=None), actor=request.user)
                messages.success(request, _("%(n)s sessions were added for the next %(days)s days.")
                                 % {"n": created, "days": SESSIONS_AHEAD_DAYS})
                return redirect("after_school:manage")
            elif request.POST.get("form") == "publish":
                window = windows_managed_by(user=request.user).filter(pk=request.POST.get("window")).first()
                if window is None:
                    raise Http404
                lottery_publish(window=window, actor=request.user)
                messages.success(request, _("The results are published; families are being told."))
                return redirect("after_school:manage")
            elif request.POST.get("form") == "lottery":
                window = windows_managed_by(user=request.user).filter(pk=request.POST.get("window")).first()
                if window is None:
                    raise Http404
                lottery_start(window=window, actor=request.user)
                messages.success(request, _("The lottery was started; its progress is shown below."))
                return redirect("after_school:manage")
        except DomainError as exc:
            show_error(request, exc)
    windows = list(windows_for_staff(user=request.user).select_related("region"))
    for w in windows:  # the confirmed publish button's form fields
        w.publish_fields = {"form": "publish", "window": w.pk}
    return render(request, "after_school/manage.html", {
        "offerings": offerings_for_staff(user=request.user, term=term), "windows": windows, "term": term,
        "managed": set(windows_managed_by(user=request.user).values_list("pk", flat=True)),
        "offering_form": offering_form, "window_form": window_form, "now": timezone.now()})


@staff(*MANAGERS)
def offering_teachers(request, offering_id: int):
    """Assign an offering's teachers (the school's own teachers; managers of that school only)."""
    offering = offerings_for_staff(user=request.user, term=None).filter(pk=offering_id).first()
    if offering is None:
        raise Http404
    form = OfferingTeachersForm(request.POST or None, offering=offering,
                                initial={"teachers": list(offering.teachers.all())})
    if request.method == "POST" and form.is_valid():
        try:
            offering_set_teachers(actor=request.user, offering=offering, teachers=form.cleaned_data["teachers"])
            messages.success(request, _("The offering's teachers were saved."))
            return redirect("after_school:manage")
        except DomainError as exc:
            show_error(request, exc)
    return render(request, "after_school/offering_teachers.html", {"offering": offering, "form": form})


@staff(*MANAGERS)
def offering_edit(request, offering_id: int):
    """Change an offering of the caller's schools (title, places, grades, fee, open or not)."""
    offering = offerings_for_staff(user=request.user, term=None).filter(pk=offering_id).first()
    if offering is None:
        raise Http404
    form = OfferingEditForm(request.POST or None, initial={k: getattr(offering, k) for k in OFFERING_EDITABLE})
    if request.method == "POST" and form.is_valid():
        try:
            offering_update(actor=request.user, offering=offering, **form.cleaned_data)
            messages.success(request, _("The offering was saved."))
            return redirect("after_school:manage")
        except DomainError as exc:
            for field, msgs in exc.fields.items():
                for m in msgs:
                    form.add_error(field if field in form.fields else None, m)
            if not exc.fields:
                form.add_error(None, str(exc.message))
    return render(request, "after_school/offering_edit.html", {"offering": offering, "form": form},
                  status=422 if request.method == "POST" else 200)
