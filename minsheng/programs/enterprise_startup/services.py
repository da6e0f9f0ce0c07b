"""Writes for enterprise start-up: names, the one-form draft, co-signing, submission,
department steps (through the case engine), the licence, delivery and visits."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.cases.models import CaseTask, TaskState
from minsheng.cases.services import case_act, case_open, task_complete
from minsheng.core.calendar import working_hours_between
from minsheng.core.creditcode import credit_code_generate, credit_code_normalize
from minsheng.core.errors import Conflict, NotAllowed, ValidationFailed
from minsheng.identity.crypto import keyed_hash
from minsheng.identity.models import Person
from minsheng.notifications.services import notification_send
from minsheng.regions.models import Region

from . import licence as lic
from .models import (
    DELIVERY_NEXT,
    ApplicationState,
    BusinessLicence,
    Confirmation,
    Delivery,
    DeliveryState,
    EnterpriseType,
    LicenceStatus,
    NameReservation,
    PhysicalVisit,
    ReservationState,
    StartupApplication,
    StepTiming,
)
from .names import check_name, region_word, to_pinyin
from .process import BANK, PROCESS_KEY
from .steps import (
    STEP_ORDER,
    Errors,
    validate_address,
    validate_people,
    validate_scope,
    validate_services,
    validate_type,
)

RESERVATION_DAYS = 30
ENTITY_CLASS = {EnterpriseType.INDIVIDUAL: "2", EnterpriseType.COOPERATIVE: "3"}
EDITABLE = (ApplicationState.DRAFT, ApplicationState.CONFIRMING)


def _zh(value) -> str:
    from django.utils import translation

    with translation.override("zh-hans"):
        return str(value)


def registration_region(region_code: str) -> Region:
    region = Region.objects.filter(code=str(region_code or "").strip()).first()
    if region is None or not region.prefix.startswith("3207") or region.level not in ("city", "county"):
        raise ValidationFailed.for_field(
            "region", _("Choose Lianyungang or one of its districts and counties.")
        )
    return region


# --- names --------------------------------------------------------------------------------


def name_check(
    *,
    region_code: str,
    trade_name: str,
    industry: str,
    org_form: str,
    enterprise_type: str = "",
    restricted_note: str = "",
):
    """Check a name as typed (no write); returns names.NameCheck."""
    try:
        region = registration_region(region_code)
    except ValidationFailed:
        region = None
    return check_name(
        region=region,
        trade_name=trade_name,
        industry=industry,
        org_form=org_form,
        enterprise_type=enterprise_type,
        restricted_note=restricted_note,
    )


@transaction.atomic
def name_reserve(
    *,
    applicant,
    region_code: str,
    trade_name: str,
    industry: str,
    org_form: str,
    enterprise_type: str,
    pledge: bool,
    restricted_note: str = "",
) -> StartupApplication:
    """Reserve a checked name under the founder's pledge and open the one-form draft."""
    region = registration_region(region_code)
    if enterprise_type not in EnterpriseType.values:
        raise ValidationFailed.for_field("enterprise_type", _("Choose the type of enterprise."))
    # Serialise reservations of the same division so two founders cannot take one name.
    list(Region.objects.select_for_update().filter(pk=region.pk))
    result = check_name(
        region=region,
        trade_name=trade_name,
        industry=industry,
        org_form=org_form,
        enterprise_type=enterprise_type,
        restricted_note=restricted_note,
    )
    if not pledge:
        result.error(
            "pledge",
            _("Read and sign the pledge that the name does not infringe others' rights."),
        )
    if not result.ok:
        raise ValidationFailed(fields=result.errors)
    now = timezone.now()
    trade = result.full_name[len(region_word(region)) : -len(org_form) - len(industry.strip())]
    reservation = NameReservation.objects.create(
        applicant=applicant,
        region=region,
        region_word=region_word(region),
        trade_name=trade,
        trade_pinyin=to_pinyin(trade),
        industry=industry.strip(),
        org_form=org_form,
        full_name=result.full_name,
        restricted_note=(restricted_note or "").strip()[:1000],
        warnings=[str(w) for w in result.warnings],
        pledge_signed_at=now,
        reserved_until=timezone.localdate(now) + dt.timedelta(days=RESERVATION_DAYS),
    )
    application = StartupApplication.objects.create(
        applicant=applicant,
        reservation=reservation,
        region=region,
        enterprise_type=enterprise_type,
        data=json.dumps({"type": {"enterprise_type": enterprise_type}}, ensure_ascii=False),
    )
    audit_record(
        event_type="enterprise_startup.name_reserved",
        actor=applicant,
        target=reservation,
        new={"name": result.full_name, "pledge": True},
    )
    return application


