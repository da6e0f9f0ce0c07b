"""Staff at work: a teacher's sessions, roll call and pick-up (phone), and the supervision figures."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minsheng.access.decorators import citizen, staff
from minsheng.core.errors import DomainError, NotFound, ValidationFailed
from minsheng.identity.models import Person
from minsheng.imports.exports import export_response

from .. import exports
from ..apps import SUPERVISORS
from ..forms import PickupForm
from ..models import AttendanceStatus
from ..selectors.family import current_term
from ..selectors.supervision import TARGET_PERCENT, supervision_rows, supervision_total
from ..selectors.teaching import roll, teacher_session_get, teacher_sessions
from ..services.running import attendance_mark, pickup_confirm
from . import show_error


@citizen
def teacher_today(request):
    day = timezone.localdate()
    return render(request, "after_school/teacher_today.html", {
        "sessions": teacher_sessions(user=request.user, day=day), "day": day})


@citizen
def teacher_session(request, session_id: int):
    try:
        session = teacher_session_get(user=request.user, session_id=session_id)
    except NotFound:
        raise Http404 from None
    return render(request, "after_school/teacher_session.html", {
        "session": session, "roll": _with_pickup_forms(roll(session=session)), "statuses": AttendanceStatus.choices})


def _with_pickup_forms(rows: list[dict]) -> list[dict]:
    for row in rows:
        row["pickup_form"] = PickupForm(family=row["family"], auto_id=f"pickup-{row['student'].pk}-%s")
    return rows


@citizen
@require_POST
def teacher_mark(request, session_id: int):
    try:
        session = teacher_session_get(user=request.user, session_id=session_id)
        student = _roll_student(session, request.POST.get("student"))
        attendance_mark(teacher_user=request.user, session=session, student=student,
                                 status=request.POST.get("status", ""))
        messages.success(request, _("Attendance of %(name)s recorded.") % {"name": student.name})
    except DomainError as exc:
        show_error(request, exc)
    # back to the child's card, not the top of the list
    return redirect(reverse("after_school:teacher_session", args=[session_id]) + f"#roll-{request.POST.get('student', '')}")


@citizen
@require_POST
def teacher_pickup(request, session_id: int):
    try:
        session = teacher_session_get(user=request.user, session_id=session_id)
        student = _roll_student(session, request.POST.get("student"))
        collector = next((p for row in roll(session=session) if row["student"].pk == student.pk
                          for p in row["family"] if str(p.pk) == request.POST.get("collected_by")), None)
        if collector is None:
            raise ValidationFailed.for_field(
                "collected_by", _("Choose who collected the child from the people listed."))
        pickup = pickup_confirm(teacher_user=request.user, session=session, student=student,
                                         collected_by=collector)
        if pickup.late:
            messages.warning(request, _("Pick-up of %(name)s recorded as late.") % {"name": student.name})
        else:
            messages.success(request, _("Pick-up of %(name)s recorded.") % {"name": student.name})
    except DomainError as exc:
        show_error(request, exc)
    # back to the child's card, not the top of the list
    return redirect(reverse("after_school:teacher_session", args=[session_id]) + f"#roll-{request.POST.get('student', '')}")


def _roll_student(session, student_id) -> Person:
    for row in roll(session=session):
        if str(row["student"].pk) == str(student_id):
            return row["student"]
    raise NotFound(_("This child is not on the roll of this session."))


@staff(*SUPERVISORS)
def supervision(request):
    if (download := export_response(request, exports.SUPERVISION)) is not None:
        return download
    by = "school" if request.GET.get("by") == "school" else "district"
    prefix = "".join(c for c in request.GET.get("region", "") if c.isdigit())[:12]
    rows = supervision_rows(user=request.user, by=by, region_prefix=prefix)
    total = supervision_total(rows) if rows else None
    return render(request, "after_school/supervision.html", {
        "rows": rows, "total": total, "by": by, "term": current_term(),
        "target": TARGET_PERCENT})
