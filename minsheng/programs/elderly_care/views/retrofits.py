"""An elder's household file and allowances: the retrofit file (适老化改造 一户一档) from
opening to payment, cash allowances, and the GB/T 42195 ability assessment form.

Each view fetches through a gate in selectors (scope_q), calls one service, and shows the
service's translated message on refusal with what was typed kept in the form.
"""

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.access.decorators import staff
from minsheng.access.selectors import user_has_role
from minsheng.core.errors import DomainError
from minsheng.imports.exports import export_response

from .. import exports, selectors
from ..catalogue import ASSESSMENT_ITEMS, ASSESSMENT_MAX_TOTAL, RETROFIT_ITEMS, MentalDiagnosis
from ..forms import AllowanceForm, AssessmentForm, PhotoForm, RetrofitOpenForm, StatusFilterForm
from ..models import RetrofitStatus
from ..services import assessment
from ..services import retrofits as retrofit_services
from ..services.entitlements import allowance_grant
from . import show_error

# --- retrofits (适老化改造 一户一档) ---------------------------------------------------------


@staff("civil_affairs_officer", "community_worker", "supervisor")
def retrofits(request):
    if (download := export_response(request, exports.RETROFITS)) is not None:
        return download
    qs = exports.retrofits_rows(user=request.user, params=request.GET)
    return render(
        request,
        "elderly_care/retrofits.html",
        {"files": qs[:200], "form": StatusFilterForm(request.GET or None, statuses=RetrofitStatus.choices)},
    )


@staff("civil_affairs_officer", "community_worker")
def retrofit_open(request, elder_id):
    """Open the household's retrofit file (一户一档) for an elder in the officer's area."""
    elder = selectors.elder_get_for_officer(user=request.user, elder_id=elder_id)
    if elder is None:
        raise Http404
    form = RetrofitOpenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            file = retrofit_services.retrofit_open(
                elder=elder, assessment=form.cleaned_data["assessment"], actor=request.user
            )
            messages.success(request, _("The retrofit file was opened. Propose the items next."))
            return redirect("elderly_care:retrofit", file_id=file.pk)
        except DomainError as exc:
            show_error(request, exc)
    return render(request, "elderly_care/retrofit_open.html", {"elder": elder, "form": form})


@staff("civil_affairs_officer")
def allowances(request, elder_id):
    """An elder's cash allowances (高龄津贴 / 护理补贴) and granting one for a month."""
    elder = selectors.elder_get_for_officer(user=request.user, elder_id=elder_id)
    if elder is None:
        raise Http404
    form = AllowanceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            allowance_grant(elder=elder, actor=request.user, **form.cleaned_data)
            messages.success(request, _("The allowance was granted."))
            return redirect("elderly_care:allowances", elder_id=elder.pk)
        except DomainError as exc:
            show_error(request, exc)
    rows = elder.allowances.order_by("-month", "kind")[:60]
    return render(request, "elderly_care/allowances.html", {"elder": elder, "form": form, "allowances": rows})


@staff("civil_affairs_officer", "community_worker", "supervisor")
def retrofit_detail(request, file_id):
    file = selectors.retrofits_for(user=request.user).filter(pk=file_id).first()
    if file is None:
        raise Http404
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "propose":
                items = {}
                for code in request.POST.getlist("items"):
                    try:
                        qty = int(request.POST.get(f"qty_{code}") or 1)
                        cost = Decimal(request.POST.get(f"cost_{code}") or "")
                    except (ValueError, InvalidOperation):
                        messages.error(
                            request, _("Enter a quantity and a cost in yuan for each ticked item.")
                        )
                        return redirect("elderly_care:retrofit", file_id=file.pk)
                    items[code] = (qty, cost)
                retrofit_services.retrofit_propose(file=file, items=items, actor=request.user)
            elif action == "photo":
                upload = request.FILES.get("photo")
                if upload is None:
                    messages.error(request, _("Choose or take a photo first."))
                    return redirect("elderly_care:retrofit", file_id=file.pk)
                retrofit_services.retrofit_add_photo(
                    file=file,
                    phase=request.POST.get("phase", ""),
                    upload=upload,
                    actor=request.user,
                )
            elif action in ("approve", "accept", "pay") and not user_has_role(
                user=request.user, roles=["civil_affairs_officer"]
            ):
                messages.error(request, _("Only the civil affairs office can take this step."))
                return redirect("elderly_care:retrofit", file_id=file.pk)
            else:
                retrofit_services.retrofit_advance(file=file, action=action, actor=request.user)
        except DomainError as exc:
            show_error(request, exc)
        else:
            messages.success(request, _("Retrofit file updated."))
        return redirect("elderly_care:retrofit", file_id=file.pk)
    chosen = {i.code: i for i in file.items.all()}
    catalogue = [
        (code, category, title, kind == "basic", chosen.get(code))
        for code, (category, title, kind) in RETROFIT_ITEMS.items()
    ]
    return render(
        request,
        "elderly_care/retrofit.html",
        {
            "file": file,
            "catalogue": catalogue,
            "cost": retrofit_services.retrofit_cost(file),
            "photos": file.photos.select_related("attachment", "item"),
            "photo_form": PhotoForm(),
            "S": RetrofitStatus,
        },
    )


# --- GB/T 42195 ability assessment -----------------------------------------------------------


@staff("civil_affairs_officer", "community_worker")
def assess(request, elder_id):
    elder = selectors.elder_get_for(user=request.user, elder_id=elder_id)
    if elder is None:
        raise Http404
    values = request.POST if request.method == "POST" else {}
    computed = None
    if request.method == "POST":
        items = {i.code: values.get(i.code, "") for i in ASSESSMENT_ITEMS}
        try:
            risk = int(values.get("risk_events_30d") or 0)
        except ValueError:
            risk = -1
        try:
            record = assessment.assessment_record(
                elder=elder,
                items=items,
                reason=values.get("reason", ""),
                assessed_on=timezone.localdate(),
                diagnosis=values.get("diagnosis", MentalDiagnosis.NONE),
                risk_events_30d=risk,
                assessor=request.user,
                notes=values.get("notes", ""),
            )
        except DomainError as exc:
            show_error(request, exc)
            if not assessment.validate_items(items):
                computed = assessment.score(
                    {k: int(v) for k, v in items.items()},
                    diagnosis=values.get("diagnosis", "none"),
                    risk_events_30d=max(risk, 0),
                )
        else:
            messages.success(
                request,
                _("Assessment saved: %(total)s points, level %(level)s.")
                % {"total": record.total, "level": record.get_level_display()},
            )
            return redirect("elderly_care:assess", elder_id=elder.pk)
    form = AssessmentForm(values or None, initial={"risk_events_30d": 0})
    return render(
        request,
        "elderly_care/assess.html",
        {
            "elder": elder,
            "form": form,
            "computed": computed,
            "latest": elder.assessments.first(),
            "max_total": ASSESSMENT_MAX_TOTAL,
        },
    )
