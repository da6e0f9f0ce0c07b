"""Pages: name self-declaration, the one form, co-signing, tracker, licence, verification,
the departments' task pages and the zero-visit dashboard. Each calls one service."""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minsheng.access.decorators import citizen, public, staff
from minsheng.access.models import Organisation, OrganisationKind
from minsheng.cases.models import TaskState
from minsheng.core.errors import DomainError, NotAllowed, NotFound
from minsheng.regions.models import Region

from . import licence as lic
from . import selectors, services
from .catalogue import FORMS_FOR_TYPE, ORG_FORMS
from .models import DeliveryState, EnterpriseType, ScopeItem, SealShop
from .steps import CONTRIBUTION_FORMS, SEALS, STEP_ORDER

STAFF = ("case_officer", "department_head")
MAX_PDF = 5 * 1024 * 1024


def http_errors(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404
        except NotAllowed as e:
            raise PermissionDenied(str(e.message))

    return wrapped


def _counties():
    return list(Region.objects.filter(prefix__startswith="3207", level__in=["city", "county"], valid_to__isnull=True).order_by("code"))


def _flat_errors(exc: DomainError) -> dict:
    return {k.split(".", 1)[-1] if k.count(".") == 1 else k: v for k, v in exc.fields.items()}


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
    form = {"region": "", "trade_name": "", "industry": "", "org_form": "有限公司", "enterprise_type": "llc", "restricted_note": ""}
    errors = {}
    if request.method == "POST":
        form = {k: request.POST.get(k, "")[:200] for k in form}
        try:
            app = services.name_reserve(
                applicant=request.user,
                region_code=form["region"],
                trade_name=form["trade_name"],
                industry=form["industry"],
                org_form=form["org_form"],
                enterprise_type=form["enterprise_type"],
                restricted_note=form["restricted_note"],
                pledge=request.POST.get("pledge") == "on",
            )
            messages.success(request, _("The name is reserved for 30 days. Now fill in the one form."))
            return redirect("enterprise_startup:draft", app_id=app.pk)
        except DomainError as exc:
            errors = exc.fields or {"form": [str(exc.message)]}
    return render(
        request,
        "enterprise_startup/name.html",
        {"form": form, "errors": errors, "counties": _counties(), "forms": ORG_FORMS, "types": EnterpriseType.choices, "forms_for_type": FORMS_FOR_TYPE},
        status=422 if errors else 200,
    )


@citizen
def name_check_json(request):
    result = services.name_check(
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


def _step_data(request, app, step):
    p = request.POST
    if step == "type":
        return {k: p.get(k, "")[:40] for k in ("enterprise_type", "registered_capital", "contribution_form", "paid_in_deadline")}
    if step == "people":
        shareholders = _rows(p, "sh", ["kind", "name", "id_number", "credit_code", "share_percent"], 8)
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
            data["proof_attachment"] = services.address_proof_store(application=app, actor=request.user, file=upload).pk
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
    if request.method == "POST":
        try:
            data = _step_data(request, app, step)
            services.draft_save(application=app, actor=request.user, step=step, data=data)
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
    data = services.draft_data(app)
    values = data.get("raw", {}).get(step) or data.get(step) or {}
    flat = {k.replace(".", "__"): v for k, v in errors.items()}
    ctx = {
        "app": app,
        "flat": flat,
        "step": step,
        "steps": STEP_ORDER,
        "values": values,
        "errors": errors,
        "types": EnterpriseType.choices,
        "contribution_forms": CONTRIBUTION_FORMS.items(),
    }
    if step == "people":
        sh = list(values.get("shareholders") or [])
        rows = sh + [{}] * max(0, 5 - len(sh))
        ctx["shareholder_rows"] = [
            {"i": i, "v": r, "e": {f: errors.get(f"people.shareholders.{i}.{f}", []) for f in ("name", "id_number", "credit_code", "share_percent")}}
            for i, r in enumerate(rows)
        ]
    if step == "address":
        ctx["towns"] = Region.objects.filter(parent=app.region).order_by("code") if app.region.level == "county" else Region.objects.filter(parent__parent=app.region, level="town").order_by("code")
    if step == "scope":
        ctx["catalogue"] = ScopeItem.objects.filter(is_active=True).order_by("category", "industry", "code")
        ctx["chosen"] = set(values.get("items") or [])
    if step == "services":
        ctx["banks"] = Organisation.objects.filter(kind=OrganisationKind.BANK, is_active=True).order_by("name")
        ctx["shops"] = SealShop.objects.filter(is_active=True, region__prefix__startswith=app.region.prefix[:4]).order_by("name")
        ctx["seal_names"] = SEALS
    return render(request, f"enterprise_startup/step_{step}.html", ctx, status=status)


@citizen
@http_errors
def review(request, app_id: int):
    app = selectors.application_get_for(user=request.user, application_id=app_id)
    return render(
        request,
        "enterprise_startup/review.html",
        {"app": app, "data": services.draft_data(app), "steps": STEP_ORDER, "confirmations": app.confirmations.all()},
    )


@citizen
@require_POST
@http_errors
def request_confirmations(request, app_id: int):
    app = selectors.application_get_for(user=request.user, application_id=app_id)
    try:
        services.confirmations_request(application=app, actor=request.user)
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
        services.application_submit(application=app, actor=request.user)
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
            services.confirmation_sign(confirmation=row, user=request.user)
            messages.success(request, _("Thank you, your confirmation is recorded."))
            return redirect("enterprise_startup:home")
        except DomainError as exc:
            messages.error(request, str(exc.message))
    data = services.draft_data(row.application)
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


@citizen
@http_errors
def licence_download(request, app_id: int):
    app = selectors.application_get_for(user=request.user, application_id=app_id, as_founder=not request.user.is_staff)
    licence = selectors.licence_of(application=app)
    if licence is None:
        raise Http404
    response = HttpResponse(
        services.licence_pdf(licence=licence, verify_base_url=request.build_absolute_uri(reverse("enterprise_startup:verify"))),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = f'attachment; filename="licence-{licence.credit_code}.pdf"'
    return response


@public
def verify(request):
    result = None
    if request.method == "POST":
        upload = request.FILES.get("pdf")
        if upload is not None:
            data = upload.read(MAX_PDF + 1)
            result = selectors.licence_verify(pdf=data[:MAX_PDF]) if len(data) <= MAX_PDF else {"result": "unreadable"}
        else:
            result = selectors.licence_verify(document=request.POST.get("document", "")[:8000])
    elif request.GET.get("d"):
        result = selectors.licence_verify(document=lic.document_from_url_value(request.GET["d"][:12000]))
    return render(request, "enterprise_startup/verify.html", {"result": result})


# --- staff -----------------------------------------------------------------------------------


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
            services.step_complete(task=task, actor=request.user, data=data, outcome=outcome, comment=request.POST.get("comment", "")[:2000])
            messages.success(request, _("The step is finished."))
            return redirect("enterprise_startup:staff_tasks")
        except DomainError as exc:
            errors = exc.fields or {"__all__": [str(exc.message)]}
    app = task.case.startup_application
    return render(
        request,
        "enterprise_startup/staff_task.html",
        {"task": task, "app": app, "data": services.draft_data(app), "errors": errors, "seal_names": SEALS},
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
                services.visit_record(application=app, actor=request.user, reason=request.POST.get("reason", ""))
            elif action == "legacy_code":
                services.legacy_code_accept(application=app, actor=request.user, credit_code=request.POST.get("credit_code", ""))
            elif action == "delivery":
                services.delivery_update(delivery=app.delivery, actor=request.user, state=request.POST.get("state", ""), carrier=request.POST.get("carrier", ""), tracking_number=request.POST.get("tracking_number", ""))
            messages.success(request, _("Saved."))
        except DomainError as exc:
            messages.error(request, " ".join([str(exc.message), *[m for v in exc.fields.values() for m in v]]))
        return redirect("enterprise_startup:staff_application", app_id=app.pk)
    return render(
        request,
        "enterprise_startup/staff_application.html",
        {"app": app, "steps": selectors.tracker(application=app), "delivery": getattr(app, "delivery", None), "delivery_states": DeliveryState.choices, "licence": selectors.licence_of(application=app)},
    )


@staff("supervisor", "department_head")
def dashboard(request):
    return render(request, "enterprise_startup/dashboard.html", {"d": selectors.zero_visit_dashboard(user=request.user)})
