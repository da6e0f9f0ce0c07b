"""The electronic business licence: the credit code (GB 32100), the signed payload, its
status and its PDF. Signing and the PDF itself are in the program's ``licence`` module."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.access.principal import held_assignments
from minsheng.audit.services import audit_record
from minsheng.core.creditcode import credit_code_generate
from minsheng.core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from minsheng.notifications.services import notification_send

from .. import licence as lic
from ..models import BusinessLicence, EnterpriseType, LicenceStatus, StartupApplication
from .draft import draft_data

ENTITY_CLASS = {EnterpriseType.INDIVIDUAL: "2", EnterpriseType.COOPERATIVE: "3"}


def _zh(value) -> str:
    from django.utils import translation

    with translation.override("zh-hans"):
        return str(value)


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
    if old != LicenceStatus.VALID:
        raise Conflict(_("This licence is already %(status)s.") % {"status": locked.get_status_display()})
    locked.status = status
    locked.status_changed_at = timezone.now()
    locked.save(update_fields=["status", "status_changed_at", "updated_at"])
    audit_record(event_type="enterprise_startup.licence_status", actor=actor, target=locked, old={"status": old}, new={"status": status, "reason": reason})
    return locked


REGISTRAR_ROLES = ("case_officer", "department_head")


def licence_registrar(*, user, application: StartupApplication) -> bool:
    """A market-regulation officer (or head) whose region covers the application: the one who
    may record that its licence was changed or revoked."""
    if user.is_superuser:
        return True
    prefix = application.region.prefix
    return any(
        a.organisation.department_code == "market_regulation" and prefix.startswith(a.region.prefix)
        for a in held_assignments(user=user, roles=REGISTRAR_ROLES)
    )


def licence_status_record(*, user, application: StartupApplication, status: str, reason: str) -> BusinessLicence:
    """Market regulation records that the application's current licence was changed (a new
    one supersedes it) or revoked; the page and the API call this one function."""
    if not licence_registrar(user=user, application=application):
        raise NotAllowed(_("Only market regulation, for this district, can change or revoke a business licence."))
    current = application.licences.order_by("-issued_at").first()
    if current is None:
        raise NotFound(_("No licence has been issued for this application yet."))
    return licence_status_set(licence=current, actor=user, status=status, reason=reason)


def licence_pdf(*, licence: BusinessLicence, verify_base_url: str) -> bytes:
    """The licence PDF, signed as a whole; its QR code opens ``verify_base_url`` (the public
    verification page's absolute URL) with the signed licence."""
    data = draft_data(licence.application)
    extra = {"scope": data.get("scope", {}), "status": licence.get_status_display()}
    return lic.render_pdf(payload=licence.payload, signature=licence.signature, extra=extra,
                          verify_base_url=verify_base_url)
