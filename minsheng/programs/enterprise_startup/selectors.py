"""Reads for enterprise start-up: gates, the founder's tracker, verification, the dashboard."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from minsheng.access.refusals import scoped_gate
from minsheng.access.selectors import scope_q
from minsheng.cases.models import CaseTask, TaskState
from minsheng.core.errors import NotFound
from minsheng.identity.idnumbers import mask_id_number
from minsheng.identity.models import Person

from .models import (
    ApplicationState,
    BusinessLicence,
    Confirmation,
    StartupApplication,
    StepTiming,
)
from .processes import PROCESS_KEY, STEP_TITLES, STEPS, target_hours

MAX_ID = 2**63 - 1


def _own_hash(user):
    return Person.objects.filter(user=user).values_list("id_number_hash", flat=True).first()


def application_visible_to(*, user, application) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if application.applicant_id == user.pk:
        return True
    if user.is_staff:
        return StartupApplication.objects.filter(staff_applications_q(user=user), pk=application.pk).exists()
    own = _own_hash(user)
    return bool(own) and application.confirmations.filter(id_number_hash=own).exists()


def application_visible_to_user(user, application) -> bool:
    """``application_visible_to`` as the attachments' access rule calls it (positionally)."""
    return application_visible_to(user=user, application=application)


def staff_applications_q(*, user) -> Q:
    if user.is_superuser:
        return Q()
    via_task = CaseTask.objects.filter(
        scope_q(user=user, region_field="case__region", organisation_field="organisation")
    ).values("case_id")
    return Q(case_id__in=via_task) | scope_q(user=user, region_field="region")


@scoped_gate(model="enterprise_startup.startupapplication", id_arg="application_id")
def application_get_for(*, user, application_id: int, as_founder: bool = True) -> StartupApplication:
    """The founder's own application, or (as_founder=False) one a staff member may see."""
    if not getattr(user, "is_authenticated", False) or not 0 < int(application_id) <= MAX_ID:
        raise NotFound()
    qs = StartupApplication.objects.select_related("reservation", "region", "case", "bank", "seal_shop")
    q = Q(applicant=user)
    if not as_founder and user.is_staff:
        q |= staff_applications_q(user=user)
    app = qs.filter(q, pk=application_id).first()
    if app is None:
        raise NotFound()
    return app


def applications_of(*, user):
    return (
        StartupApplication.objects.filter(applicant=user)
        .select_related("reservation", "case")
        .order_by("-created_at")
    )


def confirmations_for(*, user):
    own = _own_hash(user)
    if not own:
        return Confirmation.objects.none()
    return (
        Confirmation.objects.filter(
            id_number_hash=own, application__state=ApplicationState.CONFIRMING
        )
        .select_related("application__reservation", "application__applicant")
        .order_by("-created_at")
    )


@scoped_gate(model="enterprise_startup.confirmation", id_arg="confirmation_id")
def confirmation_get_for(*, user, confirmation_id: int) -> Confirmation:
    own = _own_hash(user)
    row = (
        Confirmation.objects.filter(pk=confirmation_id, id_number_hash=own or "-")
        .select_related("application__reservation", "application__applicant")
        .first()
        if 0 < int(confirmation_id) <= MAX_ID
        else None
    )
    if row is None:
        raise NotFound()
    return row


@scoped_gate(model="cases.casetask", id_arg="task_id")
def task_for_staff(*, user, task_id: int) -> CaseTask:
    if not getattr(user, "is_staff", False) or not 0 < int(task_id) <= MAX_ID:
        raise NotFound()
    task = (
        CaseTask.objects.filter(
            scope_q(user=user, region_field="case__region", organisation_field="organisation"),
            pk=task_id,
            case__process_key=PROCESS_KEY,
        )
        .select_related("case", "organisation", "assignee")
        .first()
    )
    if task is None:
        raise NotFound()
    return task


def staff_tasks_for(*, user, open_only: bool = True):
    """The start-up steps of the departments and regions where ``user`` works."""
    qs = CaseTask.objects.filter(
        scope_q(user=user, region_field="case__region", organisation_field="organisation"),
        case__process_key=PROCESS_KEY,
    )
    return qs.filter(state__in=[TaskState.OPEN, TaskState.CLAIMED]) if open_only else qs


