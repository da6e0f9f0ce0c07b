"""The publicly verifiable lottery of an application window.

The window's seed hash is committed (core.draws) when the window is created.
At close the applicants' reference numbers are published as a canonical list
(and its hash); the seed is then revealed and the draw orders the references
by SHA-256(seed ":" reference). Per offering and day, applicants are taken in
(priority group, draw order); siblings applying through the same guardian move
as one unit at their best member's position. Anyone re-runs the order with
``manage.py draw_verify`` / ``minsheng.core.draws.algorithm.draw_order``.
"""

from collections import defaultdict
from datetime import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from minsheng.audit.services import audit_record
from minsheng.core.errors import Conflict, ErrorCode

from .models import (
    Allocation,
    Application,
    ApplicationState,
    ApplicationWindow,
    LotteryState,
    OfferingDay,
    SeatRequest,
    SeatState,
)


def _candidates(window: ApplicationWindow) -> list[str]:
    return list(
        Application.objects.filter(
            window=window, state=ApplicationState.SUBMITTED, offering__allocation=Allocation.LOTTERY
        ).values_list("reference", flat=True)
    )


def lottery_order(*, window: ApplicationWindow, actor=None) -> list[str]:
    """Publish the applicant list, reveal the committed seed, run the draw (or reuse its result)."""
    from minsheng.core.draws.models import DrawState, PublishedDraw
    from minsheng.core.draws.services import draw_publish_candidates, draw_reveal_and_run

    draw = PublishedDraw.objects.get(pk=window.draw_id)
    if draw.state == DrawState.DRAWN:
        return list(draw.result)
    if draw.state == DrawState.COMMITTED:
        draw = draw_publish_candidates(draw=draw, public_ids=_candidates(window), actor=actor)
    return list(draw_reveal_and_run(draw=draw, actor=actor))


def allocate_day(*, seats: list[tuple], free: int, window: ApplicationWindow, rank: dict[str, int]):
    """Pure allocation of one (offering, day): returns (admitted ids, [(id, position, draw_rank)]).

    ``seats`` rows are (seat id, guardian id, grade, dual_working, reference).
    """
    units: dict = defaultdict(list)
    for row in seats:
        key = ("g", row[1]) if window.keep_siblings_together else ("s", row[0])
        units[key].append(row)

    def priority(row):
        return (
            row[2] if window.lower_grades_first else 0,
            0 if (row[3] or not window.dual_working_first) else 1,
            rank.get(row[4], len(rank)),
        )

    ordered = sorted((min(priority(r) for r in members), members) for members in units.values())
    admitted, waitlisted = [], []
    for _key, members in ordered:
        members.sort(key=priority)
        if len(members) <= free:
            admitted.extend(r[0] for r in members)
            free -= len(members)
        else:
            for r in members:
                waitlisted.append((r[0], len(waitlisted) + 1, rank.get(r[4], len(rank)) + 1))
    return admitted, waitlisted


def lottery_run(*, window: ApplicationWindow, actor=None, now: datetime | None = None) -> dict:
    """Allocate every lottery offering of a closed window; progress is kept on the window."""
    now = now or timezone.now()
    with transaction.atomic():
        window = ApplicationWindow.objects.select_for_update().get(pk=window.pk)
        if now < window.closes_at:
            raise Conflict(_("The lottery runs only after the application window has closed."),
                           code=ErrorCode.STATE_CHANGED)
        if window.lottery_state == LotteryState.DONE:
            raise Conflict(_("The lottery of this window has already been run."), code=ErrorCode.STATE_CHANGED)
        window.lottery_state = LotteryState.RUNNING
        window.lottery_started_at = timezone.now()
        window.save(update_fields=["lottery_state", "lottery_started_at"])
    try:
        order = lottery_order(window=window, actor=actor)
        rank = {ref: i for i, ref in enumerate(order)}
        rows = SeatRequest.objects.filter(
            application__window=window, state=SeatState.PENDING,
            application__offering__allocation=Allocation.LOTTERY,
        ).values_list("pk", "day_id", "application__guardian_id", "application__grade_level",
                      "application__dual_working", "application__reference")
        by_day: dict[int, list[tuple]] = defaultdict(list)
        for pk, day_id, guardian, grade, dual, ref in rows.iterator(chunk_size=20000):
            by_day[day_id].append((pk, guardian, grade, dual, ref))
        ApplicationWindow.objects.filter(pk=window.pk).update(lottery_total=len(by_day), lottery_done=0)
        admitted_total = waitlisted_total = 0
        for done, day_id in enumerate(sorted(by_day), start=1):
            with transaction.atomic():
                day = OfferingDay.objects.select_for_update().get(pk=day_id)
                admitted, waitlisted = allocate_day(
                    seats=by_day[day_id], free=max(0, day.capacity - day.taken), window=window, rank=rank)
                for i in range(0, len(admitted), 5000):
                    SeatRequest.objects.filter(pk__in=admitted[i:i + 5000], state=SeatState.PENDING).update(
                        state=SeatState.ADMITTED)
                SeatRequest.objects.bulk_update(
                    [SeatRequest(pk=pk, state=SeatState.WAITLISTED, waitlist_position=pos, draw_position=dp)
                     for pk, pos, dp in waitlisted], ["state", "waitlist_position", "draw_position"],
                    batch_size=2000)
                day.taken += len(admitted)
                day.save(update_fields=["taken"])
            admitted_total += len(admitted)
            waitlisted_total += len(waitlisted)
            if done % 20 == 0 or done == len(by_day):
                ApplicationWindow.objects.filter(pk=window.pk).update(lottery_done=done)
        with transaction.atomic():
            base = Application.objects.filter(window=window, state=ApplicationState.SUBMITTED)
            base.filter(Exists(SeatRequest.objects.filter(application=OuterRef("pk"), state=SeatState.ADMITTED))
                        ).update(state=ApplicationState.ADMITTED, updated_at=timezone.now())
            base.filter(Exists(SeatRequest.objects.filter(application=OuterRef("pk"), state=SeatState.WAITLISTED))
                        ).update(state=ApplicationState.WAITLISTED, updated_at=timezone.now())
            ApplicationWindow.objects.filter(pk=window.pk).update(
                lottery_state=LotteryState.DONE, lottery_finished_at=timezone.now())
            summary = {"applicants": len(order), "admitted": admitted_total, "waitlisted": waitlisted_total}
            audit_record(event_type="after_school.lottery", actor=actor, target=window, new=summary)
        return summary
    except Exception:
        ApplicationWindow.objects.filter(pk=window.pk).update(lottery_state=LotteryState.FAILED)
        raise


@task(queue_name="default")
def lottery_task(window_id: int, actor_id: int | None = None) -> dict:
    from django.contrib.auth import get_user_model

    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    return lottery_run(window=ApplicationWindow.objects.get(pk=window_id), actor=actor)


def lottery_start(*, window: ApplicationWindow, actor, now: datetime | None = None) -> None:
    """Queue the lottery in the background (after this transaction commits)."""
    now = now or timezone.now()
    if now < window.closes_at:
        raise Conflict(_("The lottery runs only after the application window has closed."),
                       code=ErrorCode.STATE_CHANGED)
    if window.lottery_state in (LotteryState.RUNNING, LotteryState.DONE):
        raise Conflict(_("The lottery of this window is running or done."), code=ErrorCode.STATE_CHANGED)
    audit_record(event_type="after_school.lottery_start", actor=actor, target=window)
    transaction.on_commit(lambda: lottery_task.enqueue(window.pk, getattr(actor, "pk", None)))
