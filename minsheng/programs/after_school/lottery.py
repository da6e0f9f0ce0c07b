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

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef
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


def _batches(by_day: dict[int, list], size: int) -> list[list[int]]:
    """Group day ids (in id order) into batches of about ``size`` seat requests."""
    batches, current, rows = [], [], 0
    for day_id in sorted(by_day):
        current.append(day_id)
        rows += len(by_day[day_id])
        if rows >= size:
            batches.append(current)
            current, rows = [], 0
    if current:
        batches.append(current)
    return batches


def _write_postgresql(results: list[tuple]) -> None:
    """COPY (seat id, state, waitlist position, draw position) into a temporary table, then one
    UPDATE … FROM that also adds the admitted seats to their days' ``taken``. Only seats still
    pending change (a seat withdrawn meanwhile keeps its state and takes no place)."""
    seats, days = SeatRequest._meta.db_table, OfferingDay._meta.db_table
    with connection.cursor() as cur:
        cur.execute("CREATE TEMPORARY TABLE as_lottery_rows (id bigint, state varchar(10), wp integer, dp integer) "
                    "ON COMMIT DROP")
        with cur.cursor.copy("COPY as_lottery_rows (id, state, wp, dp) FROM STDIN") as copy:
            for row in results:
                copy.write_row(row[:4])
        cur.execute(
            f"WITH u AS (UPDATE {seats} AS s SET state = r.state, waitlist_position = r.wp, "  # noqa: S608
            f"draw_position = r.dp FROM as_lottery_rows AS r WHERE s.id = r.id AND s.state = %s "
            f"RETURNING s.day_id, s.state) "
            f"UPDATE {days} AS d SET taken = d.taken + c.n FROM "
            f"(SELECT day_id, count(*) AS n FROM u WHERE state = %s GROUP BY day_id) AS c WHERE d.id = c.day_id",
            [SeatState.PENDING.value, SeatState.ADMITTED.value],
        )
        cur.execute("DROP TABLE as_lottery_rows")  # ON COMMIT DROP does not fire inside a savepoint


def _write_orm(results: list[tuple]) -> None:
    """The same writes without COPY (SQLite): bulk updates of the seats still pending."""
    pending: set[int] = set()
    ids = [r[0] for r in results]
    for i in range(0, len(ids), 5000):
        pending.update(SeatRequest.objects.filter(pk__in=ids[i:i + 5000], state=SeatState.PENDING)
                       .values_list("pk", flat=True))
    rows = [r for r in results if r[0] in pending]
    SeatRequest.objects.bulk_update(
        [SeatRequest(pk=pk, state=state, waitlist_position=wp, draw_position=dp) for pk, state, wp, dp, _d in rows],
        ["state", "waitlist_position", "draw_position"], batch_size=5000)
    per_day: dict[int, int] = defaultdict(int)
    for r in rows:
        if r[1] == SeatState.ADMITTED:
            per_day[r[4]] += 1
    for day_id, n in per_day.items():
        OfferingDay.objects.filter(pk=day_id).update(taken=F("taken") + n)


def lottery_run(*, window: ApplicationWindow, actor=None, now: datetime | None = None) -> dict:
    """Allocate every lottery offering of a closed window; progress is kept on the window.

    The draw orders all candidates once; the seat requests are read in one pass, allocated
    in memory per (offering, day) and written in a few large transactions (PostgreSQL:
    COPY into a temporary table and one UPDATE … FROM), each recording progress.
    """
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
        admitted_total = waitlisted_total = done = 0
        postgres = connection.vendor == "postgresql"
        for batch in _batches(by_day, int(getattr(settings, "AFTER_SCHOOL_LOTTERY_BATCH", 250_000))):
            with transaction.atomic():
                # The batch's day rows are locked (in id order) while their places are given out.
                free = {d.pk: max(0, d.capacity - d.taken)
                        for d in OfferingDay.objects.select_for_update().filter(pk__in=batch).order_by("pk")}
                results = []
                for day_id in batch:
                    admitted, waitlisted = allocate_day(
                        seats=by_day.pop(day_id), free=free[day_id], window=window, rank=rank)
                    results += [(pk, SeatState.ADMITTED.value, None, None, day_id) for pk in admitted]
                    results += [(pk, SeatState.WAITLISTED.value, pos, dp, day_id) for pk, pos, dp in waitlisted]
                if postgres:
                    _write_postgresql(results)
                else:
                    _write_orm(results)
                admitted_total += sum(1 for r in results if r[1] == SeatState.ADMITTED)
                waitlisted_total += sum(1 for r in results if r[1] == SeatState.WAITLISTED)
                done += len(batch)
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