def staff_task_list(*, user, open_only: bool = True, limit: int = 200):
    qs = staff_tasks_for(user=user, open_only=open_only)
    return list(
        qs.select_related("case", "organisation", "case__startup_application__reservation").order_by(
            "due_at", "id"
        )[:limit]
    )


# --- tracker --------------------------------------------------------------------------------


@dataclass
class TrackerStep:
    code: str
    title: str
    state: str
    state_label: str
    organisation: str
    due_at: object = None
    completed_at: object = None
    overdue: bool = False
    working_hours: float | None = None
    result: dict = field(default_factory=dict)


def tracker(*, application: StartupApplication) -> list[TrackerStep]:
    """Every department's step of the case, with state and timing, in the order of STEPS."""
    if not application.case_id:
        return []
    now = timezone.now()
    tasks = {
        t.department_code: t
        for t in CaseTask.objects.filter(case_id=application.case_id)
        .select_related("organisation")
        .order_by("round", "id")
    }
    timings = dict(
        StepTiming.objects.filter(application=application).values_list("department_code", "working_hours")
    )
    steps = []
    for code in STEPS:
        t = tasks.get(code)
        if t is None:
            continue
        steps.append(
            TrackerStep(
                code=code,
                title=str(STEP_TITLES[code]),
                state=t.state,
                state_label=str(t.get_state_display()),
                organisation=t.organisation.name,
                due_at=t.due_at,
                completed_at=t.completed_at,
                overdue=bool(t.due_at and t.is_open and t.due_at < now),
                working_hours=timings.get(code),
                result=t.result or {},
            )
        )
    return steps


def licence_of(*, application: StartupApplication) -> BusinessLicence | None:
    return application.licences.order_by("-issued_at").first()


def licence_by_code(*, credit_code: str, serial: str = "") -> BusinessLicence | None:
    qs = BusinessLicence.objects.filter(credit_code=credit_code)
    if serial:
        qs = qs.filter(serial=serial)
    return qs.order_by("-issued_at").first()


# --- dashboard ------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _figures(values: list[float], target: float) -> dict:
    return {
        "count": len(values),
        "median": statistics.median(values) if values else None,
        "p90": percentile(values, 0.9),
        "within_target": round(100 * sum(v <= target for v in values) / len(values), 1) if values else None,
    }


def zero_visit_dashboard(*, user) -> dict:
    """Median and 90th percentile of working hours to the last output, by district and step."""
    target = target_hours()
    visible = StartupApplication.objects.filter(staff_applications_q(user=user))
    done = list(
        visible.filter(state=ApplicationState.COMPLETED, elapsed_working_hours__isnull=False).values_list(
            "region_id", "region__name", "elapsed_working_hours", "visits"
        )
    )
    by_district: dict[str, dict] = {}
    for code, name, hours, _visits in done:
        by_district.setdefault(code, {"code": code, "name": name, "values": []})["values"].append(hours)
    districts = [
        {"code": d["code"], "name": d["name"], **_figures(d["values"], target)}
        for d in sorted(by_district.values(), key=lambda d: d["code"])
    ]
    timings = list(
        StepTiming.objects.filter(application__in=visible).values_list("department_code", "working_hours", "breached")
    )
    by_step: dict[str, list] = {}
    breaches: dict[str, int] = {}
    for code, hours, breached in timings:
        by_step.setdefault(code, []).append(hours)
        breaches[code] = breaches.get(code, 0) + int(breached)
    steps = [
        {
            "code": code,
            "title": str(STEP_TITLES.get(code, code)),
            "breaches": breaches.get(code, 0),
            **_figures(by_step[code], target),
        }
        for code in STEPS
        if code in by_step
    ]
    slowest = max(steps, key=lambda s: s["p90"] or 0)["code"] if steps else None
    for s in steps:
        s["slowest"] = s["code"] == slowest
    counts = {s: 0 for s in ApplicationState.values}
    for state in visible.values_list("state", flat=True):
        counts[state] += 1
    all_hours = [h for _c, _n, h, _v in done]
    return {
        "target_hours": target,
        "overall": _figures(all_hours, target),
        "zero_visit_percent": round(100 * sum(v == 0 for *_x, v in done) / len(done), 1) if done else None,
        "districts": districts,
        "steps": steps,
        "slowest_step": slowest,
        "counts": counts,
    }


