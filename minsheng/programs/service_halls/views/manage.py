"""The hall manager's workbench pages: service points, zones, windows and who is
on duty, opening hours and closures, appointment slots and the day's
appointments; business types (city-wide) for hall managers and supervisors.

Every record comes through a gate in selectors/manage.py (another hall's records
are 404); every change is one service call (services/points, schedule, business_types). A refused change
re-renders the page with the reasons next to the fields (status 422)."""

from datetime import timedelta

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from minsheng.access.decorators import staff
from minsheng.core.errors import DomainError, NotFound, ValidationFailed

from ..apps import BUSINESS, MANAGERS
from ..forms import (
    BusinessTypeForm,
    ClosureForm,
    DayForm,
    HoursForm,
    PointCreateForm,
    PointEditForm,
    PointMoveForm,
    SlotsForm,
    WindowForm,
    ZoneForm,
    errors_to_form,
)
from ..selectors import manage as manage_sel
from ..services import business_types as business_types_svc
from ..services import points as points_svc
from ..services import schedule as schedule_svc
from ..services import windows as windows_svc
from . import http_errors


def _page(request, template: str, context: dict, *, failed: bool = False):
    return render(request, template, context, status=422 if failed else 200)


def _submit(request, form, call, success, to):
    """For a valid ``form``, run ``call(cleaned_data)`` (one service); on success
    flash ``success`` (or ``success(result)``) and redirect to ``to`` (or
    ``to(result, cleaned_data)``). A refusal is shown next to the fields; None then."""
    if not form.is_valid():
        return None
    try:
        result = call(form.cleaned_data)
    except DomainError as e:
        errors_to_form(form, e)
        return None
    messages.success(request, success(result) if callable(success) else success)
    return redirect(to(result, form.cleaned_data) if callable(to) else to)


def _refuse(request, error: DomainError) -> None:
    messages.error(request, error.message)
    for field_messages in error.fields.values():
        for m in field_messages:
            if m != str(error.message):
                messages.error(request, m)


def _dispatch(request, act):
    """Run ``act(action)`` for the POST's ``form`` field (which of the page's forms was sent):
    its response, or None to re-render the page. Another hall's record (NotFound) is a 404,
    as the gates answer everywhere; any other refusal is shown as messages."""
    try:
        return act(request.POST.get("form"))
    except NotFound:
        raise
    except DomainError as e:
        _refuse(request, e)
        return None


def _post_id(request, name: str) -> int:
    raw = request.POST.get(name, "")
    if not raw.isdigit():
        raise NotFound()
    return int(raw)


def _done(request, message, to: str):
    messages.success(request, message)
    return redirect(to)


# --- points --------------------------------------------------------------------------
@staff(*MANAGERS)
@http_errors
def manage_home(request):
    points = manage_sel.points_managed(user=request.user).order_by("-is_active", "region_id", "name")[:300]
    may_add = request.user.is_superuser or bool(manage_sel.manager_parents(user=request.user))
    return render(request, "service_halls/manage/home.html", {"points": points, "may_add": may_add})


@staff(*MANAGERS)
@http_errors
def point_new(request):
    parents = manage_sel.manager_parents(user=request.user)
    form = PointCreateForm(request.POST or None, parents=parents)

    def create(d):
        parent_id = d.get("parent") or (parents[0].organisation_id if parents else None)
        return points_svc.point_create(
            name=d["name"], level=d["level"], region=d["region"], address=d["address"],
            latitude=d["latitude"], longitude=d["longitude"], priority_every=d["priority_every"],
            business_types=list(d["business_types"]), actor=request.user,
            parent=next((a.organisation for a in parents if a.organisation_id == parent_id), None),
        )

    if request.method == "POST":
        done = _submit(request, form, create,
                       _("The service point was added; the 15-minute circle is being recomputed."),
                       lambda point, _d: reverse("service_halls:manage_point", args=[point.pk]))
        if done is not None:
            return done
    return _page(request, "service_halls/manage/point_new.html", {
        "form": form, "regions": manage_sel.regions_for_manager(user=request.user),
    }, failed=request.method == "POST")


@staff(*MANAGERS)
@http_errors
def point_manage(request, point_id: int):
    point = manage_sel.point_get_managed(user=request.user, point_id=point_id)
    here = reverse("service_halls:manage_point", args=[point.pk])
    edit = PointEditForm(initial={
        "name": point.name, "level": point.level, "region": point.region_id, "address": point.address,
        "priority_every": point.priority_every, "business_types": list(point.business_types.all()),
    })
    move = PointMoveForm(initial={"latitude": point.latitude, "longitude": point.longitude})
    if request.method == "POST":

        def act(action):
            nonlocal edit, move
            if action == "edit":
                edit = PointEditForm(request.POST)
                return _submit(request, edit, lambda d: points_svc.point_update(
                    point=point, name=d["name"], level=d["level"], region=d["region"], address=d["address"],
                    priority_every=d["priority_every"], business_types=list(d["business_types"]),
                    actor=request.user), _("The service point was saved."), here)
            if action == "move":
                move = PointMoveForm(request.POST)
                return _submit(request, move, lambda d: points_svc.point_move(point=point, actor=request.user, **d),
                               _("The location was saved; the 15-minute circle is being recomputed."), here)
            if action == "close":
                points_svc.point_close(point=point, actor=request.user)
                return _done(request, _("The service point is closed: it issues no more numbers and is left out of the 15-minute circle."), here)
            if action == "reopen":
                points_svc.point_reopen(point=point, actor=request.user)
                return _done(request, _("The service point is in service again."), here)
            raise NotFound()

        done = _dispatch(request, act)
        if done is not None:
            return done
        point.refresh_from_db()
    return _page(request, "service_halls/manage/point.html", {
        "point": point, "edit": edit, "move": move, "tab": "point",
        "in_hall": manage_sel.in_hall_counts(point=point),
        "regions": manage_sel.regions_for_manager(user=request.user),
    }, failed=request.method == "POST")