# --- the draft ----------------------------------------------------------------------------


def draft_data(application: StartupApplication) -> dict:
    try:
        data = json.loads(application.data or "{}")
    except ValueError:
        data = {}
    return data if isinstance(data, dict) else {}


def _digest(data: dict) -> str:
    return hashlib.sha256(lic.canonical({k: data.get(k) for k in STEP_ORDER})).hexdigest()


def _validate_step(application, step: str, raw: dict, data: dict, errors: Errors):
    warnings: list[str] = []
    etype = (data.get("type") or {}).get("enterprise_type") or application.enterprise_type
    if step == "type":
        clean = validate_type(raw, errors)
    elif step == "people":
        clean, warnings = validate_people(
            raw, errors, enterprise_type=etype, legacy_codes=data.get("legacy_codes", [])
        )
    elif step == "address":
        clean = validate_address(raw, errors, county=application.region, owner=application.applicant)
    elif step == "scope":
        clean = validate_scope(raw, errors)
    elif step == "services":
        clean = validate_services(raw, errors, county=application.region)
    else:
        raise ValidationFailed.for_field("step", _("This step does not exist. Reload the page."))
    return clean, warnings


PROOF_TYPES = ("application/pdf", "image/jpeg", "image/png")
PROOF_FIELD = "address.proof"


def address_proof_store(*, application: StartupApplication, actor, file):
    """Store the proof of title or lease for the address step; the step then names it by id.
    A refused file (too large, not a PDF or photo by its content, active PDF content) is a
    ValidationFailed on ``address.proof`` saying why."""
    from minsheng.attachments.services import attachment_store

    if application.state not in ("draft", "confirming"):
        raise Conflict(_("This application has been submitted; its address can no longer change."),
                       code="state_changed")
    return attachment_store(file=file, owner=actor, allowed_types=PROOF_TYPES, field=PROOF_FIELD)


def draft_save(*, application: StartupApplication, actor, step: str, data: dict) -> StartupApplication:
    """Save one step. What was typed is always kept; invalid input raises ValidationFailed
    (after saving) with messages per field, and the step stays unfinished."""
    if step not in STEP_ORDER:
        raise ValidationFailed.for_field("step", _("This step does not exist. Reload the page."))
    if not isinstance(data, dict):
        raise ValidationFailed.for_field(step, _("The form data could not be read. Reload the page."))
    errors = Errors()
    with transaction.atomic():
        app = StartupApplication.objects.select_for_update().select_related("region", "applicant").get(pk=application.pk)
        if app.applicant_id != getattr(actor, "pk", None):
            raise NotAllowed(_("Only the founder who started this application can change it."))
        if app.state not in EDITABLE:
            raise Conflict(_("This application has been submitted and can no longer be changed."))
        stored = draft_data(app)
        clean, warnings = _validate_step(app, step, data, stored, errors)
        if not errors:
            stored[step] = clean
        stored.setdefault("raw", {})[step] = data
        stored.setdefault("warnings", {})[step] = warnings
        done = [s for s in app.steps_done if s != step]
        if not errors:
            done.append(step)
            stored["raw"].pop(step, None)
        if step == "type" and not errors:
            app.enterprise_type = clean["enterprise_type"]
            app.registered_capital = clean["registered_capital"]
            # the people step depends on the type: check it again at submission
        if step == "services" and not errors:
            app.bank_id, app.seal_shop_id = clean["bank"], clean["seal_shop"]
        app.data = json.dumps(stored, ensure_ascii=False, default=str)
        app.steps_done = [s for s in STEP_ORDER if s in done]
        changed_state = app.state == ApplicationState.CONFIRMING
        if changed_state:
            app.state = ApplicationState.DRAFT
            app.confirmations.all().delete()
        app.version += 1
        app.save(
            update_fields=[
                "data", "steps_done", "enterprise_type", "registered_capital", "bank",
                "seal_shop", "state", "version", "updated_at",
            ]
        )
    application.refresh_from_db()
    errors.raise_if_any()
    return application


