"""Offerings and application windows: the 5+2 rules, creating them, committing the lottery seed."""

from datetime import datetime, time
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.core.errors import ValidationFailed

from ..models import (
    WEEKDAY_NAMES,
    Activity,
    Allocation,
    ApplicationWindow,
    Offering,
    OfferingDay,
    OfferingKind,
    Session,
    SessionState,
    Term,
)
from .applications import waitlist_promote


def workday_end() -> time:
    """The local end of the working day; weekday care must not end before it."""
    return settings.AFTER_SCHOOL_WORKDAY_END


def offering_validate(*, kind, activity, weekdays, start_time, end_time, grade_min, grade_max,
                      capacity, fee) -> list[int]:
    """Check an offering against the 5+2 rules; returns the cleaned weekdays."""
    errors: dict[str, list[str]] = {}
    try:
        days = sorted({int(d) for d in weekdays})
    except (TypeError, ValueError):
        days = []
    if not days or any(d < 0 or d > 6 for d in days):
        errors["weekdays"] = [_("Choose at least one day of the week.")]
    elif kind == OfferingKind.WEEKDAY and any(d > 4 for d in days):
        errors["weekdays"] = [_("Weekday care runs Monday to Friday only.")]
    elif kind == OfferingKind.WEEKEND and any(d < 5 for d in days):
        errors["weekdays"] = [_("Weekend care runs on Saturday or Sunday only.")]
    if start_time >= end_time:
        errors["end_time"] = [_("The end time must be after the start time.")]
    elif kind == OfferingKind.WEEKDAY:
        minutes = (end_time.hour * 60 + end_time.minute) - (start_time.hour * 60 + start_time.minute)
        if minutes < settings.AFTER_SCHOOL_MIN_MINUTES:
            errors["end_time"] = [_("Weekday care must last at least two hours a day.")]
        elif end_time < workday_end():
            errors["end_time"] = [
                _("Weekday care must not end before %(time)s, the end of the working day.")
                % {"time": workday_end().strftime("%H:%M")}
            ]
        elif grade_min >= 7 and end_time > time(20, 30):
            errors["end_time"] = [_("Evening study for junior secondary must end by 20:30.")]
    if kind == OfferingKind.HOLIDAY and activity != Activity.SUPERVISION:
        errors["activity"] = [_("Holiday care is supervision only: no group lessons or new teaching.")]
    if not (1 <= grade_min <= grade_max <= 9):
        errors["grade_max"] = [_("Grades run from 1 to 9, and the lowest may not exceed the highest.")]
    if capacity is None or capacity < 1:
        errors["capacity"] = [_("Give at least one place per day.")]
    if fee is None or fee < 0:
        errors["fee"] = [_("The fee cannot be negative.")]
    if errors:
        raise ValidationFailed(fields=errors)
    return days


@transaction.atomic
def offering_create(*, actor, term: Term, title: str, kind: str, activity: str, host,
                    school=None, weekdays, start_time: time, end_time: time, capacity: int,
                    grade_min: int = 1, grade_max: int = 9, fee: Decimal = Decimal("0"),
                    fee_basis: str = "term", allocation: str = Allocation.FIRST_COME,
                    teachers=()) -> Offering:
    days = offering_validate(
        kind=kind, activity=activity, weekdays=weekdays, start_time=start_time, end_time=end_time,
        grade_min=grade_min, grade_max=grade_max, capacity=capacity, fee=fee,
    )
    if not title.strip():
        raise ValidationFailed.for_field("title", _("Give the offering a title."))
    offering = Offering.objects.create(
        term=term, title=title.strip()[:100], kind=kind, activity=activity, host=host,
        school=school, region=(school or host).region, weekdays=days, start_time=start_time,
        end_time=end_time, capacity=capacity, grade_min=grade_min, grade_max=grade_max, fee=fee,
        fee_basis=fee_basis, allocation=allocation,
        supervision_only=kind == OfferingKind.HOLIDAY or activity == Activity.SUPERVISION,
    )
    OfferingDay.objects.bulk_create(
        [OfferingDay(offering=offering, weekday=d, capacity=capacity) for d in days]
    )
    if teachers:
        offering.teachers.set(teachers)
    audit_record(event_type="after_school.offering_create", actor=actor, target=offering,
                 new={"capacity": capacity, "weekdays": days, "allocation": allocation})
    return offering