def kpi_median_hours():
    values = list(
        StartupApplication.objects.filter(elapsed_working_hours__isnull=False).values_list(
            "elapsed_working_hours", flat=True
        )
    )
    return round(statistics.median(values), 2) if values else None


def kpi_zero_visit_percent():
    qs = StartupApplication.objects.filter(state=ApplicationState.COMPLETED)
    total = qs.count()
    if not total:
        return None
    return round(100 * qs.filter(visits=0).count() / total, 1)


def licence_verify(*, document: str | bytes | None = None, pdf: bytes | None = None) -> dict:
    """Check a QR payload or an uploaded PDF: for a PDF first the signature over the whole
    file ("incomplete" without one at its end, "tampered" when any byte differs), then the
    licence's own signature, then its current status in the register."""
    from . import licence as lic

    if pdf is not None:
        try:
            whole_file_intact = lic.file_signature_valid(pdf)
        except lic.FileUnsigned:
            return {"result": "incomplete", "signature_valid": False, "payload": None, "status": None}
        if not whole_file_intact:
            return {"result": "tampered", "signature_valid": False, "payload": None, "status": None}
    try:
        text = lic.extract_from_pdf(pdf) if pdf is not None else document
        payload, signature = lic.parse_document(text or "")
    except lic.VerifyError:
        return {"result": "unreadable", "signature_valid": False, "payload": None, "status": None}
    if not lic.signature_valid(payload, signature):
        return {"result": "tampered", "signature_valid": False, "payload": payload, "status": None}
    record = licence_by_code(credit_code=str(payload.get("credit_code", "")), serial=str(payload.get("serial", "")))
    if record is None:
        return {"result": "unknown", "signature_valid": True, "payload": payload, "status": None}
    status = record.status
    if record.payload != payload:
        status = "changed"
    return {
        "result": status,
        "signature_valid": True,
        "payload": payload,
        "status": status,
        "status_label": str(record.get_status_display()) if status == record.status else "",
        "checked_at": timezone.now().isoformat(),
    }


# --- what an officer reads before finishing a step ------------------------------------------


def application_summary(*, application: StartupApplication) -> dict:
    """The application as an officer completing a step needs it: the name and type, the capital
    and how it is paid in, the shareholders (ID numbers masked), the address and the business
    scope, and the founder's choices of bank and seal shop."""
    from .services.draft import draft_data
    from .services.form import CONTRIBUTION_FORMS

    data = draft_data(application)
    kind, people = data.get("type") or {}, data.get("people") or {}
    shareholders = [
        {
            "name": row.get("name", ""),
            "identifier": row.get("credit_code") or mask_id_number(row.get("id_number") or ""),
            "share_percent": row.get("share_percent", ""),
        }
        for row in people.get("shareholders") or []
    ]
    address, scope, services = data.get("address") or {}, data.get("scope") or {}, data.get("services") or {}
    capital = kind.get("registered_capital") or ""
    return {
        "name": application.reservation.full_name if application.reservation_id else "",
        "enterprise_type": application.get_enterprise_type_display(),
        "registered_capital": Decimal(capital) if capital else None,
        "contribution_form": CONTRIBUTION_FORMS.get(kind.get("contribution_form") or "", ""),
        "paid_in_deadline": kind.get("paid_in_deadline") or "",
        "legal_rep": (people.get("legal_rep") or {}).get("name", ""),
        "shareholders": shareholders,
        "address": f"{address.get('region_name', '')}{address.get('street', '')}",
        "scope_general": scope.get("general") or [],
        "scope_licensed": scope.get("licensed") or [],
        "licences": scope.get("licences") or [],
        "bank": services.get("bank_name", ""),
        "seal_shop": services.get("seal_shop_name", ""),
    }