@transaction.atomic
def legacy_code_accept(*, application: StartupApplication, actor, credit_code: str) -> None:
    """Market regulation accepts a credit code that fails its checksum but is in real use."""
    from minsheng.cases.routing import user_may

    if not user_may(actor, ["case_officer", "department_head"], region=application.region, organisation=None):
        raise NotAllowed(_("Only market regulation officers may accept a legacy credit code."))
    app = StartupApplication.objects.select_for_update().get(pk=application.pk)
    data = draft_data(app)
    code = credit_code_normalize(credit_code)
    data.setdefault("legacy_codes", [])
    if code not in data["legacy_codes"]:
        data["legacy_codes"].append(code)
    app.data = json.dumps(data, ensure_ascii=False)
    app.save(update_fields=["data", "updated_at"])
    audit_record(
        event_type="enterprise_startup.legacy_code_accepted", actor=actor, target=app, new={"code": code}
    )


def _full_validation(app: StartupApplication) -> dict:
    data = draft_data(app)
    errors = Errors()
    for step in STEP_ORDER:
        raw = data.get("raw", {}).get(step) or data.get(step) or {}
        clean, _w = _validate_step(app, step, raw, data, errors)
        data[step] = clean
    if errors:
        raise ValidationFailed(
            _("Some steps are incomplete. Correct the marked fields, then submit again."), fields=dict(errors)
        )
    return data


# --- co-signing -----------------------------------------------------------------------------


def confirmations_request(*, application: StartupApplication, actor) -> list[Confirmation]:
    """Ask every natural-person shareholder to confirm by signing in; the founder's own is done."""
    with transaction.atomic():
        app = StartupApplication.objects.select_for_update().select_related("region", "applicant").get(pk=application.pk)
        if app.applicant_id != actor.pk:
            raise NotAllowed(_("Only the founder who started this application can send it for confirmation."))
        if app.state not in EDITABLE:
            raise Conflict(_("This application has been submitted and can no longer be changed."))
        data = _full_validation(app)
        digest = _digest(data)
        app.confirmations.all().delete()
        own_hash = Person.objects.filter(user=actor).values_list("id_number_hash", flat=True).first()
        now = timezone.now()
        rows, seen = [], set()
        for sh in data["people"]["shareholders"]:
            if sh["kind"] != "person":
                continue
            h = keyed_hash(sh["id_number"])
            if h in seen:
                continue
            seen.add(h)
            mine = h == own_hash
            rows.append(
                Confirmation(
                    application=app,
                    name=sh["name"],
                    id_number_hash=h,
                    id_number_tail=sh["id_number"][-4:],
                    digest=digest,
                    confirmed_at=now if mine else None,
                    confirmed_by=actor if mine else None,
                )
            )
        Confirmation.objects.bulk_create(rows)
        app.content_digest = digest
        app.state = ApplicationState.CONFIRMING
        app.version += 1
        app.save(update_fields=["content_digest", "state", "version", "updated_at"])
        audit_record(event_type="enterprise_startup.confirmations_requested", actor=actor, target=app, new={"count": len(rows)})
        users = {
            p.id_number_hash: p.user
            for p in Person.objects.filter(id_number_hash__in=[r.id_number_hash for r in rows if not r.confirmed_at], user__isnull=False).select_related("user")
        }
        for r in rows:
            if r.id_number_hash in users:
                notification_send(
                    recipient=users[r.id_number_hash],
                    template="enterprise_startup.confirm",
                    context={"founder": actor.name, "name": app.reservation.full_name},
                    dedupe_key=f"enterprise_startup.confirm.{app.pk}.{digest[:12]}.{r.id_number_hash[:12]}",
                )
    return list(app.confirmations.all())


@transaction.atomic
def confirmation_sign(*, confirmation: Confirmation, user) -> Confirmation:
    """The shareholder, signed in with the account whose real-name ID matches, confirms."""
    locked = Confirmation.objects.select_for_update().select_related("application").get(pk=confirmation.pk)
    own_hash = Person.objects.filter(user=user).values_list("id_number_hash", flat=True).first()
    if own_hash is None or own_hash != locked.id_number_hash:
        raise NotAllowed(_("This confirmation is for another shareholder. Sign in with your own account."))
    app = locked.application
    if app.state != ApplicationState.CONFIRMING or app.content_digest != locked.digest:
        raise Conflict(_("The application was changed after you were asked. The founder must send it again."))
    if locked.confirmed_at is None:
        locked.confirmed_at = timezone.now()
        locked.confirmed_by = user
        locked.save(update_fields=["confirmed_at", "confirmed_by", "updated_at"])
        audit_record(event_type="enterprise_startup.confirmed", actor=user, target=app, new={"shareholder": locked.name})
    return locked


# --- submission -----------------------------------------------------------------------------


