"""回访 — a reproducible monthly sample of verified visits, the calls, and rectification."""

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.access.models import RoleAssignment
from minsheng.audit.services import audit_record
from minsheng.core.calendar import add_working_days
from minsheng.core.draws.algorithm import draw_order, new_seed
from minsheng.core.errors import Conflict, ValidationFailed

from .. import notices
from ..models import CallResult, FollowUpCall, FollowUpSample, OrderStatus, Rectification, WorkOrder
from .anomalies import _bounds
from .registry import month_end, month_start

RECTIFY_WORKING_DAYS = 5


def followup_population(*, month: date) -> list[str]:
    lo, hi = _bounds(month_start(month), month_end(month) + timedelta(days=1))
    ids = WorkOrder.objects.filter(
        planned_start__gte=lo, planned_start__lt=hi, status=OrderStatus.VERIFIED
    ).values_list("id", flat=True)
    return [f"WO{i:012d}" for i in ids.iterator(chunk_size=20000)]


def followup_draw(*, month: date, size: int, actor=None, seed: str | None = None) -> FollowUpSample:
    """Draw ``size`` verified visits of ``month`` for a callback (core.draws ordering: anyone
    with the seed and the list of visit ids gets the same sample). One sample per month."""
    if size <= 0:
        raise ValidationFailed.for_field(
            "size", _("Enter how many visits to call back (at least 1).")
        )
    month = month_start(month)
    if FollowUpSample.objects.filter(month=month).exists():
        raise Conflict(
            _("The follow-up sample for this month has already been drawn."), code="duplicate"
        )
    population = followup_population(month=month)
    if not population:
        raise ValidationFailed.for_field(
            "month", _("There are no verified visits in this month to sample.")
        )
    seed = seed or new_seed()
    chosen = draw_order(seed, population)[:size]
    try:
        with transaction.atomic():
            sample = FollowUpSample.objects.create(
                month=month, seed=seed, size=len(chosen), population=len(population), drawn_by=actor
            )
            FollowUpCall.objects.bulk_create(
                [
                    FollowUpCall(sample=sample, work_order_id=int(pid[2:]), position=n)
                    for n, pid in enumerate(chosen, start=1)
                ]
            )
            audit_record(
                event_type="elderly_care.followup_draw",
                actor=actor,
                target=sample,
                new={"seed": seed, "size": len(chosen), "population": len(population)},
            )
    except IntegrityError:
        raise Conflict(
            _("The follow-up sample for this month has already been drawn."), code="duplicate"
        ) from None
    return sample


def followup_record(
    *, call: FollowUpCall, actor, result: str, satisfaction: int | None = None, note: str = ""
) -> FollowUpCall:
    """Record a callback. A bad result opens a rectification task for the provider."""
    if result not in CallResult.values or result == CallResult.PENDING:
        raise ValidationFailed.for_field("result", _("Choose the result of the call."))
    if satisfaction is not None and not 1 <= satisfaction <= 5:
        raise ValidationFailed.for_field("satisfaction", _("Satisfaction is a number from 1 to 5."))
    if result == CallResult.BAD and not note.strip():
        raise ValidationFailed.for_field(
            "note", _("Write down what the elder or family said went wrong.")
        )
    with transaction.atomic():
        call = (
            FollowUpCall.objects.select_for_update(of=("self",))
            .select_related("work_order")
            .get(pk=call.pk)
        )
        if call.result != CallResult.PENDING:
            raise Conflict(
                _("The result of this call has already been recorded."), code="state_changed"
            )
        call.result, call.satisfaction, call.note = result, satisfaction, note
        call.called_by, call.called_at = actor, timezone.now()
        call.save(
            update_fields=["result", "satisfaction", "note", "called_by", "called_at", "updated_at"]
        )
        audit_record(
            event_type="elderly_care.followup_record",
            actor=actor,
            target=call,
            new={"result": result},
        )
        if result == CallResult.BAD:
            rectification_open(order=call.work_order, follow_up=call, reason=note, actor=actor)
    return call


def rectification_open(
    *, order: WorkOrder, reason: str, actor=None, follow_up=None
) -> Rectification:
    due = add_working_days(timezone.now(), RECTIFY_WORKING_DAYS).at
    task = Rectification.objects.create(
        provider_id=order.provider_id,
        work_order=order,
        follow_up=follow_up,
        reason=reason,
        due_at=due,
    )
    audit_record(
        event_type="elderly_care.rectification_open",
        actor=actor,
        target=task,
        new={"order": order.pk, "due": due.isoformat()},
    )
    admins = RoleAssignment.objects.filter(
        role_id="provider_admin", organisation_id=order.provider_id
    ).select_related("user")
    for assignment in admins:
        notices.send(
            recipient=assignment.user,
            template="elderly_care.rectification",
            context={
                "order": order.pk,
                "reason": reason,
                "due": f"{timezone.localtime(due):%Y-%m-%d %H:%M}",
            },
            dedupe_key=f"ec-rect-{task.pk}-{assignment.user_id}",
        )
    return task


def rectification_respond(*, task: Rectification, actor, response: str) -> Rectification:
    if not response.strip():
        raise ValidationFailed.for_field("response", _("Describe what was done to put it right."))
    with transaction.atomic():
        task = Rectification.objects.select_for_update().get(pk=task.pk)
        if task.status == "done":
            raise Conflict(
                _("This rectification has already been completed."), code="state_changed"
            )
        task.status, task.response = "done", response
        task.save(update_fields=["status", "response", "updated_at"])
        audit_record(event_type="elderly_care.rectification_done", actor=actor, target=task)
    return task
