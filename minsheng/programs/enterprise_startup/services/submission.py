"""Co-signing by the shareholders, then submission: the one case with its parallel
department tasks (and the chosen bank's), and the postal delivery of licence and seals."""

from __future__ import annotations

import hashlib
import json

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.cases.services import case_act, case_open
from minsheng.core.errors import Conflict, NotAllowed
from minsheng.identity.crypto import keyed_hash
from minsheng.identity.models import Person
from minsheng.notifications.services import notification_send

from .. import licence as lic
from ..models import (
    ApplicationState,
    Confirmation,
    Delivery,
    DeliveryState,
    NameReservation,
    ReservationState,
    StartupApplication,
)
from ..processes import BANK, PROCESS_KEY
from .draft import EDITABLE, draft_validate_all
from .form import STEP_ORDER


def form_digest(data: dict) -> str:
    """What the shareholders confirm: a hash of the form's checked steps."""
    return hashlib.sha256(lic.canonical({k: data.get(k) for k in STEP_ORDER})).hexdigest()


def confirmations_request(*, application: StartupApplication, actor) -> list[Confirmation]:
    """Ask every natural-person shareholder to confirm by signing in; the founder's own is done."""
    with transaction.atomic():
        app = StartupApplication.objects.select_for_update().select_related("region", "applicant").get(pk=application.pk)
        if app.applicant_id != actor.pk:
            raise NotAllowed(_("Only the founder who started this application can send it for confirmation."))
        if app.state not in EDITABLE:
            raise Conflict(_("This application has been submitted and can no longer be changed."))
        data = draft_validate_all(app)
        digest = form_digest(data)
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
        data = draft_validate_all(app)
        if app.state != ApplicationState.CONFIRMING or app.content_digest != form_digest(data):
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