# --- zones ---------------------------------------------------------------------------
@staff(*MANAGERS)
@http_errors
def zones(request, point_id: int):
    point = manage_sel.point_get_managed(user=request.user, point_id=point_id)
    here = reverse("service_halls:manage_zones", args=[point.pk])
    form = ZoneForm()
    if request.method == "POST":

        def act(action):
            nonlocal form
            if action == "create":
                form = ZoneForm(request.POST)
                return _submit(request, form, lambda d: points_svc.zone_create(point=point, actor=request.user, **d),
                               _("The zone was added."), here)
            if action in ("update", "delete"):
                zone = manage_sel.zone_get_managed(user=request.user, zone_id=_post_id(request, "zone"))
                if zone.point_id != point.pk:
                    raise NotFound()
                if action == "delete":
                    points_svc.zone_delete(zone=zone, actor=request.user)
                    return _done(request, _("The zone was removed; its windows stay, without a zone."), here)
                row = ZoneForm(request.POST)
                if not row.is_valid():
                    raise ValidationFailed(_("Choose the zone's kind and enter its name."))
                points_svc.zone_update(zone=zone, actor=request.user, **row.cleaned_data)
                return _done(request, _("The zone was saved."), here)
            raise NotFound()

        done = _dispatch(request, act)
        if done is not None:
            return done
    return _page(request, "service_halls/manage/zones.html", {
        "point": point, "tab": "zones", "form": form,
        "zones": [(z, ZoneForm(initial={"kind": z.kind, "name": z.name}, auto_id=f"zone{z.pk}_%s")) for z in point.zones.all()],
    }, failed=request.method == "POST")


# --- windows and who is on duty ----------------------------------------------------------
@staff(*MANAGERS)
@http_errors
def windows(request, point_id: int):
    point = manage_sel.point_get_managed(user=request.user, point_id=point_id)
    form = WindowForm(point=point, initial={"business_types": list(point.business_types.all())})
    if request.method == "POST":
        form = WindowForm(request.POST, point=point)
        done = _submit(request, form, lambda d: points_svc.window_create(point=point, actor=request.user, **d),
                       lambda w: _("Window %(n)s was added.") % {"n": w.number},
                       reverse("service_halls:manage_windows", args=[point.pk]))
        if done is not None:
            return done
    return _page(request, "service_halls/manage/windows.html", {
        "point": point, "tab": "windows", "form": form, "windows": manage_sel.windows_on_duty(point=point),
    }, failed=request.method == "POST")


@staff(*MANAGERS)
@http_errors
def window_edit(request, window_id: int):
    window = manage_sel.window_get_managed(user=request.user, window_id=window_id)
    point = window.point
    form = WindowForm(point=point, initial={
        "number": window.number, "zone": window.zone_id, "business_types": list(window.business_types.all())})
    if request.method == "POST":
        form = WindowForm(request.POST, point=point)
        done = _submit(request, form, lambda d: points_svc.window_update(window=window, actor=request.user, **d),
                       lambda w: _("Window %(n)s was saved.") % {"n": w.number},
                       reverse("service_halls:manage_windows", args=[point.pk]))
        if done is not None:
            return done
        window.refresh_from_db()
    return _page(request, "service_halls/manage/window_edit.html", {
        "point": point, "window": window, "tab": "windows", "form": form,
    }, failed=request.method == "POST")


@staff(*MANAGERS)
@require_POST
@http_errors
def window_sign_off(request, window_id: int):
    window = manage_sel.window_get_managed(user=request.user, window_id=window_id)
    try:
        windows_svc.window_sign_off(window=window, clerk=request.user)
        messages.success(request, _("The clerk was signed off window %(n)s.") % {"n": window.number})
    except DomainError as e:
        _refuse(request, e)
    return redirect("service_halls:manage_windows", point_id=window.point_id)


