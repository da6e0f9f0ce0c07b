"""Pages: the guardian's (phone), the teacher's roll call (phone), the school's and the supervisor's."""

import uuid

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minsheng.access.decorators import citizen, staff
from minsheng.core.errors import DomainError, NotFound, ValidationFailed
from minsheng.identity.models import Person
from minsheng.ratings.models import RatingLevel

from . import satisfaction, selectors, services
from .forms import ApplyForm, OfferingForm, WindowForm
from .lottery import lottery_start
from .models import WEEKDAY_NAMES, AttendanceStatus

MANAGERS = ("school_admin", "education_supervisor")
SUPERVISORS = ("education_supervisor", "school_admin", "supervisor")


def _fail(request, exc: DomainError) -> None:
    messages.error(request, exc.message)
    for field_messages in exc.fields.values():
        for m in field_messages:
            if m != str(exc.message):
                messages.error(request, m)


@citizen
def home(request):
    children = selectors.children_of(user=request.user)
    held = selectors.held_offerings(students=children)
    blocks = []
    for child in children:
        offerings = selectors.open_offerings_for(student=child)
        blocks.append({"child": child, "offerings": [
            {"offering": o, "days": [(d.weekday, WEEKDAY_NAMES[d.weekday], d.free) for d in o.days.all()],
             "key": uuid.uuid4().hex, "applied": o.pk in held[child.pk]} for o in offerings]})
    return render(request, "after_school/home.html", {
        "blocks": blocks, "applications": selectors.applications_of(user=request.user),
        "weekday_names": WEEKDAY_NAMES, "levels": RatingLevel.choices})


@citizen
@require_POST
def apply(request):
    form = ApplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose at least one day and a rank from 1 to 10, then apply again."))
        return redirect("after_school:home")
    try:
        student = selectors.child_get_for(user=request.user, student_id=form.cleaned_data["student"])
        offering = selectors.offering_get(offering_id=form.cleaned_data["offering"])
        app = services.application_submit(
            guardian_user=request.user, student=student, offering=offering,
            weekdays=[int(d) for d in form.cleaned_data["weekdays"]], rank=form.cleaned_data["rank"],
            idempotency_key=form.cleaned_data["idempotency_key"])
    except DomainError as exc:
        _fail(request, exc)
        return redirect("after_school:home")
    messages.success(request, _("Application %(ref)s received: %(state)s.") % {
        "ref": app.reference, "state": app.get_state_display()})
    return redirect("after_school:home")


@citizen
@require_POST
def withdraw(request, application_id: int):
    try:
        services.application_withdraw(guardian_user=request.user, application_id=application_id)
        messages.success(request, _("The application was withdrawn."))
    except DomainError as exc:
        _fail(request, exc)
    return redirect("after_school:home")


@citizen
@require_POST
def respond(request, application_id: int):
    try:
        services.offer_respond(guardian_user=request.user, application_id=application_id,
                               accept=request.POST.get("accept") == "1")
        messages.success(request, _("Your answer was recorded."))
    except DomainError as exc:
        _fail(request, exc)
    return redirect("after_school:home")


@citizen
@require_POST
def rate(request, application_id: int):
    try:
        level = int(request.POST.get("level") or 0)
    except ValueError:
        level = 0
    try:
        satisfaction.application_rate(guardian_user=request.user, application_id=application_id, level=level,
                                      comment=request.POST.get("comment", "")[:2000])
        messages.success(request, _("Thank you for rating the care."))
    except DomainError as exc:
        _fail(request, exc)
    return redirect("after_school:home")


@citizen
def teacher_today(request):
    day = timezone.localdate()
    return render(request, "after_school/teacher_today.html", {
        "sessions": selectors.teacher_sessions(user=request.user, day=day), "day": day})


@citizen
def teacher_session(request, session_id: int):
    try:
        session = selectors.teacher_session_get(user=request.user, session_id=session_id)
    except NotFound:
        raise Http404 from None
    return render(request, "after_school/teacher_session.html", {
        "session": session, "roll": selectors.roll(session=session), "statuses": AttendanceStatus.choices})


@citizen
@require_POST
def teacher_mark(request, session_id: int):
    try:
        session = selectors.teacher_session_get(user=request.user, session_id=session_id)
        student = _roll_student(session, request.POST.get("student"))
        services.attendance_mark(teacher_user=request.user, session=session, student=student,
                                 status=request.POST.get("status", ""))
        messages.success(request, _("Attendance of %(name)s recorded.") % {"name": student.name})
    except DomainError as exc:
        _fail(request, exc)
    return redirect("after_school:teacher_session", session_id=session_id)


