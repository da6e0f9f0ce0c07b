"""The publicly verifiable lottery of an application window.

The window's seed hash is committed (minsheng.draws) when the window is created.
At close the applicants' reference numbers are published as a canonical list
(and its hash); the seed is then revealed and the draw orders the references
by SHA-256(seed ":" reference). Per offering and day, applicants are taken in
(priority group, draw order); siblings applying through the same guardian move
as one unit at their best member's position. Anyone re-runs the order with
``manage.py draw_verify`` / ``minsheng.draws.algorithm.draw_order``.
"""

from collections import defaultdict
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.core.errors import Conflict, ErrorCode

from .. import notices
from ..models import (
    LOTTERY_TRANSITIONS,
    WEEKDAY_NAMES,
    Allocation,
    Application,
    ApplicationState,
    ApplicationWindow,
    LotteryState,
    OfferingDay,
    SeatRequest,
    SeatState,
)
from ..selectors.eligibility import guardian_relations


def _candidates(window: ApplicationWindow) -> list[str]:
    return list(
        Application.objects.filter(
            window=window, state=ApplicationState.SUBMITTED, offering__allocation=Allocation.LOTTERY
        ).values_list("reference", flat=True)
    )


def _transition(window: ApplicationWindow, action: str) -> str:
    """Move a locked window's lottery along a declared transition (``LOTTERY_TRANSITIONS``);
    refused from any other state. Returns the state it left (the caller saves and audits)."""
    t = LOTTERY_TRANSITIONS[action]
    if window.lottery_state not in t.sources:
        raise Conflict(
            _("The lottery is at “%(state)s”, so it cannot move to “%(target)s”. Reload the page.")
            % {"state": window.get_lottery_state_display(), "target": LotteryState(t.target).label},
            code=ErrorCode.STATE_CHANGED)
    old, window.lottery_state = window.lottery_state, t.target
    return old


def lottery_order(*, window: ApplicationWindow, actor=None) -> list[str]:
    """Publish the applicant list, reveal the committed seed, run the draw (or reuse its result)."""
    from minsheng.draws.models import DrawState, PublishedDraw
    from minsheng.draws.services import draw_publish_candidates, draw_reveal_and_run

    draw = PublishedDraw.objects.get(pk=window.draw_id)
    if draw.state == DrawState.DRAWN:
        return list(draw.result)
    if draw.state == DrawState.COMMITTED:
        draw = draw_publish_candidates(draw=draw, public_ids=_candidates(window), actor=actor)
    return list(draw_reveal_and_run(draw=draw, actor=actor))