# --- opening hours and closures -------------------------------------------------------------
@staff(*MANAGERS)
@http_errors
def hours(request, point_id: int):
    point = manage_sel.point_get_managed(user=request.user, point_id=point_id)
    here = reverse("service_halls:manage_hours", args=[point.pk])
    hours_form = HoursForm(initial=HoursForm.initial_for(point.opening_hours.all()))
    closure_form = ClosureForm()

    def closed(added) -> str:
        text = ngettext("The point will be closed on %(n)d day.", "The point will be closed on %(n)d days.",
                        len(added)) % {"n": len(added)}
        booked = manage_sel.booked_on(point=point, days=[c.date for c in added])
        if booked:
            text += " " + ngettext("%(n)d appointment is booked on those days: let the citizen know.",
                                   "%(n)d appointments are booked on those days: let the citizens know.",
                                   booked) % {"n": booked}
        return text

    if request.method == "POST":

        def act(action):
            nonlocal hours_form, closure_form
            if action == "hours":
                hours_form = HoursForm(request.POST)
                return _submit(request, hours_form, lambda d: schedule_svc.hours_set(
                    point=point, periods=d["periods"], actor=request.user), _("The opening hours were saved."), here)
            if action == "closure":
                closure_form = ClosureForm(request.POST)
                return _submit(request, closure_form, lambda d: schedule_svc.closures_add(
                    point=point, actor=request.user, **d), closed, here)
            if action == "reopen_day":
                closure = manage_sel.closure_get_managed(user=request.user, closure_id=_post_id(request, "closure"))
                if closure.point_id != point.pk:
                    raise NotFound()
                schedule_svc.closure_remove(closure=closure, actor=request.user)
                return _done(request, _("The point opens on %(day)s as usual.") % {"day": closure.date.isoformat()},
                             here)
            raise NotFound()

        done = _dispatch(request, act)
        if done is not None:
            return done
    return _page(request, "service_halls/manage/hours.html", {
        "point": point, "tab": "hours", "hours_form": hours_form, "closure_form": closure_form,
        "closures": point.closures.filter(date__gte=timezone.localdate()).order_by("date"),
    }, failed=request.method == "POST")


# --- appointment slots and the day's appointments ------------------------------------------
@staff(*MANAGERS)
@http_errors
def appointments(request, point_id: int):
    point = manage_sel.point_get_managed(user=request.user, point_id=point_id)
    today = timezone.localdate()
    day = parse_date(request.GET.get("day") or "") or today
    first = max(day, today)
    form = SlotsForm(point=point, initial={"date_from": first, "date_to": first})
    if request.method == "POST":

        def act(action):
            nonlocal form
            if action == "slots":
                form = SlotsForm(request.POST, point=point)
                return _submit(
                    request, form, lambda d: schedule_svc.slots_create_range(point=point, actor=request.user, **d),
                    lambda n: ngettext("%(n)d appointment time was added.", "%(n)d appointment times were added.",
                                       n) % {"n": n},
                    lambda _n, d: f"{request.path}?day={d['date_from'].isoformat()}")
            if action == "slot_delete":
                slot = manage_sel.slot_get_managed(user=request.user, slot_id=_post_id(request, "slot"))
                if slot.point_id != point.pk:
                    raise NotFound()
                schedule_svc.slot_delete(slot=slot, actor=request.user)
                return _done(request, _("The appointment time was removed."),
                             f"{request.path}?day={timezone.localdate(slot.starts_at).isoformat()}")
            raise NotFound()

        done = _dispatch(request, act)
        if done is not None:
            return done
    return _page(request, "service_halls/manage/appointments.html", {
        "point": point, "tab": "appointments", "form": form, "day": day, "day_form": DayForm(initial={"day": day}),
        "previous_day": day - timedelta(days=1), "next_day": day + timedelta(days=1),
        "slots": manage_sel.slots_for_day(point=point, day=day),
        "appointments": manage_sel.appointments_for_day(point=point, day=day),
    }, failed=request.method == "POST")


# --- business types (city-wide) -------------------------------------------------------------
@staff(*BUSINESS)
@http_errors
def business_types(request):
    form = BusinessTypeForm()
    if request.method == "POST":
        form = BusinessTypeForm(request.POST)
        done = _submit(request, form, lambda d: business_types_svc.business_type_create(actor=request.user, **d),
                       _("The business type was added. Add it to the points that handle it."),
                       reverse("service_halls:manage_business_types"))
        if done is not None:
            return done
    return _page(request, "service_halls/manage/business_types.html", {
        "form": form, "business_types": manage_sel.business_types_all(),
    }, failed=request.method == "POST")


@staff(*BUSINESS)
@http_errors
def business_type_edit(request, business_type_id: int):
    biz = manage_sel.business_type_get(business_type_id=business_type_id)
    form = BusinessTypeForm(editing=True, initial={
        "name": biz.name, "prefix": biz.prefix, "typical_minutes": biz.typical_minutes,
        "order": biz.order, "is_active": biz.is_active})
    if request.method == "POST":
        form = BusinessTypeForm(request.POST, editing=True)
        done = _submit(request, form, lambda d: business_types_svc.business_type_update(
            business_type=biz, actor=request.user, **d), _("The business type was saved."),
            reverse("service_halls:manage_business_types"))
        if done is not None:
            return done
        biz.refresh_from_db()
    return _page(request, "service_halls/manage/business_type_edit.html", {
        "business_type": biz, "form": form,
    }, failed=request.method == "POST")
