"""老弱病残孕 — the disability, serious illness or pregnancy a person records for priority at
the halls' queues (age comes from the birth date). The person declares it on their page or
through the API; the clerk checks the certificate at the window, as for any priority number."""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.core.errors import NotAllowed, ValidationFailed

from ..models import PriorityFlags

PREGNANCY_MAX_DAYS = 300  # a due date further away than this is a typing mistake


def priority_flags_set(*, person, actor, disabled: bool, ill: bool, pregnant_until: date | None) -> PriorityFlags:
    """Record (or clear) the person's own priority flags; every change is audited."""
    if person is None:
        raise NotAllowed(_("Verify your real name first; priority is kept on your real-name record."))
    today = timezone.localdate()
    if pregnant_until is not None and not today <= pregnant_until <= today + timedelta(days=PREGNANCY_MAX_DAYS):
        raise ValidationFailed.for_field("pregnant_until", _(
            "Enter the expected date of delivery, from today to within ten months."))
    with transaction.atomic():
        flags, _created = PriorityFlags.objects.select_for_update().get_or_create(person=person)
        old = {"disabled": flags.disabled, "ill": flags.ill,
               "pregnant_until": flags.pregnant_until.isoformat() if flags.pregnant_until else None}
        flags.disabled, flags.ill, flags.pregnant_until = bool(disabled), bool(ill), pregnant_until
        flags.save(update_fields=["disabled", "ill", "pregnant_until", "updated_at"])
        audit_record(event_type="service_halls.priority_flags", actor=actor, target=flags, old=old,
                     new={"disabled": flags.disabled, "ill": flags.ill,
                          "pregnant_until": pregnant_until.isoformat() if pregnant_until else None})
    return flags
