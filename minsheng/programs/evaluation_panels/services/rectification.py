"""整改 review by the panel office: a report that does not answer the panel's reasons is sent
back to the lead unit (the case returns to ``report_due``); one that does is accepted by
scheduling the re-evaluation (``rectification_reevaluate``)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.core.errors import Conflict, ValidationFailed

from .. import notices, processes
from ..models import RectificationOrder, RectificationStatus
from ..selectors import unit_officers
from .evaluations import _by, rectification_sync


def rectification_return(*, order: RectificationOrder, reason: str, actor) -> RectificationOrder:
    """Send the lead unit's report back with the reason; the unit reports again (a new deadline on
    the case's working-day calendar), and its officers are told."""
    from minsheng.cases.services import case_act
    from minsheng.notifications.services import notification_send

    if len((reason or "").strip()) < 5:
        raise ValidationFailed.for_field(
            "reason", _("Say what the report lacks, so the lead unit knows what to add (at least 5 characters)."))
    order = rectification_sync(order=order)
    with transaction.atomic():
        locked = RectificationOrder.objects.select_for_update(of=("self",)).select_related("case", "project").get(pk=order.pk)
        if locked.status != RectificationStatus.REPORTED:
            raise Conflict(_("Only a submitted report can be sent back; this order is “%(state)s”.")
                           % {"state": locked.get_status_display()}, code="state_changed")
        if locked.case_id and locked.case.state == processes.REPORTED:
            case_act(case=locked.case, action="return_report", actor=locked.case.applicant,
                     comment=reason.strip(), data=_by(actor))
            locked.case.refresh_from_db()
            if locked.case.due_at:
                locked.deadline_at = locked.case.due_at
                locked.deadline_provisional = locked.case.due_provisional
        locked.status = RectificationStatus.OPEN
        locked.returned_reason = reason.strip()
        locked.returned_at = timezone.now()
        locked.save(update_fields=["status", "returned_reason", "returned_at", "deadline_at", "deadline_provisional",
                                   "updated_at"])
        audit_record(event_type="evaluation_panels.rectification_return", actor=actor, target=locked,
                     old={"status": RectificationStatus.REPORTED},
                     new={"status": RectificationStatus.OPEN, "reason": locked.returned_reason,
                          "deadline": locked.deadline_at.isoformat()})
        for user in unit_officers(organisation=locked.lead_unit):
            notification_send(
                recipient=user, template=notices.RECTIFICATION_RETURNED,
                context={"project": locked.project.title, "reason": locked.returned_reason,
                         "deadline": timezone.localtime(locked.deadline_at).strftime("%Y-%m-%d")},
                dedupe_key=f"ep-rectify-return-{locked.pk}-{locked.returned_at.timestamp()}-{user.pk}",
            )
    return locked