def allocate_day(*, seats: list[tuple], free: int, window: ApplicationWindow, rank: dict[str, int]):
    """Pure allocation of one (offering, day): returns (admitted ids, [(id, position, draw_rank)]).

    ``seats`` rows are (seat id, guardian id, grade, dual_working, reference, …).
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


def _batches(by_day: dict[int, list], offering_of: dict[int, int], size: int) -> list[list[int]]:
    """Group day ids into batches of about ``size`` seat requests, whole offerings at a time
    (in offering id order), so that every application is settled in one batch."""
    days_of: dict[int, list[int]] = defaultdict(list)
    for day_id in sorted(by_day):
        days_of[offering_of[day_id]].append(day_id)
    batches, current, rows = [], [], 0
    for offering_id in sorted(days_of):
        for day_id in days_of[offering_id]:
            current.append(day_id)
            rows += len(by_day[day_id])
        if rows >= size:
            batches.append(current)
            current, rows = [], 0
    if current:
        batches.append(current)
    return batches


CHUNK = 5000  # ids per statement


def _write(results: list[tuple]) -> None:
    """Write one batch's results (rows: seat id, state, waitlist position, draw position, day id,
    application id). Only seats still pending take their result: they are locked first, so a
    withdrawal waits for the batch, and one withdrawn meanwhile keeps its state and takes no
    place. Admitted seats are one ``update`` per chunk, waitlisted ones (each its own position)
    a ``bulk_update``; their days' ``taken`` grows by the admitted ones and their applications
    still submitted become admitted (a place on any day) or waitlisted."""
    pending: set[int] = set()
    ids = sorted(r[0] for r in results)
    for i in range(0, len(ids), CHUNK):
        pending.update(SeatRequest.objects.select_for_update().filter(pk__in=ids[i:i + CHUNK], state=SeatState.PENDING)
                       .order_by("pk").values_list("pk", flat=True))
    rows = [r for r in results if r[0] in pending]
    admitted = sorted(r[0] for r in rows if r[1] == SeatState.ADMITTED)
    for i in range(0, len(admitted), CHUNK):
        SeatRequest.objects.filter(pk__in=admitted[i:i + CHUNK]).update(state=SeatState.ADMITTED)
    SeatRequest.objects.bulk_update(
        [SeatRequest(pk=pk, state=state, waitlist_position=wp, draw_position=dp)
         for pk, state, wp, dp, _d, _a in rows if state != SeatState.ADMITTED],
        ["state", "waitlist_position", "draw_position"], batch_size=CHUNK)
    per_day: dict[int, int] = defaultdict(int)
    admitted_apps, touched_apps = set(), set()
    for r in rows:
        touched_apps.add(r[5])
        if r[1] == SeatState.ADMITTED:
            per_day[r[4]] += 1
            admitted_apps.add(r[5])
    for day_id, n in per_day.items():
        OfferingDay.objects.filter(pk=day_id).update(taken=F("taken") + n)
    now = timezone.now()
    for state, app_ids in ((ApplicationState.ADMITTED, admitted_apps),
                           (ApplicationState.WAITLISTED, touched_apps - admitted_apps)):
        app_ids = sorted(app_ids)
        for i in range(0, len(app_ids), CHUNK):
            Application.objects.filter(pk__in=app_ids[i:i + CHUNK], state=ApplicationState.SUBMITTED).update(
                state=state, updated_at=now)


def _holds_overlap(held: dict, seat: tuple) -> bool:
    student, weekday, start, end = seat
    return any(start < e and s < end for s, e in held.get((student, weekday), ()))


def _supersede(seat_ids: list[int]) -> None:
    """Seats of a lower choice whose hours the child already holds from a better one: they take
    no place (superseded), and an application left with none becomes "not admitted"."""
    with transaction.atomic():
        app_ids = set()
        for i in range(0, len(seat_ids), CHUNK):
            chunk = seat_ids[i:i + CHUNK]
            app_ids.update(SeatRequest.objects.filter(pk__in=chunk).values_list("application_id", flat=True))
            SeatRequest.objects.filter(pk__in=chunk, state=SeatState.PENDING).update(state=SeatState.SUPERSEDED)
        emptied = (Application.objects.filter(pk__in=app_ids, state=ApplicationState.SUBMITTED)
                   .exclude(seats__state=SeatState.PENDING))
        Application.objects.filter(pk__in=list(emptied.values_list("pk", flat=True))).update(
            state=ApplicationState.REJECTED, updated_at=timezone.now())


def lottery_run(*, window: ApplicationWindow, actor=None, now: datetime | None = None) -> dict:
    """Allocate every lottery offering of a closed window; progress is kept on the window.

    The draw orders all candidates once; the seat requests are read in one pass, allocated
    in memory per (offering, day), first choices before second ones (a child admitted to a
    better-ranked offering drops a lower choice's days at overlapping hours), and written in a few large transactions, whole offerings
    at a time, each recording progress. When all is written, every guardian of every
    applicant is sent the child's result (``lottery_notify_task``, in the background).
    """
    now = now or timezone.now()
    with transaction.atomic():
        window = ApplicationWindow.objects.select_for_update().get(pk=window.pk)
        if now < window.closes_at:
            raise Conflict(_("The lottery runs only after the application window has closed."),
                           code=ErrorCode.STATE_CHANGED)
        if window.lottery_state in (LotteryState.DONE, LotteryState.PUBLISHED):
            raise Conflict(_("The lottery of this window has already been run."), code=ErrorCode.STATE_CHANGED)
        _transition(window, "run")
        window.lottery_started_at = timezone.now()
        window.save(update_fields=["lottery_state", "lottery_started_at"])
    try:
        order = lottery_order(window=window, actor=actor)
        rank = {ref: i for i, ref in enumerate(order)}
        rows = SeatRequest.objects.filter(
            application__window=window, state=SeatState.PENDING,
            application__offering__allocation=Allocation.LOTTERY,
        ).values_list("pk", "day_id", "application__guardian_id", "application__grade_level",
                      "application__dual_working", "application__reference", "application_id",
                      "application__rank", "application__student_id", "weekday",
                      "application__offering__start_time", "application__offering__end_time")
        # Choice rounds: every first choice is settled before any second choice, so a child
        # admitted to a better-ranked offering does not also take an overlapping place.
        rounds: dict[int, dict[int, list[tuple]]] = defaultdict(lambda: defaultdict(list))
        who: dict[int, tuple] = {}  # seat id -> (student, weekday, start, end)
        for pk, day_id, guardian, grade, dual, ref, app_id, choice, student, wd, start, end in rows.iterator(
                chunk_size=20000):
            rounds[choice][day_id].append((pk, guardian, grade, dual, ref, app_id))
            who[pk] = (student, wd, start, end)
        day_ids = {d for by_day in rounds.values() for d in by_day}
        offering_of = dict(OfferingDay.objects.filter(pk__in=list(day_ids)).values_list("pk", "offering_id"))
        ApplicationWindow.objects.filter(pk=window.pk).update(
            lottery_total=sum(len(by_day) for by_day in rounds.values()), lottery_done=0)
        admitted_total = waitlisted_total = done = 0
        size = settings.AFTER_SCHOOL_LOTTERY_BATCH
        held: dict[tuple, list[tuple]] = defaultdict(list)  # (student, weekday) -> admitted hours
        queued: dict[int, int] = defaultdict(int)  # day id -> waiting-list places given so far
        for choice in sorted(rounds):
            by_day = rounds.pop(choice)
            superseded = [row[0] for seats in by_day.values() for row in seats
                          if _holds_overlap(held, who[row[0]])]
            if superseded:
                _supersede(superseded)
                gone = set(superseded)
                by_day = {d: [r for r in seats if r[0] not in gone] for d, seats in by_day.items()}
            for batch in _batches(by_day, offering_of, size):
                with transaction.atomic():
                    # The batch's day rows are locked (in id order) while their places are given out.
                    free = {d.pk: max(0, d.capacity - d.taken)
                            for d in OfferingDay.objects.select_for_update().filter(pk__in=batch).order_by("pk")}
                    results = []
                    for day_id in batch:
                        seats = by_day.pop(day_id)
                        app_of = {row[0]: row[5] for row in seats}
                        admitted, waitlisted = allocate_day(seats=seats, free=free[day_id], window=window,
                                                            rank=rank)
                        results += [(pk, SeatState.ADMITTED.value, None, None, day_id, app_of[pk])
                                    for pk in admitted]
                        results += [(pk, SeatState.WAITLISTED.value, queued[day_id] + pos, dp, day_id, app_of[pk])
                                    for pk, pos, dp in waitlisted]
                        queued[day_id] += len(waitlisted)
                        for pk in admitted:
                            student, wd, start, end = who[pk]
                            held[(student, wd)].append((start, end))
                    _write(results)
                    admitted_total += sum(1 for r in results if r[1] == SeatState.ADMITTED)
                    waitlisted_total += sum(1 for r in results if r[1] == SeatState.WAITLISTED)
                    done += len(batch)
                    ApplicationWindow.objects.filter(pk=window.pk).update(lottery_done=done)
        with transaction.atomic():
            finish = LOTTERY_TRANSITIONS["finish"]
            ApplicationWindow.objects.filter(pk=window.pk, lottery_state__in=finish.sources).update(
                lottery_state=finish.target, lottery_finished_at=timezone.now())
            summary = {"applicants": len(order), "admitted": admitted_total, "waitlisted": waitlisted_total}
            audit_record(event_type="after_school.lottery", actor=actor, target=window, new=summary)
        return summary
    except Exception:
        fail = LOTTERY_TRANSITIONS["fail"]
        ApplicationWindow.objects.filter(pk=window.pk, lottery_state__in=fail.sources).update(lottery_state=fail.target)
        raise


# --- the result, to every guardian of every applicant ---------------------------------
def result_text(seats) -> str:
    """"admitted on Monday, Tuesday; waiting list: Wednesday (number 3)" for one application."""
    admitted = [WEEKDAY_NAMES[s.weekday] for s in seats if s.state == SeatState.ADMITTED]
    waiting = [_("%(day)s (number %(n)s)") % {"day": WEEKDAY_NAMES[s.weekday], "n": s.waitlist_position}
               for s in seats if s.state == SeatState.WAITLISTED]
    superseded = [WEEKDAY_NAMES[s.weekday] for s in seats if s.state == SeatState.SUPERSEDED]
    parts = []
    if admitted:
        parts.append(_("admitted on %(days)s") % {"days": "、".join(str(d) for d in admitted)})
    if waiting:
        parts.append(_("on the waiting list for %(days)s; when a place comes free it is offered in this order "
                       "and you will be told") % {"days": "、".join(waiting)})
    if superseded:
        parts.append(_("not needed on %(days)s: your child has a place at the same hours from a better-ranked "
                       "choice") % {"days": "、".join(str(d) for d in superseded)})
    return _("; ").join(parts)


def lottery_notify(*, window_id: int, after_id: int = 0, limit: int = 500) -> int | None:
    """Tell each guardian (with or without an account) of each lottery applicant after ``after_id``
    (at most ``limit`` applications, in id order) the child's result per day. Idempotent: a notice
    already sent (same application and guardian) is not sent again. Returns the last application
    id handled, or None when none was left."""
    with translation.override(settings.LANGUAGE_CODE):
        apps = list(
            Application.objects.filter(window_id=window_id, offering__allocation=Allocation.LOTTERY, pk__gt=after_id)
            .select_related("student", "offering").prefetch_related("seats").order_by("pk")[:limit]
        )
        if not apps:
            return None
        guardians: dict[int, list] = defaultdict(list)
        for rel in guardian_relations().filter(relative_id__in=[a.student_id for a in apps]).select_related("person__user"):
            guardians[rel.relative_id].append(rel.person)
        draw_key = f"after-school-window-{window_id}"
        with transaction.atomic():  # one commit per chunk; the other channels go out after it
            for app in apps:
                text = result_text(sorted(app.seats.all(), key=lambda s: s.weekday))
                if not text:
                    continue  # withdrawn meanwhile: nothing to announce
                notices.send_now(
                    recipients=guardians.get(app.student_id, []), template="after_school.lottery_result",
                    context={"student": app.student.name, "offering": app.offering.title,
                             "reference": app.reference, "result": text, "draw": draw_key},
                    dedupe_key=f"after_school.lottery:{app.pk}")
        return apps[-1].pk


def lottery_start(*, window: ApplicationWindow, actor, now: datetime | None = None) -> None:
    """Queue the lottery in the background (after this transaction commits)."""
    now = now or timezone.now()
    if now < window.closes_at:
        raise Conflict(_("The lottery runs only after the application window has closed."),
                       code=ErrorCode.STATE_CHANGED)
    if window.lottery_state in (LotteryState.RUNNING, LotteryState.DONE, LotteryState.PUBLISHED):
        raise Conflict(_("The lottery of this window is running or done."), code=ErrorCode.STATE_CHANGED)
    audit_record(event_type="after_school.lottery_start", actor=actor, target=window)
    from ..tasks import lottery_task

    transaction.on_commit(lambda: lottery_task.enqueue(window.pk, actor.pk if actor else None))


def lottery_publish(*, window: ApplicationWindow, actor, now: datetime | None = None) -> ApplicationWindow:
    """Publish a drawn lottery's results (declared transition ``publish``: done → published).
    Only then do families see them on their page, in 我的 and in the API, and every guardian of
    every applicant is told the child's result (``lottery_notify_task``, after the commit).
    The caller has checked that ``actor`` runs the window (``windows_managed_by``)."""
    with transaction.atomic():
        window = ApplicationWindow.objects.select_for_update().get(pk=window.pk)
        if window.lottery_state == LotteryState.PUBLISHED:
            raise Conflict(_("The results of this lottery are already published."), code=ErrorCode.STATE_CHANGED)
        if window.lottery_state != LotteryState.DONE:
            raise Conflict(_("The results can be published once the lottery has been run to the end."),
                           code=ErrorCode.STATE_CHANGED)
        old = _transition(window, "publish")
        window.results_published_at = now or timezone.now()
        window.save(update_fields=["lottery_state", "results_published_at", "updated_at"])
        audit_record(event_type="after_school.lottery_publish", actor=actor, target=window,
                     old={"lottery_state": old},
                     new={"lottery_state": window.lottery_state,
                          "published_at": window.results_published_at.isoformat()})
        from ..tasks import lottery_notify_task

        transaction.on_commit(lambda: lottery_notify_task.enqueue(window.pk))
    return window
