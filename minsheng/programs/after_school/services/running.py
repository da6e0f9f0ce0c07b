"""Daily running: sessions, attendance and pick-up, by the session's teachers."""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.core.errors import NotAllowed, ValidationFailed
from minsheng.identity.models import Person, PersonRelation

from .. import notices
from ..models import (
    Attendance,
    AttendanceStatus,
    Offering,
    PickUp,
    SeatRequest,
    SeatState,
    Session,
    SessionState,
    Teacher,
)
from ..selectors.eligibility import guardian_users_of


def _teacher_for(*, teacher_user, session: Session) -> Teacher:
    teacher = Teacher.objects.filter(person__user=teacher_user, school=session.offering.host_id,
                                     is_active=True).first()
    if teacher is None or not (session.teacher_id == teacher.pk or session.offering.teachers.filter(pk=teacher.pk).exists()):
        raise NotAllowed(_("This session is not one of yours. You can mark only your own sessions."))
    return teacher


def _admitted(*, session: Session, student_id: int) -> bool:
    return SeatRequest.objects.filter(
        application__offering_id=session.offering_id, application__student_id=student_id,
        weekday=session.date.weekday(), state=SeatState.ADMITTED).exists()


def attendance_mark(*, teacher_user, session: Session, student: Person, status: str,
                    now: datetime | None = None) -> Attendance:
    now = now or timezone.now()
    _teacher_for(teacher_user=teacher_user, session=session)
    if status not in AttendanceStatus.values:
        raise ValidationFailed.for_field("status", _("Choose present, absent or on leave."))
    if not _admitted(session=session, student_id=student.pk):
        raise ValidationFailed.for_field("student", _("This child has no place in this session."))
    with transaction.atomic():
        record, created = Attendance.objects.select_for_update().get_or_create(
            session=session, student=student,
            defaults={"status": status, "marked_by": teacher_user, "marked_at": now})
        old = None if created else record.status
        if not created and record.status != status:
            record.status, record.marked_by, record.marked_at = status, teacher_user, now
            record.save(update_fields=["status", "marked_by", "marked_at"])
        if session.state != SessionState.HELD:
            Session.objects.filter(pk=session.pk).update(state=SessionState.HELD)
            session.state = SessionState.HELD
        audit_record(event_type="after_school.attendance", actor=teacher_user, target=session,
                     old={"status": old} if old else None, new={"student": student.pk, "status": status})
        if status == AttendanceStatus.ABSENT and old != status:
            notices.send(
                recipients=guardian_users_of(student_id=student.pk), template="after_school.absent",
                context={"student": student.name, "offering": session.offering, "date": session.date},
                dedupe_key=f"after_school.absent:{session.pk}:{student.pk}")
    return record


def session_end(session: Session) -> datetime:
    return timezone.make_aware(datetime.combine(session.date, session.offering.end_time))


def session_start(session: Session) -> datetime:
    return timezone.make_aware(datetime.combine(session.date, session.offering.start_time))


def pickup_confirm(*, teacher_user, session: Session, student: Person, collected_by: Person,
                   at: datetime | None = None) -> PickUp:
    """Record who collected the child and when; after the end plus a grace period it is late.
    Only a child marked present in this session can be collected, and only on the session's
    day once it has started (a child on leave or absent was never handed to the teacher)."""
    at = at or timezone.now()
    _teacher_for(teacher_user=teacher_user, session=session)
    if not _admitted(session=session, student_id=student.pk):
        raise ValidationFailed.for_field("student", _("This child has no place in this session."))
    status = (Attendance.objects.filter(session=session, student=student)
              .values_list("status", flat=True).first())
    if status != AttendanceStatus.PRESENT:
        raise ValidationFailed.for_field("student", _(
            "This child is not marked present in this session, so there is no pick-up to record. "
            "Mark attendance first; a child on leave or absent was never in your care."))
    if timezone.localdate(at) != session.date or at < session_start(session):
        raise ValidationFailed.for_field("collected_at", _(
            "A pick-up can be recorded only on the session's day, once the session has started (%(start)s).")
            % {"start": session.offering.start_time.strftime("%H:%M")})
    if not PersonRelation.objects.filter(person=collected_by, relative=student).exists():
        raise ValidationFailed.for_field(
            "collected_by", _("This person is not recorded as the child's guardian or family. Do not hand the child over; call the guardian."))
    grace = timedelta(minutes=settings.AFTER_SCHOOL_PICKUP_GRACE_MINUTES)
    late = at > session_end(session) + grace
    with transaction.atomic():
        pickup, created = PickUp.objects.update_or_create(
            session=session, student=student,
            defaults={"collected_by": collected_by, "collected_at": at, "late": late, "confirmed_by": teacher_user})
        audit_record(event_type="after_school.pickup", actor=teacher_user, target=session,
                     new={"student": student.pk, "collected_by": collected_by.pk, "late": late})
        if late:
            notices.send(
                recipients=guardian_users_of(student_id=student.pk), template="after_school.late_pickup",
                context={"student": student.name, "offering": session.offering,
                         "time": timezone.localtime(at).strftime("%H:%M")},
                dedupe_key=f"after_school.late:{session.pk}:{student.pk}")
    return pickup


def sessions_generate(*, offering: Offering, start: date, end: date, actor=None) -> int:
    """Create the offering's sessions between ``start`` and ``end`` on its days (teachers in turn)."""
    teachers = list(offering.teachers.order_by("pk"))
    have = set(Session.objects.filter(offering=offering, date__range=(start, end)).values_list("date", flat=True))
    new, i, day = [], 0, start
    while day <= end:
        if day.weekday() in offering.weekdays and day not in have:
            new.append(Session(offering=offering, date=day, teacher=teachers[i % len(teachers)] if teachers else None))
            i += 1
        day += timedelta(days=1)
    Session.objects.bulk_create(new, batch_size=2000)
    return len(new)


SESSIONS_AHEAD_DAYS = 14  # sessions exist this far ahead, so teachers and families see them


def sessions_generate_upcoming(*, offerings=None, today: date | None = None, days: int = SESSIONS_AHEAD_DAYS,
                               actor=None) -> int:
    """Create the sessions of the next ``days`` days (within each offering's term) for the
    published ``offerings`` (every published one when None). Idempotent: run daily by the
    scheduler, and by a manager from the set-up page or the API for their own offerings."""
    today = today or timezone.localdate()
    end = today + timedelta(days=days - 1)
    qs = Offering.objects.all() if offerings is None else offerings
    qs = (qs.filter(is_published=True, term__starts_on__lte=end, term__ends_on__gte=today)
          .select_related("term").prefetch_related("teachers").order_by("pk"))
    created = 0
    for offering in qs:
        created += sessions_generate(offering=offering, start=max(today, offering.term.starts_on),
                                     end=min(end, offering.term.ends_on), actor=actor)
    if actor is not None:
        audit_record(event_type="after_school.sessions_generate", actor=actor, target=None,
                     new={"from": today.isoformat(), "days": days, "created": created})
    return created
