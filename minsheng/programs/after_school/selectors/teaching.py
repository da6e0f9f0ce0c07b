"""What a teacher sees: today's sessions and their roll."""

from datetime import date

from django.db.models import Q
from django.utils import timezone

from minsheng.core.errors import NotFound
from minsheng.identity.models import Person, PersonRelation

from ..models import Attendance, SeatRequest, Session, Teacher


def teacher_sessions(*, user, day: date | None = None) -> list[Session]:
    day = day or timezone.localdate()
    teacher_ids = list(Teacher.objects.filter(person__user=user, is_active=True).values_list("pk", flat=True))
    return list(
        Session.objects.filter(date=day)
        .filter(Q(teacher_id__in=teacher_ids) | Q(offering__teachers__in=teacher_ids))
        .select_related("offering__host").distinct().order_by("offering__start_time")
    )


def teacher_session_get(*, user, session_id) -> Session:
    teacher_ids = list(Teacher.objects.filter(person__user=user, is_active=True).values_list("pk", flat=True))
    session = (Session.objects.filter(pk=session_id)
               .filter(Q(teacher_id__in=teacher_ids) | Q(offering__teachers__in=teacher_ids))
               .select_related("offering__host").distinct().first())
    if session is None:
        raise NotFound()
    return session


def roll(*, session: Session) -> list[dict]:
    """The children with a place on the session's day, their mark, pick-up and who may collect them."""
    seats = (SeatRequest.objects.filter(application__offering=session.offering_id, weekday=session.date.weekday(),
                                        state="admitted")
             .select_related("application__student").order_by("application__student__name"))
    students = [s.application.student for s in seats]
    ids = [s.pk for s in students]
    marks = dict(Attendance.objects.filter(session=session, student_id__in=ids).values_list("student_id", "status"))
    pickups = {p.student_id: p for p in session.pickups.select_related("collected_by")}
    family: dict[int, list[Person]] = {}
    for rel in PersonRelation.objects.filter(relative_id__in=ids).select_related("person"):
        family.setdefault(rel.relative_id, []).append(rel.person)
    return [{"student": s, "status": marks.get(s.pk, ""), "pickup": pickups.get(s.pk),
             "family": family.get(s.pk, [])} for s in students]
