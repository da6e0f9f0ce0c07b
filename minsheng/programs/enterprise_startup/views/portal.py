"""The founder's pages: name self-declaration, the one form, co-signing by the shareholders,
submission and the tracker. Each calls one service."""

from django import forms
from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minsheng.access.decorators import citizen
from minsheng.access.models import Organisation, OrganisationKind
from minsheng.core.errors import DomainError
from minsheng.regions.models import Region

from .. import selectors
from ..forms import (
    MAX_SHAREHOLDERS,
    AddressStepForm,
    NameForm,
    PeopleStepForm,
    PersonForm,
    ScopeStepForm,
    ServicesStepForm,
    ShareholderForm,
    TypeStepForm,
    place_errors,
)
from ..models import ScopeItem, SealShop
from ..services import draft, names, submission
from ..services.form import CONTRIBUTION_FORMS, SEALS, STEP_ORDER
from ..services.names import FORMS_FOR_TYPE, ORG_FORMS
from . import http_errors


def _counties():
    return list(Region.objects.filter(prefix__startswith="3207", level__in=["city", "county"], valid_to__isnull=True).order_by("code"))


@citizen
def home(request):
    return render(
        request,
        "enterprise_startup/home.html",
        {
            "applications": selectors.applications_of(user=request.user),
            "confirmations": selectors.confirmations_for(user=request.user),
        },
    )


@citizen
def name_page(request):
    fields = ("region", "trade_name", "industry", "org_form", "enterprise_type", "restricted_note")
    kw = {"counties": _counties(), "org_forms": ORG_FORMS}
    form = NameForm(initial={"org_form": "有限公司", "enterprise_type": "llc"}, **kw)
    if request.method == "POST":
        form = NameForm(request.POST, **kw)
        form.is_valid()
        typed = {k: request.POST.get(k, "")[:200] for k in fields}
        try:
            app = names.name_reserve(
                applicant=request.user, region_code=typed.pop("region"), **typed, pledge=request.POST.get("pledge") == "on"
            )
            messages.success(request, _("The name is reserved for 30 days. Now fill in the one form."))
            return redirect("enterprise_startup:draft", app_id=app.pk)
        except DomainError as exc:
            for field, msgs in (exc.fields or {None: [str(exc.message)]}).items():
                for m in msgs:
                    form.add_error(field if field in form.fields else None, m)
    return render(
        request,
        "enterprise_startup/name.html",
        {"form": form, "forms_for_type": FORMS_FOR_TYPE},
        status=422 if form.errors else 200,
    )


@citizen
def name_check_json(request):
    result = names.name_check(
        region_code=request.GET.get("region", "")[:12],
        trade_name=request.GET.get("trade_name", "")[:40],
        industry=request.GET.get("industry", "")[:40],
        org_form=request.GET.get("org_form", "")[:20],
        enterprise_type=request.GET.get("enterprise_type", "")[:20],
        restricted_note=request.GET.get("restricted_note", "")[:500],
    )
    return JsonResponse(result.as_dict())


def _rows(post, prefix, fields, n):
    rows = []
    for i in range(n):
        row = {f: post.get(f"{prefix}-{i}-{f}", "").strip()[:200] for f in fields}
        if any(row.values()):
            rows.append(row)
    return rows


def _step_data(request, step, app):
    p = request.POST
    if step == "type":
        return {k: p.get(k, "")[:40] for k in ("enterprise_type", "registered_capital", "contribution_form", "paid_in_deadline")}
    if step == "people":
        shareholders = _rows(p, "sh", ["kind", "name", "id_number", "credit_code", "share_percent"], MAX_SHAREHOLDERS)
        for r in shareholders:
            if not any(r[k] for k in ("name", "id_number", "credit_code", "share_percent")):
                r.clear()
        return {
            "legal_rep": {"name": p.get("legal_rep-name", ""), "id_number": p.get("legal_rep-id_number", "")},
            "shareholders": [r for r in shareholders if r],
            "directors": [x.strip() for x in p.get("directors", "").replace("，", ",").split(",") if x.strip()],
            "supervisors": [x.strip() for x in p.get("supervisors", "").replace("，", ",").split(",") if x.strip()],
            "manager": p.get("manager", ""),
            "liaison": {"name": p.get("liaison-name", ""), "id_number": p.get("liaison-id_number", ""), "phone": p.get("liaison-phone", "")},
            "finance": {"name": p.get("finance-name", ""), "phone": p.get("finance-phone", "")},
        }
    if step == "address":
        data = {"region_code": p.get("region_code", ""), "street": p.get("street", ""), "pledge": p.get("pledge", ""), "proof_attachment": p.get("proof_attachment", "")}
        upload = request.FILES.get("proof")
        if upload:
            # Attached by the service; a refused file names the field and the reason.
            data["proof_attachment"] = draft.address_proof_store(application=app, actor=request.user, file=upload).pk
        return data
    if step == "scope":
        return {"items": p.getlist("items")[:60], "licence_ack": p.get("licence_ack", "")}
    if step == "services":
        return {
            "bank": p.get("bank", ""),
            "seal_shop": p.get("seal_shop", ""),
            "seals": p.getlist("seals"),
            "recipient": {"name": p.get("recipient-name", ""), "phone": p.get("recipient-phone", "")},
            "delivery_address": p.get("delivery_address", ""),
        }
    return {}