def application_submit(*, application: StartupApplication, actor):
    """Open the start-up case with its parallel department tasks (and the chosen bank's)."""
    with transaction.atomic():
        app = (
            StartupApplication.objects.select_for_update()
            .select_related("region", "reservation", "applicant")
            .get(pk=application.pk)
        )
        if app.applicant_id != actor.pk:
            raise NotAllowed(_("Only the founder who started this application can submit it."))
        if app.state not in EDITABLE:
            raise Conflict(_("This application has already been submitted."))
        data = _full_validation(app)
        if app.state != ApplicationState.CONFIRMING or app.content_digest != _digest(data):
            raise Conflict(
                _("Send the application to the shareholders for confirmation first; it was changed since.")
            )
        pending = [c.name for c in app.confirmations.all() if c.confirmed_at is None or c.digest != app.content_digest]
        if pending:
            raise Conflict(
                _("Waiting for these shareholders to confirm: %(names)s. Each signs in and confirms.")
                % {"names": "、".join(pending)}
            )
        payload = {
            "name": app.reservation.full_name,
            "enterprise_type": app.enterprise_type,
            "registered_capital": data["type"]["registered_capital"],
            "region": app.region.code,
        }
        case = case_open(process_key=PROCESS_KEY, applicant=app.applicant, region=app.region, payload=payload)
        case = case_act(case=case, action="dispatch", actor=actor, task_organisations={BANK: app.bank})
        now = case.submitted_at
        app.case = case
        app.state = ApplicationState.SUBMITTED
        app.submitted_at = now
        app.data = json.dumps({k: data[k] for k in STEP_ORDER} | {"legacy_codes": data.get("legacy_codes", [])}, ensure_ascii=False)
        app.version += 1
        app.save(update_fields=["case", "state", "submitted_at", "data", "version", "updated_at"])
        NameReservation.objects.filter(pk=app.reservation_id).update(state=ReservationState.USED)
        services = data["services"]
        Delivery.objects.create(
            application=app,
            recipient=services["recipient"]["name"],
            phone=services["recipient"].get("phone", ""),
            address=services["delivery_address"],
            items=["营业执照（纸质）", *services["seals"]],
            history=[{"state": DeliveryState.PREPARING, "at": now.isoformat()}],
        )
        audit_record(event_type="enterprise_startup.submitted", actor=actor, target=app, new={"case": case.reference})
    return case


# --- department steps -------------------------------------------------------------------------


def _required(data: dict, keys: list[str], errors: Errors) -> dict:
    out = {}
    for key in keys:
        value = str((data or {}).get(key) or "").strip()[:100]
        if not value:
            errors.add(key, _("Fill in this field to finish the step."))
        out[key] = value
    return out


def _step_result(task: CaseTask, app: StartupApplication, data: dict) -> dict:
    """The department's output, checked; ValidationFailed names the missing fields."""
    errors = Errors()
    code = task.department_code
    if code == "market_regulation":
        result = {}
    elif code == "public_security":
        result = _required(data, ["filing_number"], errors)
        seals = [s for s in (data.get("seals") or []) if s]
        result["seals"] = seals or draft_data(app)["services"]["seals"]
        result["seal_shop"] = draft_data(app)["services"]["seal_shop_name"]
    elif code == "tax":
        result = _required(data, ["taxpayer_type"], errors)
        result["invoice"] = str(data.get("invoice") or "数电发票")[:40]
    elif code == "human_resources":
        result = _required(data, ["social_insurance_number"], errors)
    elif code == "medical_insurance":
        result = _required(data, ["medical_insurance_number"], errors)
    elif code == "housing_fund":
        result = _required(data, ["housing_fund_account"], errors)
    elif code == BANK:
        result = _required(data, ["appointment_at"], errors)
        result["account_number"] = str(data.get("account_number") or "")[:40]
    else:
        result = dict(data or {})
    if errors:
        raise ValidationFailed(
            _(
                "To finish this step, enter the department's output in the marked fields "
                "(on the enterprise start-up task page, or in the data sent through the API)."
            ),
            fields=dict(errors),
        )
    return result


def step_complete(*, task: CaseTask, actor, data: dict | None = None, outcome: str = TaskState.DONE, comment: str = "") -> CaseTask:
    """A department finishes its step (the same as the generic task_complete: the process's
    on_complete hook, on_step_complete, checks the output and issues the licence)."""
    return task_complete(task=task, actor=actor, outcome=outcome, comment=comment, data=data or {})