@citizen
@require_POST
def teacher_pickup(request, session_id: int):
    try:
        session = selectors.teacher_session_get(user=request.user, session_id=session_id)
        student = _roll_student(session, request.POST.get("student"))
        collector = next((p for row in selectors.roll(session=session) if row["student"].pk == student.pk
                          for p in row["family"] if str(p.pk) == request.POST.get("collected_by")), None)
        if collector is None:
            raise ValidationFailed.for_field(
                "collected_by", _("Choose who collected the child from the people listed."))
        pickup = services.pickup_confirm(teacher_user=request.user, session=session, student=student,
                                         collected_by=collector)
        if pickup.late:
            messages.warning(request, _("Pick-up of %(name)s recorded as late.") % {"name": student.name})
        else:
            messages.success(request, _("Pick-up of %(name)s recorded.") % {"name": student.name})
    except DomainError as exc:
        _fail(request, exc)
    return redirect("after_school:teacher_session", session_id=session_id)


def _roll_student(session, student_id) -> Person:
    for row in selectors.roll(session=session):
        if str(row["student"].pk) == str(student_id):
            return row["student"]
    raise NotFound(_("This child is not on the roll of this session."))


@staff(*MANAGERS)
def manage(request):
    schools = selectors.schools_for(user=request.user)
    term = selectors.current_term()
    offering_form = OfferingForm(schools=schools, initial={"term": term})
    window_form = WindowForm(schools=schools, initial={"term": term})
    if request.method == "POST":
        try:
            if request.POST.get("form") == "offering":
                offering_form = OfferingForm(request.POST, schools=schools)
                if offering_form.is_valid():
                    d = offering_form.cleaned_data
                    services.offering_create(
                        actor=request.user, term=d["term"], title=d["title"], kind=d["kind"],
                        activity=d["activity"], host=d["school"], school=d["school"],
                        weekdays=[int(x) for x in d["weekdays"]], start_time=d["start_time"],
                        end_time=d["end_time"], capacity=d["capacity"], grade_min=d["grade_min"],
                        grade_max=d["grade_max"], fee=d["fee"], fee_basis=d["fee_basis"],
                        allocation=d["allocation"])
                    messages.success(request, _("The offering was created."))
                    return redirect("after_school:manage")
            elif request.POST.get("form") == "window":
                window_form = WindowForm(request.POST, schools=schools)
                if window_form.is_valid():
                    d = window_form.cleaned_data
                    services.window_create(actor=request.user, term=d["term"], school=d["school"],
                                           opens_at=d["opens_at"], closes_at=d["closes_at"],
                                           accept_days=d["accept_days"],
                                           lower_grades_first=d["lower_grades_first"],
                                           dual_working_first=d["dual_working_first"],
                                           keep_siblings_together=d["keep_siblings_together"])
                    messages.success(request, _("The application window was created; its draw seed hash is published."))
                    return redirect("after_school:manage")
            elif request.POST.get("form") == "lottery":
                window = selectors.windows_for_staff(user=request.user).filter(pk=request.POST.get("window")).first()
                if window is None:
                    raise NotFound()
                lottery_start(window=window, actor=request.user)
                messages.success(request, _("The lottery was started; its progress is shown below."))
                return redirect("after_school:manage")
        except DomainError as exc:
            _fail(request, exc)
    return render(request, "after_school/manage.html", {
        "offerings": selectors.offerings_for_staff(user=request.user, term=term),
        "windows": selectors.windows_for_staff(user=request.user), "term": term,
        "offering_form": offering_form, "window_form": window_form, "now": timezone.now()})


@staff(*SUPERVISORS)
def supervision(request):
    by = "school" if request.GET.get("by") == "school" else "district"
    prefix = "".join(c for c in request.GET.get("region", "") if c.isdigit())[:12]
    rows = selectors.supervision(user=request.user, by=by, region_prefix=prefix)
    total = selectors.supervision_total(rows) if rows else None
    return render(request, "after_school/supervision.html", {
        "rows": rows, "total": total, "by": by, "term": selectors.current_term(),
        "target": selectors.TARGET_PERCENT})