@citizen
@http_errors
def draft_step(request, app_id: int, step: str):
    app = selectors.application_get_for(user=request.user, application_id=app_id)
    if app.state not in ("draft", "confirming"):
        return redirect("enterprise_startup:tracker", app_id=app.pk)
    if step not in STEP_ORDER:
        raise Http404
    errors, status = {}, 200
    if request.method == "POST" and step == "people" and "add_shareholder" in request.POST:
        try:
            draft.draft_save(application=app, actor=request.user, step=step, data=_step_data(request, step, app))
        except DomainError:
            app.refresh_from_db()  # what was typed is kept as the step's raw data; errors show on "Save"
        rows = int(request.POST.get("add_shareholder") or 0) + 1
        return redirect(reverse("enterprise_startup:draft_step", args=[app.pk, step]) + f"?rows={rows}#sh-{rows - 1}")
    if request.method == "POST":
        try:
            data = _step_data(request, step, app)
            draft.draft_save(application=app, actor=request.user, step=step, data=data)
            nxt = STEP_ORDER.index(step) + 1
            if request.headers.get("X-Autosave"):
                return JsonResponse({"saved": True, "errors": {}})
            if nxt < len(STEP_ORDER):
                return redirect("enterprise_startup:draft_step", app_id=app.pk, step=STEP_ORDER[nxt])
            return redirect("enterprise_startup:review", app_id=app.pk)
        except DomainError as exc:
            errors, status = exc.fields or {"__all__": [str(exc.message)]}, 422
            if request.headers.get("X-Autosave"):
                return JsonResponse({"saved": True, "errors": errors}, status=200)
            app.refresh_from_db()
    data = draft.draft_data(app)
    values = data.get("raw", {}).get(step) or data.get(step) or {}
    ctx = {"app": app, "step": step, "steps": STEP_ORDER, "errors": errors}
    ctx.update(_step_forms(request, app, step, values, errors))
    return render(request, f"enterprise_startup/step_{step}.html", ctx, status=status)