@transaction.atomic
def window_create(*, actor, term: Term, opens_at: datetime, closes_at: datetime, school=None,
                  region=None, accept_days: int = 3, lower_grades_first: bool = True,
                  dual_working_first: bool = True, keep_siblings_together: bool = True,
                  seed: str | None = None) -> ApplicationWindow:
    """Open an application window; its lottery seed is committed (hash published) now."""
    if closes_at <= opens_at:
        raise ValidationFailed.for_field("closes_at", _("The window must close after it opens."))
    if school is None and region is None:
        raise ValidationFailed.for_field("region", _("Choose a school or a region for the window."))
    window = ApplicationWindow.objects.create(
        term=term, school=school, region=region or school.region, opens_at=opens_at,
        closes_at=closes_at, accept_days=accept_days, lower_grades_first=lower_grades_first,
        dual_working_first=dual_working_first, keep_siblings_together=keep_siblings_together,
    )
    from minsheng.draws.services import draw_commit

    # the public draw page shows the purpose as stored: in the platform's language, whoever acts
    with translation.override(settings.LANGUAGE_CODE):
        purpose = _("After-school places lottery: %(term)s, %(place)s") % {"term": term, "place": school or window.region}
    draw, _seed = draw_commit(
        purpose=purpose,
        key=f"after-school-window-{window.pk}", seed=seed, actor=actor,
    )
    window.draw_id, window.seed_hash, window.lottery_state = draw.pk, draw.seed_hash, "committed"
    window.save(update_fields=["draw_id", "seed_hash", "lottery_state"])
    audit_record(event_type="after_school.window_create", actor=actor, target=window,
                 new={"opens_at": opens_at.isoformat(), "closes_at": closes_at.isoformat(),
                      "seed_hash": draw.seed_hash})
    return window


def offering_set_teachers(*, actor, offering: Offering, teachers) -> Offering:
    """Assign the teachers who lead an offering's sessions (its host school's active teachers
    only); sessions not yet held without a teacher get one of them in turn."""
    chosen = list(teachers)
    foreign = [t for t in chosen if t.school_id != offering.host_id or not t.is_active]
    if foreign:
        raise ValidationFailed.for_field("teachers", _(
            "Choose active teachers of %(school)s, the school that runs this offering.")
            % {"school": offering.host.name})
    with transaction.atomic():
        old = sorted(offering.teachers.values_list("pk", flat=True))
        offering.teachers.set(chosen)
        ordered = sorted(chosen, key=lambda t: t.pk)
        if ordered:  # one UPDATE per teacher, whatever the number of sessions
            open_ids = list(Session.objects.filter(offering=offering, teacher__isnull=True,
                                                   state=SessionState.SCHEDULED)
                            .order_by("date").values_list("pk", flat=True))
            for i, teacher in enumerate(ordered):
                Session.objects.filter(pk__in=open_ids[i::len(ordered)]).update(teacher=teacher)
        audit_record(event_type="after_school.offering_teachers", actor=actor, target=offering,
                     old={"teachers": old}, new={"teachers": sorted(t.pk for t in chosen)})
    return offering


OFFERING_EDITABLE = ("title", "capacity", "grade_min", "grade_max", "fee", "fee_basis", "is_published")


def offering_update(*, actor, offering: Offering, title: str, capacity: int, grade_min: int, grade_max: int,
                    fee: Decimal, fee_basis: str, is_published: bool) -> Offering:
    """Change an offering's title, places per day, grades, fee or whether families may apply.
    Places never drop below those already taken on any day (refused, naming the day); a new fee
    applies to applications made from now on (those made keep the fee they were told).
    The days and hours stay: families chose them. ``offering`` comes from ``offerings_for_staff``."""
    errors: dict[str, list[str]] = {}
    if not (title or "").strip():
        errors["title"] = [_("Give the offering a title.")]
    if not (1 <= grade_min <= grade_max <= 9):
        errors["grade_max"] = [_("Grades run from 1 to 9, and the lowest may not exceed the highest.")]
    if capacity is None or capacity < 1:
        errors["capacity"] = [_("Give at least one place per day.")]
    if fee is None or fee < 0:
        errors["fee"] = [_("The fee cannot be negative.")]
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        offering = Offering.objects.select_for_update().get(pk=offering.pk)
        days = list(OfferingDay.objects.select_for_update().filter(offering=offering).order_by("weekday"))
        short = [d for d in days if d.taken > capacity]
        if short:
            raise ValidationFailed.for_field("capacity", _(
                "%(n)s places are already taken on %(day)s; give at least that many places.")
                % {"n": max(d.taken for d in short), "day": "、".join(str(WEEKDAY_NAMES[d.weekday]) for d in short)})
        values = {"title": title.strip()[:100], "capacity": capacity, "grade_min": grade_min,
                  "grade_max": grade_max, "fee": Decimal(fee), "fee_basis": fee_basis, "is_published": is_published}
        changed = [k for k in OFFERING_EDITABLE if getattr(offering, k) != values[k]]
        if not changed:
            return offering
        old = {k: str(getattr(offering, k)) if k == "fee" else getattr(offering, k) for k in changed}
        for k in changed:
            setattr(offering, k, values[k])
        offering.save(update_fields=[*changed, "updated_at"])
        if "capacity" in changed:
            OfferingDay.objects.filter(offering=offering).update(capacity=capacity)
        audit_record(event_type="after_school.offering_update", actor=actor, target=offering, old=old,
                     new={k: str(values[k]) if k == "fee" else values[k] for k in changed})
        if "capacity" in changed and capacity > old["capacity"]:
            for day in days:  # the places added go to those waiting, as a freed place does
                waitlist_promote(day_id=day.pk)
    return offering
