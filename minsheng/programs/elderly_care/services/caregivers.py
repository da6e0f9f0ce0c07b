"""养老护理员 — a provider's administrator invites caregivers by mobile number, keeps their
qualification on record, and deactivates them.

The account and the ``caregiver`` role come from staff administration
(minsheng.identity.services.staff): ``staff_invite`` finds or creates the account by phone,
gives the role and sends the SMS; ``staff_role_revoke`` takes it away. Those check who may
give the role: the ``provider_admin`` role declares that it gives ``caregiver`` within its own
provider (``access.grant:caregiver``); this module adds the caregiver's record.
"""

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from minsheng.access.models import Organisation, RoleAssignment
from minsheng.audit.services import audit_record
from minsheng.core.errors import Conflict, NotAllowed, ValidationFailed
from minsheng.identity.services.staff import staff_invite, staff_role_revoke

from ..models import Caregiver, CareSchedule, OrderStatus, Qualification, WorkOrder
from ..selectors_setup import provider_admin_ids

ROLE = "caregiver"


def _administers(actor, provider: Organisation) -> None:
    if not (actor.is_superuser or provider.pk in provider_admin_ids(user=actor)):
        raise NotAllowed(_("You manage the caregivers of your own provider only."))


def _record_fields(qualification: str, certificate_number: str, certificate_valid_to) -> dict:
    if qualification not in Qualification.values:
        raise ValidationFailed.for_field("qualification", _("Choose the caregiver's qualification from the list."))
    certificate_number = (certificate_number or "").strip()
    if qualification != Qualification.NONE and not certificate_number:
        raise ValidationFailed.for_field(
            "certificate_number", _("Enter the certificate number, or choose “no certificate yet”.")
        )
    return {"qualification": qualification, "certificate_number": certificate_number[:40],
            "certificate_valid_to": certificate_valid_to}


@transaction.atomic
def caregiver_invite(
    *, actor, provider: Organisation, phone: str, name: str, qualification: str = Qualification.NONE,
    certificate_number: str = "", certificate_valid_to: dt.date | None = None, site_url: str = "",
) -> Caregiver:
    """Invite a caregiver by mobile number: the account (found or created) gets the caregiver
    role at the provider and an SMS; the caregiver's record keeps the qualification.
    A caregiver deactivated before is taken on again. ``site_url`` is the address the link in
    the SMS starts with (the page's own host; the setting ``SITE_URL`` when empty)."""
    _administers(actor, provider)
    if not provider.is_active:
        raise ValidationFailed(_("Your provider is suspended; it cannot take on caregivers until reinstated."))
    values = _record_fields(qualification, certificate_number, certificate_valid_to)
    assignment = staff_invite(actor=actor, phone=phone, name=name, role_code=ROLE, organisation=provider,
                              region=provider.region, site_url=site_url)
    user = assignment.user
    record = Caregiver.objects.select_for_update().filter(user=user).first()
    if record is not None and record.provider_id != provider.pk:
        raise Conflict(
            _("This person works as a caregiver for another provider. They must leave it before joining yours."),
            code="duplicate",
        )
    if record is not None and record.is_active:
        raise Conflict(_("This person is already one of your caregivers."), code="duplicate")
    if record is None:
        record = Caregiver.objects.create(user=user, provider=provider, **values)
    else:
        for field, value in values.items():
            setattr(record, field, value)
        record.is_active = True
        record.save(update_fields=[*values, "is_active", "updated_at"])
    audit_record(event_type="elderly_care.caregiver_invite", actor=actor, target=record,
                 new={"provider": provider.pk, "qualification": values["qualification"]})
    return record


@transaction.atomic
def caregiver_update(
    *, actor, caregiver: Caregiver, qualification: str, certificate_number: str = "",
    certificate_valid_to: dt.date | None = None,
) -> Caregiver:
    """Keep the caregiver's qualification and certificate up to date."""
    _administers(actor, caregiver.provider)
    values = _record_fields(qualification, certificate_number, certificate_valid_to)
    old = {f: str(getattr(caregiver, f) or "") for f in values}
    for field, value in values.items():
        setattr(caregiver, field, value)
    caregiver.save(update_fields=[*values, "updated_at"])
    audit_record(event_type="elderly_care.caregiver_update", actor=actor, target=caregiver, old=old,
                 new={f: str(v or "") for f, v in values.items()})
    return caregiver


@transaction.atomic
def caregiver_deactivate(*, actor, caregiver: Caregiver, reason: str = "") -> Caregiver:
    """Take a caregiver off the provider's list: the caregiver role at the provider is taken away
    and the visits still planned for them (and their recurring schedules) go back to the provider
    to dispatch again."""
    _administers(actor, caregiver.provider)
    if not caregiver.is_active:
        raise Conflict(_("This caregiver is already deactivated."), code="state_changed")
    for assignment in RoleAssignment.objects.filter(
        user=caregiver.user, role_id=ROLE, organisation=caregiver.provider
    ).select_related("organisation", "region", "user"):
        staff_role_revoke(actor=actor, assignment=assignment)
    returned = WorkOrder.objects.filter(caregiver=caregiver, status=OrderStatus.DISPATCHED).update(
        caregiver=None, status=OrderStatus.PLANNED
    )
    CareSchedule.objects.filter(caregiver=caregiver).update(caregiver=None)
    Caregiver.objects.filter(pk=caregiver.pk).update(is_active=False)
    caregiver.is_active = False
    audit_record(event_type="elderly_care.caregiver_deactivate", actor=actor, target=caregiver,
                 old={"is_active": True},
                 new={"is_active": False, "visits_returned": returned, "reason": (reason or "").strip()[:500]})
    return caregiver
