"""Booking and dispatching visits: the family (or the elder) books a visit from the month's
entitlement — or a community worker or civil-affairs officer books for an elder with no phone —
and the provider's dispatcher gives each booked visit to one of its caregivers, seeing each
caregiver's other visits that day."""

from datetime import date

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minsheng.access.decorators import citizen, staff
from minsheng.cases.selectors import people_in_care_ids
from minsheng.core.errors import DomainError

from ..forms_booking import BookForm, DispatchForm, ElderSearchForm
from ..models import Caregiver, OrderStatus, ServiceItem, WorkOrder
from ..services import booking
from ..services.orders import order_dispatch
from . import show_error


@citizen
def book_start(request):
    """The elders the signed-in person may book for (an officer searches by name)."""
    form = ElderSearchForm(request.GET or None)
    elders = booking.elders_bookable_by(user=request.user)
    q = request.GET.get("q", "").strip()
    if q:
        elders = elders.filter(person__name__contains=q)
    return render(
        request, "elderly_care/book_start.html",
        {"elders": elders.order_by("person__name")[:50], "form": form, "q": q},
    )


def _day(value: str | None) -> date:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return timezone.localdate()


@citizen
def book(request, elder_id: int):
    elder = booking.elder_get_for_booking(user=request.user, elder_id=elder_id)
    if elder is None:
        raise Http404
    day = _day(request.POST.get("day") if request.method == "POST" else request.GET.get("day"))
    offers = booking.booking_offers(elder=elder, on=day)
    form = BookForm(request.POST or None, offers=offers, initial={"day": day})
    if request.method == "POST" and form.is_valid():
        provider_id, service_id = form.cleaned_offer()
        try:
            order = booking.visit_book(
                elder=elder, provider_id=provider_id,
                service=ServiceItem.objects.get(pk=service_id), day=form.cleaned_data["day"],
                slot=form.cleaned_slot(), actor=request.user,
                on_behalf=elder.person_id not in people_in_care_ids(user=request.user),
            )
        except DomainError as exc:
            show_error(request, exc)
        else:
            messages.success(
                request,
                _("Visit booked for %(when)s. The provider will name the caregiver.")
                % {"when": timezone.localtime(order.planned_start).strftime("%Y-%m-%d %H:%M")},
            )
            return redirect("elderly_care:book", elder_id=elder.pk)
    upcoming = (
        WorkOrder.objects.filter(elder=elder, planned_start__gte=timezone.now())
        .exclude(status=OrderStatus.CANCELLED)
        .select_related("service", "caregiver__user")
        .order_by("planned_start")[:20]
    )
    return render(
        request, "elderly_care/book.html",
        {"elder": elder, "form": form, "offers": offers, "upcoming": upcoming,
         "remaining": booking.entitlement_remaining(elder=elder, month=day), "month": day},
    )


@staff("provider_admin")
def dispatch_list(request):
    orders = list(booking.orders_to_dispatch(user=request.user)[:100])
    caregivers: dict[int, list[Caregiver]] = {}
    for c in Caregiver.objects.filter(
        provider_id__in={o.provider_id for o in orders}, is_active=True
    ).select_related("user").order_by("user__name"):
        caregivers.setdefault(c.provider_id, []).append(c)
    visits = booking.caregiver_visits_on(
        caregiver_ids=[c.pk for cs in caregivers.values() for c in cs],
        days={timezone.localdate(o.planned_start) for o in orders},
    )
    rows = []
    for o in orders:
        day = timezone.localdate(o.planned_start)
        mine = caregivers.get(o.provider_id, [])
        others = {
            c.pk: [v for v in visits.get((c.pk, day), []) if v.pk != o.pk] for c in mine
        }
        busy = {
            pk for pk, vs in others.items()
            if any(booking.overlaps(o.planned_start, o.planned_minutes, v.planned_start, v.planned_minutes)
                   for v in vs)
        }
        rows.append({
            "order": o,
            "form": DispatchForm(caregivers=mine, busy=busy, initial={"caregiver": o.caregiver_id},
                                 auto_id=f"id_{o.pk}_%s"),
            "day_visits": [(c, others[c.pk], c.pk in busy) for c in mine if others[c.pk]],
        })
    return render(
        request, "elderly_care/dispatch.html",
        {"unassigned": [r for r in rows if r["order"].status == OrderStatus.PLANNED],
         "assigned": [r for r in rows if r["order"].status == OrderStatus.DISPATCHED]},
    )


@staff("provider_admin")
@require_POST
def dispatch(request, order_id: int):
    order = booking.order_get_for_dispatch(user=request.user, order_id=order_id)
    if order is None:
        raise Http404
    mine = list(Caregiver.objects.filter(provider_id=order.provider_id, is_active=True).select_related("user"))
    form = DispatchForm(request.POST, caregivers=mine)
    if not form.is_valid():
        messages.error(request, _("Choose an active caregiver who works for this provider."))
        return redirect("elderly_care:dispatch_list")
    caregiver = next(c for c in mine if str(c.pk) == form.cleaned_data["caregiver"])
    try:
        order_dispatch(order=order, caregiver=caregiver, actor=request.user)
    except DomainError as exc:
        show_error(request, exc)
    else:
        messages.success(
            request,
            _("Visit #%(id)s given to %(name)s.") % {"id": order.pk, "name": caregiver.user.name},
        )
    return redirect("elderly_care:dispatch_list")