def on_step_complete(*, case, task: CaseTask, actor, outcome: str, data: dict, comment: str, now) -> dict:
    """TaskSpec.on_complete of every start-up step, inside the engine's transaction (case and
    task rows locked): check the department's output, issue the licence when market regulation
    finishes, record the step's timing and follow the case's state. Raises ValidationFailed to
    refuse (nothing is written)."""
    app = (
        StartupApplication.objects.select_for_update()
        .select_related("region", "reservation", "applicant")
        .get(case_id=case.pk)
    )
    result = _step_result(task, app, data) if outcome == TaskState.DONE else {}
    if outcome == TaskState.DONE and task.department_code == "market_regulation":
        issued = licence_issue(application=app, actor=actor)
        result = {"credit_code": issued.credit_code, "licence_serial": issued.serial}
    app.outputs = {**app.outputs, task.department_code: result}
    app.save(update_fields=["outputs", "updated_at"])
    _record_timing(app, task)
    _follow_case(app, state=case.state, closed_at=case.closed_at)
    return result


def _record_timing(app: StartupApplication, task: CaseTask) -> None:
    if task.completed_at is None or app.submitted_at is None:
        return
    StepTiming.objects.update_or_create(
        task=task,
        defaults={
            "application": app,
            "department_code": task.department_code,
            "region": app.region,
            "working_hours": working_hours_between(app.submitted_at, task.completed_at),
            "breached": bool(task.due_at and task.completed_at > task.due_at),
            "completed_at": task.completed_at,
        },
    )


def _after_case_moved(app: StartupApplication) -> None:
    from minsheng.cases.models import Case

    state, closed_at = Case.objects.values_list("state", "closed_at").get(pk=app.case_id)
    _follow_case(app, state=state, closed_at=closed_at)


def _follow_case(app: StartupApplication, *, state: str, closed_at) -> None:
    state = (state, closed_at)
    if state[0] == "completed" and app.state != ApplicationState.COMPLETED:
        app.state = ApplicationState.COMPLETED
        app.completed_at = state[1]
        app.elapsed_working_hours = working_hours_between(app.submitted_at, state[1])
        app.save(update_fields=["state", "completed_at", "elapsed_working_hours", "updated_at"])
    elif state[0] == "rejected" and app.state != ApplicationState.REJECTED:
        app.state = ApplicationState.REJECTED
        app.completed_at = state[1]
        app.save(update_fields=["state", "completed_at", "updated_at"])


def timings_refresh(*, application: StartupApplication) -> None:
    """Record timings of steps that have none (e.g. rows written before the completion hook)."""
    with transaction.atomic():
        app = StartupApplication.objects.select_for_update().get(pk=application.pk)
        known = set(StepTiming.objects.filter(application=app).values_list("task_id", flat=True))
        for task in CaseTask.objects.filter(case_id=app.case_id, state=TaskState.DONE).exclude(pk__in=known):
            _record_timing(app, task)
        if app.case_id:
            _after_case_moved(app)


# --- the licence ------------------------------------------------------------------------------


def licence_payload(app: StartupApplication, *, credit_code: str, serial: str, issued: dt.datetime) -> dict:
    data = draft_data(app)
    people = data.get("people", {})
    addr = data.get("address", {})
    return {
        "v": 1,
        "credit_code": credit_code,
        "serial": serial,
        "name": app.reservation.full_name,
        "type": _zh(EnterpriseType(app.enterprise_type).label),
        "legal_rep": people.get("legal_rep", {}).get("name", ""),
        "capital": data.get("type", {}).get("registered_capital", ""),
        "established": timezone.localdate(issued).isoformat(),
        "address": f"江苏省连云港市{addr.get('region_name', '')}{addr.get('street', '')}",
        "authority": f"{app.region.name}市场监督管理局" if app.region.level == "county" else "连云港市市场监督管理局",
    }


