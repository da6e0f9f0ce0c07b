"""Workbench pages: applications, follow-up callbacks and rectifications, the meal counter,
retrofit files, entitlement rules with a preview, and the GB/T 42195 assessment form.

Thin: each view fetches through a gate in selectors (scope_q), calls one service, and shows
the service's translated message on refusal with what was typed kept in the form.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.access.decorators import staff
from minsheng.access.selectors import user_has_role
from minsheng.core.errors import DomainError

from . import assessment as gb
from . import selectors
from .catalogue import RETROFIT_ITEMS, ElderCategory
from .models import CallResult, EntitlementRule, RetrofitStatus
from .services import followup, meals, safety
from .services import registry as registry_services
from .services.registry import month_start

REVIEWERS = ("civil_affairs_officer", "case_officer", "department_head", "supervisor")


def _error(request, exc: DomainError) -> None:
    details = [str(m) for msgs in exc.fields.values() for m in msgs]
    messages.error(request, " ".join([str(exc.message), *details]) if details else str(exc.message))


def _month(value: str | None) -> date:
    try:
        return (
            date.fromisoformat(f"{value}-01")
            if value and len(value) == 7
            else month_start(date.fromisoformat(value or ""))
        )
    except ValueError:
        return month_start(timezone.localdate())


# --- applications (decided through the case workflow) ----------------------------------------


@staff("civil_affairs_officer", "case_officer", "department_head", "supervisor", "community_worker")
def applications(request):
    qs = selectors.applications_for(user=request.user)
    state = request.GET.get("state", "reviewing")
    if state:
        qs = qs.filter(case__state=state)
    return render(
        request, "elderly_care/applications.html", {"applications": qs[:200], "state": state}
    )


@staff("civil_affairs_officer", "case_officer", "department_head", "supervisor", "community_worker")
def application_detail(request, application_id):
    app = selectors.applications_for(user=request.user).filter(pk=application_id).first()
    if app is None:
        raise Http404
    if request.method == "POST":
        decision = request.POST.get("decision")
        if decision not in ("approve", "reject"):
            messages.error(request, _("Choose to approve or reject the application."))
        else:
            try:
                registry_services.application_decide(
                    application=app,
                    actor=request.user,
                    approve=decision == "approve",
                    note=request.POST.get("note", ""),
                )
            except DomainError as exc:
                _error(request, exc)
            else:
                messages.success(request, _("Decision recorded. The applicant has been told."))
                return redirect("elderly_care:application", application_id=app.pk)
    labels = dict(ElderCategory.choices)
    return render(
        request,
        "elderly_care/application.html",
        {
            "app": app,
            "categories": [labels.get(c, c) for c in app.categories],
            "task": app.case.tasks.order_by("-round", "-id").first() if app.case_id else None,
            "events": app.case.events.select_related("actor").order_by("at") if app.case_id else [],
            "note": request.POST.get("note", ""),
        },
    )


# --- follow-up callbacks and rectifications -------------------------------------------------


@staff("civil_affairs_officer", "community_worker", "supervisor")
def followups(request):
    month = _month(request.GET.get("month") or request.POST.get("month"))
    if request.method == "POST":
        call = (
            selectors.followup_calls_for(user=request.user, month=month)
            .filter(pk=request.POST.get("call"))
            .first()
        )
        if call is None:
            raise Http404
        raw = request.POST.get("satisfaction", "").strip()
        try:
            followup.followup_record(
                call=call,
                actor=request.user,
                result=request.POST.get("result", ""),
                satisfaction=int(raw) if raw.isdigit() else None,
                note=request.POST.get("note", ""),
            )
        except DomainError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("Call result recorded."))
        return redirect(f"{request.path}?month={month:%Y-%m}")
    calls = selectors.followup_calls_for(user=request.user, month=month)
    return render(
        request,
        "elderly_care/followups.html",
        {
            "calls": calls[:300],
            "month": month,
            "results": [c for c in CallResult.choices if c[0] != CallResult.PENDING],
            "pending": CallResult.PENDING,
        },
    )


@staff("civil_affairs_officer", "case_officer", "department_head", "supervisor", "provider_admin")
def rectifications(request):
    qs = selectors.rectifications_for(user=request.user)
    if request.method == "POST":
        rect = qs.filter(pk=request.POST.get("rectification")).first()
        if rect is None:
            raise Http404
        action = request.POST.get("action")
        try:
            if action == "report":
                followup.rectification_respond(
                    task=rect, actor=request.user, response=request.POST.get("report", "")
                )
            elif action in ("accept", "send_back"):
                followup.rectification_review(
                    task=rect,
                    actor=request.user,
                    accept=action == "accept",
                    note=request.POST.get("note", ""),
                )
            else:
                messages.error(request, _("Unknown action. Reload the page and try again."))
                return redirect("elderly_care:rectifications")
        except DomainError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("Rectification updated."))
        return redirect("elderly_care:rectifications")
    return render(
        request,
        "elderly_care/rectifications.html",
        {
            "items": qs.exclude(case__state="rectified")[:200],
            "is_provider": user_has_role(user=request.user, roles=["provider_admin"]),
            "is_officer": user_has_role(user=request.user, roles=list(REVIEWERS)),
        },
    )


# --- meal counter (老年食堂) ---------------------------------------------------------------


@staff("canteen_operator")
def meal_counter(request):
    canteens = list(selectors.canteens_for(user=request.user))
    if not canteens:
        raise Http404
    query = request.GET.get("q", "") or request.POST.get("q", "")
    today = timezone.localdate()
    if request.method == "POST":
        elder = selectors.meal_elder_get_for(
            user=request.user, elder_id=request.POST.get("elder", "")
        )
        canteen = next((c for c in canteens if str(c.pk) == request.POST.get("canteen")), None)
        if elder is None or canteen is None:
            messages.error(request, _("Find the elder again and choose your canteen."))
            return redirect("elderly_care:meals")
        try:
            price = Decimal(request.POST.get("price", "") or meals.DEFAULT_PRICE)
        except InvalidOperation:
            price = Decimal(-1)
        try:
            record = meals.meal_record(
                elder=elder,
                canteen=canteen,
                meal=request.POST.get("meal", ""),
                served_on=today,
                actor=request.user,
                price=price,
            )
        except DomainError as exc:
            _error(request, exc)
        else:
            messages.success(
                request,
                _("Recorded for %(name)s: subsidy %(subsidy)s yuan, the elder pays %(pay)s yuan.")
                % {
                    "name": elder.person.name,
                    "subsidy": record.subsidy,
                    "pay": record.price - record.subsidy,
                },
            )
        return redirect(f"{request.path}?q={query}")
    found = [
        (e, meals.meal_allowance_left(elder=e, month=today))
        for e in selectors.meal_elders_for(user=request.user, query=query)
    ]
    hour = timezone.localtime().hour
    return render(
        request,
        "elderly_care/meals.html",
        {
            "canteens": canteens,
            "found": found,
            "q": query,
            "default_price": meals.DEFAULT_PRICE,
            "default_meal": "breakfast" if hour < 10 else "lunch" if hour < 15 else "dinner",
        },
    )


# --- retrofits (适老化改造 一户一档) ---------------------------------------------------------


@staff("civil_affairs_officer", "community_worker", "supervisor")
def retrofits(request):
    qs = selectors.retrofits_for(user=request.user).order_by("-updated_at")
    status = request.GET.get("status", "")
    if status in RetrofitStatus.values:
        qs = qs.filter(status=status)
    return render(
        request,
        "elderly_care/retrofits.html",
        {"files": qs[:200], "statuses": RetrofitStatus.choices, "status": status},
    )


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
                safety.retrofit_propose(file=file, items=items, actor=request.user)
            elif action == "photo":
                upload = request.FILES.get("photo")
                if upload is None:
                    messages.error(request, _("Choose or take a photo first."))
                    return redirect("elderly_care:retrofit", file_id=file.pk)
                safety.retrofit_add_photo(
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
                safety.retrofit_advance(file=file, action=action, actor=request.user)
        except DomainError as exc:
            _error(request, exc)
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
            "cost": safety.retrofit_cost(file),
            "photos": file.photos.select_related("attachment", "item"),
            "S": RetrofitStatus,
        },
    )


# --- entitlement rules (edit, preview who gains or loses, then apply) -----------------------


@staff("civil_affairs_officer", "supervisor")
def rules(request):
    return render(
        request,
        "elderly_care/rules.html",
        {"rules": EntitlementRule.objects.all(), "month": month_start(timezone.localdate())},
    )


@staff("civil_affairs_officer")
def rule_edit(request, rule_id=None):
    rule = None
    if rule_id is not None:
        rule = EntitlementRule.objects.filter(pk=rule_id).first()  # city-wide rules, not scoped
        if rule is None:
            raise Http404
    month = _month(request.POST.get("month") or request.GET.get("month"))
    preview = None
    data = request.POST if request.method == "POST" else None
    if data is not None:
        try:
            if data.get("step") == "apply":
                saved, _run = registry_services.rule_save(
                    data=data, actor=request.user, rule=rule, month=month
                )
                messages.success(
                    request,
                    _("Rule saved. Entitlements for %(month)s are being recalculated.")
                    % {"month": f"{month:%Y-%m}"},
                )
                return redirect("elderly_care:rules")
            candidate = registry_services.rule_clean(data=data, rule=rule)
            preview = registry_services.rule_preview(rule=candidate, month=month)
        except DomainError as exc:
            _error(request, exc)
    initial = data or (
        {
            "name": rule.name,
            "category": rule.category,
            "min_level": rule.min_level,
            "max_level": rule.max_level,
            "unit": rule.unit,
            "amount": rule.amount,
            "effective_from": rule.effective_from.isoformat(),
            "effective_to": rule.effective_to.isoformat() if rule.effective_to else "",
            "priority": rule.priority,
        }
        if rule
        else {"effective_from": month.isoformat(), "min_level": 0, "max_level": 4, "priority": 0}
    )
    return render(
        request,
        "elderly_care/rule_edit.html",
        {
            "rule": rule,
            "v": initial,
            "month": month,
            "preview": preview,
            "categories": ElderCategory.choices,
            "levels": gb.AbilityLevel.choices,
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
        items = {i.code: values.get(i.code, "") for i in gb.ITEMS}
        try:
            risk = int(values.get("risk_events_30d") or 0)
        except ValueError:
            risk = -1
        try:
            record = registry_services.assessment_record(
                elder=elder,
                items=items,
                reason=values.get("reason", ""),
                assessed_on=timezone.localdate(),
                diagnosis=values.get("diagnosis", gb.MentalDiagnosis.NONE),
                risk_events_30d=risk,
                assessor=request.user,
                notes=values.get("notes", ""),
            )
        except DomainError as exc:
            _error(request, exc)
            if not gb.validate_items(items):
                computed = gb.score(
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
    domains = [
        (
            code,
            title,
            [
                (i, values.get(i.code, ""), range(i.maximum, -1, -1))
                for i in gb.ITEMS
                if i.domain == code
            ],
        )
        for code, title in gb.DOMAINS.items()
    ]
    return render(
        request,
        "elderly_care/assess.html",
        {
            "elder": elder,
            "domains": domains,
            "computed": computed,
            "latest": elder.assessments.first(),
            "reasons": gb.AssessmentReason.choices,
            "diagnoses": gb.MentalDiagnosis.choices,
            "v": values,
            "max_total": gb.MAX_TOTAL,
        },
    )
