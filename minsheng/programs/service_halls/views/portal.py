"""A signed-in citizen's pages: take a number by phone, cancel or rate it, book an
appointment and take its number on the day."""

from datetime import timedelta

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minsheng.access.decorators import citizen
from minsheng.core.errors import DomainError, NotFound
from minsheng.ratings.models import RatingLevel

from ..forms import RatingForm, errors_to_form
from ..models import Appointment, AppointmentSlot, BusinessType
from ..selectors.halls import point_get
from ..selectors.queue import ticket_by_token
from ..services.appointments import appointment_book, appointment_cancel
from ..services.tickets import ticket_cancel as cancel_ticket
from ..services.tickets import ticket_issue
from ..services.tickets import ticket_rate as rate_ticket
from . import http_errors
from .public import ticket_context


def _business(point, business_id) -> BusinessType:
    biz = point.business_types.filter(pk=business_id or 0, is_active=True).first()
    if biz is None:
        raise NotFound(_("Choose one of the businesses this service point handles."))
    return biz


def _person(user):
    return getattr(user, "person", None) if user.is_authenticated else None


@citizen
@require_POST
@http_errors
def take_ticket(request, point_id: int):
    point = point_get(point_id=point_id)
    try:
        ticket = ticket_issue(
            point=point, business_type=_business(point, request.POST.get("business")),
            channel="phone", person=_person(request.user), user=request.user,
        )
    except DomainError as e:
        messages.error(request, e.message)
        return redirect("service_halls:point", point_id=point.pk)
    return redirect("service_halls:ticket", token=ticket.token)


@citizen
@require_POST
@http_errors
def ticket_rate(request, token: str):
    ticket = ticket_by_token(token=token)
    form = RatingForm(request.POST, levels=RatingLevel.choices)
    if form.is_valid():
        try:
            rate_ticket(ticket=ticket, user=request.user, level=form.cleaned_data["level"],
                        comment=form.cleaned_data["comment"])
            messages.success(request, _("Thank you for rating the service."))
            return redirect("service_halls:ticket", token=token)
        except DomainError as e:
            errors_to_form(form, e)
    return render(request, "service_halls/ticket.html", ticket_context(request, ticket, rate_form=form), status=422)


@citizen
@require_POST
@http_errors
def ticket_cancel(request, token: str):
    ticket = ticket_by_token(token=token)
    try:
        cancel_ticket(ticket=ticket, user=request.user)
        messages.success(request, _("Your number has been cancelled."))
    except DomainError as e:
        messages.error(request, e.message)
    return redirect("service_halls:ticket", token=token)


@citizen
@http_errors
def appointments(request, point_id: int):
    point = point_get(point_id=point_id)
    if request.method == "POST":
        slot = AppointmentSlot.objects.filter(pk=request.POST.get("slot") or 0, point=point).first()
        if slot is None:
            messages.error(request, _("Choose one of the listed times."))
        else:
            try:
                appointment_book(slot=slot, user=request.user, person=_person(request.user))
                messages.success(request, _("Your appointment is booked. On the day, take your number from “My appointments”."))
                return redirect("service_halls:my_appointments")
            except DomainError as e:
                messages.error(request, e.message)
    now = timezone.now()
    slots = (
        AppointmentSlot.objects.filter(point=point, starts_at__gt=now, starts_at__lt=now + timedelta(days=8))
        .select_related("business_type").order_by("starts_at")[:200]
    )
    return render(request, "service_halls/appointments.html", {"point": point, "slots": slots})


@citizen
@http_errors
def my_appointments(request):
    if request.method == "POST":
        # The pressed button carries the appointment: "take" (take my number) or "cancel".
        cancel = "cancel" in request.POST
        appointment_id = request.POST.get("cancel" if cancel else "take") or ""
        appointment = Appointment.objects.filter(pk=int(appointment_id) if appointment_id.isdigit() else 0, user=request.user).select_related("slot__point", "slot__business_type").first()
        if appointment is None:
            messages.error(request, _("This appointment does not exist."))
        else:
            try:
                if cancel:
                    appointment_cancel(appointment=appointment, user=request.user)
                    messages.success(request, _("Your appointment has been cancelled."))
                else:
                    ticket = ticket_issue(
                        point=appointment.slot.point, business_type=appointment.slot.business_type,
                        channel="appointment", appointment=appointment,
                    )
                    return redirect("service_halls:ticket", token=ticket.token)
            except DomainError as e:
                messages.error(request, e.message)
        return redirect("service_halls:my_appointments")
    rows = (
        Appointment.objects.filter(user=request.user)
        .select_related("slot__point", "slot__business_type").order_by("-slot__starts_at")[:50]
    )
    return render(request, "service_halls/my_appointments.html", {"appointments": rows})


@citizen
def priority(request):
    """The citizen's own priority at the halls' queues (disability, illness, pregnancy)."""
    from ..forms import PriorityFlagsForm
    from ..models import PriorityFlags
    from ..services.priority import priority_flags_set

    person = _person(request.user)
    current = PriorityFlags.objects.filter(person=person).first() if person else None
    initial = ({"disabled": current.disabled, "ill": current.ill, "pregnant_until": current.pregnant_until}
               if current else {})
    form = PriorityFlagsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            priority_flags_set(person=person, actor=request.user, **form.cleaned_data)
            messages.success(request, _("Saved. Your next number at a service hall takes this into account."))
            return redirect("service_halls:priority")
        except DomainError as exc:
            for field, errors in exc.fields.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
            if not exc.fields:
                messages.error(request, str(exc.message))
    return render(request, "service_halls/priority.html", {"form": form})
