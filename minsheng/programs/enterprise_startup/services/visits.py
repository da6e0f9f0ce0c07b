"""Physical visits: a clerk records each time a founder had to come in person (the
city's target is zero)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.core.errors import ValidationFailed

from ..models import PhysicalVisit, StartupApplication


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