def licence_issue(*, application: StartupApplication, actor, rng=None) -> BusinessLicence:
    """Assign the credit code (GB 32100) and sign the licence. Idempotent per application."""
    existing = application.licences.filter(status=LicenceStatus.VALID).first()
    if existing:
        return existing
    rng = rng or random.SystemRandom()
    entity = ENTITY_CLASS.get(application.enterprise_type, "1")
    region_code = application.region.code[:6]
    for _attempt in range(20):
        code = credit_code_generate(rng=rng, region_code=region_code, entity_class=entity)
        if not BusinessLicence.objects.filter(credit_code=code).exists():
            break
    now = timezone.now()
    serial = f"{region_code}{now:%Y%m%d}{application.pk:08d}"
    payload = licence_payload(application, credit_code=code, serial=serial, issued=now)
    signature = lic.sign(payload)
    licence = BusinessLicence.objects.create(
        application=application,
        credit_code=code,
        serial=serial,
        name=payload["name"],
        payload=payload,
        signature=signature,
        public_key=lic.public_key_hex(),
        issued_at=now,
    )
    audit_record(
        event_type="enterprise_startup.licence_issued", actor=actor, target=licence, new={"credit_code": code}
    )
    notification_send(
        recipient=application.applicant,
        template="enterprise_startup.licence",
        context={"name": payload["name"], "credit_code": code},
        dedupe_key=f"enterprise_startup.licence.{licence.serial}",
    )
    return licence


@transaction.atomic
def licence_status_set(*, licence: BusinessLicence, actor, status: str, reason: str) -> BusinessLicence:
    if status not in (LicenceStatus.CHANGED, LicenceStatus.REVOKED):
        raise ValidationFailed.for_field("status", _("Choose whether the licence was changed or revoked."))
    if not (reason or "").strip():
        raise ValidationFailed.for_field("reason", _("Write the reason; it is kept in the audit trail."))
    locked = BusinessLicence.objects.select_for_update().get(pk=licence.pk)
    old = locked.status
    locked.status = status
    locked.status_changed_at = timezone.now()
    locked.save(update_fields=["status", "status_changed_at", "updated_at"])
    audit_record(event_type="enterprise_startup.licence_status", actor=actor, target=locked, old={"status": old}, new={"status": status, "reason": reason})
    return locked


def licence_pdf(*, licence: BusinessLicence, verify_base_url: str) -> bytes:
    """The licence PDF, signed as a whole; its QR code opens ``verify_base_url`` (the public
    verification page's absolute URL) with the signed licence."""
    data = draft_data(licence.application)
    extra = {"scope": data.get("scope", {}), "status": licence.get_status_display()}
    return lic.render_pdf(payload=licence.payload, signature=licence.signature, extra=extra,
                          verify_base_url=verify_base_url)


# --- delivery and visits ----------------------------------------------------------------------


@transaction.atomic
def delivery_update(*, delivery: Delivery, actor, state: str, carrier: str = "", tracking_number: str = "") -> Delivery:
    locked = Delivery.objects.select_for_update().select_related("application__reservation").get(pk=delivery.pk)
    if state not in DELIVERY_NEXT.get(locked.state, []):
        raise Conflict(
            _("A delivery that is “%(state)s” cannot move to that state. Reload the page.")
            % {"state": locked.get_state_display()}
        )
    if state == DeliveryState.POSTED and not (tracking_number or locked.tracking_number):
        raise ValidationFailed.for_field("tracking_number", _("Enter the tracking number of the parcel."))
    old = locked.state
    locked.state = state
    locked.carrier = (carrier or locked.carrier or "中国邮政EMS")[:40]
    locked.tracking_number = (tracking_number or locked.tracking_number)[:40]
    locked.history = [*locked.history, {"state": state, "at": timezone.now().isoformat(), "by": actor.pk}]
    locked.version += 1
    locked.save(update_fields=["state", "carrier", "tracking_number", "history", "version", "updated_at"])
    audit_record(event_type="enterprise_startup.delivery", actor=actor, target=locked, old={"state": old}, new={"state": state})
    notification_send(
        recipient=locked.application.applicant,
        template="enterprise_startup.delivery",
        context={
            "name": locked.application.reservation.full_name,
            "state": _zh(DeliveryState(state).label),
            "tracking": f"{locked.carrier} {locked.tracking_number}",
        },
        dedupe_key=f"enterprise_startup.delivery.{locked.pk}.{locked.version}",
    )
    return locked


@transaction.atomic
def visit_record(*, application: StartupApplication, actor, reason: str) -> PhysicalVisit:
    """A clerk records that the founder had to come in person (the target is zero)."""
    if not (reason or "").strip():
        raise ValidationFailed.for_field("reason", _("Write why the founder had to come in person."))
    app = StartupApplication.objects.select_for_update().get(pk=application.pk)
    visit = PhysicalVisit.objects.create(application=app, at=timezone.now(), clerk=actor, reason=reason.strip()[:200])
    app.visits += 1
    app.save(update_fields=["visits", "updated_at"])
    audit_record(event_type="enterprise_startup.visit", actor=actor, target=app, new={"visits": app.visits, "reason": reason})
    return visit