def _step_forms(request, app, step, values, errors) -> dict:
    """The step's forms: bound to what was posted when a service refused it (the refusals
    placed at their fields), otherwise filled from the saved draft."""
    posted = request.method == "POST" and bool(errors)
    data = request.POST if posted else None

    def bound(cls, initial, **kw):
        form = cls(data, request.FILES if posted else None, initial=initial, **kw) if posted else cls(initial=initial, **kw)
        if posted:
            form.is_valid()
        return form

    groups: dict[str, forms.Form] = {}
    shareholders: list = []
    ctx: dict = {}
    if step == "type":
        main = bound(TypeStepForm, values, contribution_forms=CONTRIBUTION_FORMS.items())
    elif step == "people":
        main = bound(PeopleStepForm, {"directors": ", ".join(values.get("directors") or []), "supervisors": ", ".join(values.get("supervisors") or []), "manager": values.get("manager", "")})
        for role, parts in (("legal_rep", ("name", "id_number")), ("liaison", ("name", "id_number", "phone")), ("finance", ("name", "phone"))):
            groups[role] = bound(PersonForm, values.get(role) or {}, prefix=role, parts=parts)
        saved = list(values.get("shareholders") or [])
        wanted = request.GET.get("rows", "")
        if posted:
            n = max((i + 1 for i in range(MAX_SHAREHOLDERS) if any(request.POST.get(f"sh-{i}-{f}") for f in ShareholderForm.base_fields)), default=1)
        else:
            n = max(len(saved), int(wanted) if wanted.isdigit() else 1, 1)
        n = min(n, MAX_SHAREHOLDERS)
        shareholders = [bound(ShareholderForm, saved[i] if i < len(saved) else {}, prefix=f"sh-{i}") for i in range(n)]
        ctx["shareholder_forms"] = shareholders
        ctx["may_add_shareholder"] = n < MAX_SHAREHOLDERS
        ctx["shareholder_template"] = ShareholderForm(prefix="sh-__i__")
    elif step == "address":
        towns = Region.objects.filter(parent=app.region).order_by("code") if app.region.level == "county" else Region.objects.filter(parent__parent=app.region, level="town").order_by("code")
        main = bound(AddressStepForm, {**values, "pledge": bool(values.get("pledge"))}, towns=towns)
    elif step == "scope":
        catalogue = list(ScopeItem.objects.filter(is_active=True).order_by("category", "industry", "code"))
        main = bound(ScopeStepForm, {"items": values.get("items") or [], "licence_ack": bool(values.get("licence_ack"))}, catalogue=catalogue)
        by_code = {w.data["value"]: w for w in main["items"]}
        groups_out: dict[str, list] = {}
        for item in catalogue:
            groups_out.setdefault(item.get_category_display(), []).append((by_code[item.code], item))
        ctx["scope_groups"] = list(groups_out.items())
    else:
        banks = Organisation.objects.filter(kind=OrganisationKind.BANK, is_active=True).order_by("name")
        shops = SealShop.objects.filter(is_active=True, region__prefix__startswith=app.region.prefix[:4]).order_by("name")
        initial = {**values, "seals": values.get("seals") or SEALS}
        main = bound(ServicesStepForm, initial, shops=shops, banks=banks, seal_names=SEALS)
        groups["recipient"] = bound(PersonForm, values.get("recipient") or {}, prefix="recipient", parts=("name", "phone"))
    ctx["loose_errors"] = place_errors(errors, step=step, main=main, groups=groups, shareholders=shareholders) if posted else []
    ctx["form"] = main
    ctx.update(groups)
    return ctx


@citizen
@http_errors
def review(request, app_id: int):
    app = selectors.application_get_for(user=request.user, application_id=app_id)
    return render(
        request,
        "enterprise_startup/review.html",
        {"app": app, "data": draft.draft_data(app), "steps": STEP_ORDER, "confirmations": app.confirmations.all()},
    )


@citizen
@require_POST
@http_errors
def request_confirmations(request, app_id: int):
    app = selectors.application_get_for(user=request.user, application_id=app_id)
    try:
        submission.confirmations_request(application=app, actor=request.user)
        messages.success(request, _("The shareholders were asked to sign in and confirm."))
    except DomainError as exc:
        messages.error(request, " ".join([str(exc.message), *[m for v in exc.fields.values() for m in v]]))
    return redirect("enterprise_startup:review", app_id=app.pk)


@citizen
@require_POST
@http_errors
def submit(request, app_id: int):
    app = selectors.application_get_for(user=request.user, application_id=app_id)
    try:
        submission.application_submit(application=app, actor=request.user)
    except DomainError as exc:
        messages.error(request, " ".join([str(exc.message), *[m for v in exc.fields.values() for m in v]]))
        return redirect("enterprise_startup:review", app_id=app.pk)
    messages.success(request, _("Submitted. The departments now work in parallel; follow each step here."))
    return redirect("enterprise_startup:tracker", app_id=app.pk)


@citizen
@http_errors
def confirm_page(request, confirmation_id: int):
    row = selectors.confirmation_get_for(user=request.user, confirmation_id=confirmation_id)
    if request.method == "POST":
        try:
            submission.confirmation_sign(confirmation=row, user=request.user)
            messages.success(request, _("Thank you, your confirmation is recorded."))
            return redirect("enterprise_startup:home")
        except DomainError as exc:
            messages.error(request, str(exc.message))
    data = draft.draft_data(row.application)
    return render(request, "enterprise_startup/confirm.html", {"row": row, "data": data})


@citizen
@http_errors
def tracker_page(request, app_id: int):
    app = selectors.application_get_for(user=request.user, application_id=app_id)
    return render(
        request,
        "enterprise_startup/tracker.html",
        {
            "app": app,
            "steps": selectors.tracker(application=app),
            "licence": selectors.licence_of(application=app),
            "delivery": getattr(app, "delivery", None),
        },
    )
