"""回访 — a reproducible monthly sample of verified visits, the calls, and rectification."""

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.access.models import RoleAssignment
from minsheng.audit.services import audit_record
from minsheng.core.errors import Conflict, ValidationFailed
from minsheng.draws.algorithm import draw_order, new_seed

from .. import notices
from ..models import CallResult, FollowUpCall, FollowUpSample, OrderStatus, Rectification, WorkOrder
from .periods import day_bounds, month_end, month_start


def followup_population(*, month: date) -> list[str]:
    lo, hi = day_bounds(month_start(month), month_end(month) + timedelta(days=1))
    ids = WorkOrder.objects.filter(
        planned_start__gte=lo, planned_start__lt=hi, status=OrderStatus.VERIFIED
    ).values_list("id", flat=True)
    return [f"WO{i:012d}" for i in ids.iterator(chunk_size=20000)]


def followup_draw(*, month: date, size: int, actor=None, seed: str | None = None) -> FollowUpSample:
    """Draw ``size`` verified visits of ``month`` for a callback (minsheng.draws ordering: anyone
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


def rectification_open(*, order: WorkOrder, reason: str, actor, follow_up=None) -> Rectification:
    """Open a rectification case: the provider gets a task with a deadline (working days) to put
    it right and write a report; civil affairs then accepts the report or sends it back.

    Call inside the caller's transaction (followup_record does)."""
    from minsheng.cases.services import case_act, case_open

    from ..processes import PROVIDER_TASK, RECTIFICATION

    order = WorkOrder.objects.select_related("provider", "region").get(pk=order.pk)
    case = case_open(
        process_key=RECTIFICATION,
        applicant=actor,
        region=order.region,
        payload={"work_order": order.pk, "reason": reason},
    )
    case = case_act(
        case=case,
        action="assign",
        actor=actor,
        task_organisations={PROVIDER_TASK: order.provider},
    )
    provider_task = case.tasks.get(department_code=PROVIDER_TASK)
    task = Rectification.objects.create(
        provider_id=order.provider_id,
        work_order=order,
        follow_up=follow_up,
        reason=reason,
        due_at=provider_task.due_at,
        case=case,
    )
    audit_record(
        event_type="elderly_care.rectification_open",
        actor=actor,
        target=task,
        new={"order": order.pk, "due": provider_task.due_at.isoformat(), "case": case.reference},
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
                "due": f"{timezone.localtime(provider_task.due_at):%Y-%m-%d %H:%M}",
            },
            dedupe_key=f"ec-rect-{task.pk}-{assignment.user_id}",
        )
    return task


def on_report_complete(*, case, task, actor, outcome, data, comment, now) -> dict | None:
    """The provider finished its rectification task: a written report is required."""
    report = (data or {}).get("report", "") or comment or ""
    if not str(report).strip():
        raise ValidationFailed.for_field("report", _("Describe what was done to put it right."))
    rect = Rectification.objects.get(case=case)
    rect.response = str(report).strip()
    rect.save(update_fields=["response", "updated_at"])
    audit_record(
        event_type="elderly_care.rectification_report",
        actor=actor,
        target=rect,
        new={"outcome": outcome},
    )
    return {"report": rect.response}


def rectification_open_task(rect: Rectification):
    """The provider's open task on the rectification case, or None."""
    from minsheng.cases.models import OPEN_TASK_STATES

    from ..processes import PROVIDER_TASK

    return (
        rect.case.tasks.filter(department_code=PROVIDER_TASK, state__in=OPEN_TASK_STATES)
        .order_by("-round")
        .first()
    )


def rectification_respond(*, task: Rectification, actor, response: str) -> Rectification:
    """The provider's written report: completes its case task (the case goes to civil affairs)."""
    from minsheng.cases.services import task_complete

    if not response.strip():
        raise ValidationFailed.for_field("response", _("Describe what was done to put it right."))
    case_task = rectification_open_task(task) if task.case_id else None
    if case_task is None:
        raise Conflict(_("This rectification has already been completed."), code="state_changed")
    task_complete(task=case_task, actor=actor, outcome="done", data={"report": response})
    task.refresh_from_db()
    return task


def rectification_review(
    *, task: Rectification, actor, accept: bool, note: str = ""
) -> Rectification:
    """Civil affairs accepts the provider's report, or sends it back with a reason."""
    from minsheng.cases.services import case_act

    from ..processes import PROVIDER_TASK

    case_act(
        case=task.case,
        action="accept" if accept else "send_back",
        actor=actor,
        comment=note,
        task_organisations=None if accept else {PROVIDER_TASK: task.provider},
    )
    task.case.refresh_from_db()
    return task
