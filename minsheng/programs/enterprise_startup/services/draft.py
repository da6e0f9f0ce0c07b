"""一表填报 — the founder's draft of the one form: saving a step, and the checks of all steps
before co-signing and submission (services.form has the checks of each step)."""

from __future__ import annotations

import json

from django.db import transaction
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.cases.routing import user_may
from minsheng.core.creditcode import credit_code_normalize
from minsheng.core.errors import Conflict, NotAllowed, ValidationFailed

from ..models import ApplicationState, StartupApplication
from .form import (
    STEP_ORDER,
    Errors,
    validate_address,
    validate_people,
    validate_scope,
    validate_services,
    validate_type,
)

EDITABLE = (ApplicationState.DRAFT, ApplicationState.CONFIRMING)


def draft_data(application: StartupApplication) -> dict:
    try:
        data = json.loads(application.data or "{}")
    except ValueError:
        data = {}
    return data if isinstance(data, dict) else {}


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


def draft_validate_all(app: StartupApplication) -> dict:
    """Check every step again (the people step depends on the type); the cleaned data."""
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


PROOF_TYPES = ("application/pdf", "image/jpeg", "image/png")
PROOF_FIELD = "address.proof"


def address_proof_store(*, application: StartupApplication, actor, file):
    """Store the proof of title or lease for the address step; the step then names it by id.
    A refused file (too large, not a PDF or photo by its content, active PDF content) is a
    ValidationFailed on ``address.proof`` saying why."""
    from minsheng.attachments.services import attachment_store

    if application.state not in EDITABLE:
        raise Conflict(_("This application has been submitted; its address can no longer change."),
                       code="state_changed")
    # Attached to the application: whoever may see it (officers, shareholders) sees the proof.
    return attachment_store(file=file, owner=actor, target=application, allowed_types=PROOF_TYPES,
                            field=PROOF_FIELD)
