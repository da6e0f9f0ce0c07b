"""Pages: station list, kiosk, phone ticket, ticket follow, hall display (with
server-sent events), clerk tablet, statistics, the 15-minute circle map."""

from datetime import timedelta
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minsheng.access.decorators import citizen, public, staff
from minsheng.core.errors import DomainError, NotAllowed, NotFound
from minsheng.ratings.models import RatingLevel

from . import selectors, services
from .models import AppointmentSlot, BusinessType, PriorityReason, Window

CLERK = ("window_clerk", "hall_manager")
STATS = ("hall_manager", "supervisor")


def http_errors(view):
    """NotFound → 404 and NotAllowed → 403 for pages (the API maps them itself)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound as e:
            raise Http404(str(e.message))
        except NotAllowed as e:
            raise PermissionDenied(str(e.message))

    return wrapped


def _qr_svg(url: str) -> str:
    import segno

    return segno.make(url, error="m").svg_inline(scale=4)


def _business(point, business_id) -> BusinessType:
    biz = point.business_types.filter(pk=business_id or 0, is_active=True).first()
    if biz is None:
        raise NotFound(_("Choose one of the businesses this service point handles."))
    return biz


def _person(user):
    return getattr(user, "person", None) if user.is_authenticated else None


# --- citizens ----------------------------------------------------------------
@public
@http_errors
def points(request):
    q = request.GET.get("q", "").strip()[:50]
    rows = selectors.points_list(q=q)[:200]
    return render(request, "service_halls/points.html", {"points": rows, "q": q})


@public
@http_errors
def point_detail(request, point_id: int):
    point = selectors.point_get(point_id=point_id)
    counts = selectors.waiting_counts(point=point)
    businesses = [(b, counts.get(b.pk, 0)) for b in point.business_types.filter(is_active=True)]
    url = request.build_absolute_uri(reverse("service_halls:point", args=[point.pk]))
    return render(request, "service_halls/point.html", {
        "point": point, "businesses": businesses, "qr": _qr_svg(url),
        "is_open": services.point_is_open(point=point),
        "hours": point.opening_hours.all(),
    })


@citizen
@require_POST
@http_errors
def take_ticket(request, point_id: int):
    point = selectors.point_get(point_id=point_id)
    try:
        ticket = services.ticket_issue(
            point=point, business_type=_business(point, request.POST.get("business")),
            channel="phone", person=_person(request.user), user=request.user,
        )
    except DomainError as e:
        messages.error(request, e.message)
        return redirect("service_halls:point", point_id=point.pk)
    return redirect("service_halls:ticket", token=ticket.token)


@public
@http_errors
def kiosk(request, point_id: int):
    hall = selectors.hall_get(point_id=point_id)
    point = hall.point
    error = None
    if request.method == "POST":
        reason = request.POST.get("priority_reason", "")
        raw = request.POST.get("business", "")
        biz = hall.businesses.get(int(raw)) if raw.isdigit() else None
        try:
            if biz is None:
                raise NotFound(_("Choose one of the businesses this service point handles."))
            ticket = services.ticket_issue(
                point=point, business_type=biz,
                channel="kiosk", priority_reason=reason or None,
            )
            return redirect(reverse("service_halls:ticket", args=[ticket.token]) + "?kiosk=1")
        except DomainError as e:
            error = e.message
    return render(request, "service_halls/kiosk.html", {
        "point": point, "businesses": sorted(hall.businesses.values(), key=lambda b: (b.order, b.prefix)),
        "reasons": PriorityReason.choices, "error": error,
        "is_open": services.point_is_open(point=point),
    }, status=422 if error else 200)


@public
@http_errors
def ticket_page(request, token: str):
    ticket = selectors.ticket_by_token(token=token)
    url = request.build_absolute_uri(reverse("service_halls:ticket", args=[token]))
    return render(request, "service_halls/ticket.html", {
        "ticket": ticket, "status": selectors.queue_status(ticket=ticket), "qr": _qr_svg(url),
        "from_kiosk": request.GET.get("kiosk") == "1",
        "can_cancel": request.user.is_authenticated and ticket.user_id == request.user.pk,
        "can_rate": request.user.is_authenticated and ticket.user_id == request.user.pk and ticket.state == "done",
        "levels": RatingLevel.choices,
    })


@public
@http_errors
def ticket_status(request, token: str):
    ticket = selectors.ticket_by_token(token=token)
    return JsonResponse(selectors.queue_status(ticket=ticket))


@citizen
@require_POST
@http_errors
def ticket_rate(request, token: str):
    ticket = selectors.ticket_by_token(token=token)
    try:
        services.ticket_rate(ticket=ticket, user=request.user, level=int(request.POST.get("level") or 0),
                             comment=request.POST.get("comment", ""))
        messages.success(request, _("Thank you for rating the service."))
    except DomainError as e:
        messages.error(request, e.message)
    except ValueError:
        messages.error(request, _("Choose one of the five levels."))
    return redirect("service_halls:ticket", token=token)


@citizen
@require_POST
@http_errors
def ticket_cancel(request, token: str):
    ticket = selectors.ticket_by_token(token=token)
    try:
        services.ticket_cancel(ticket=ticket, user=request.user)
        messages.success(request, _("Your number has been cancelled."))
    except DomainError as e:
        messages.error(request, e.message)
    return redirect("service_halls:ticket", token=token)


@citizen
@http_errors
def appointments(request, point_id: int):
    point = selectors.point_get(point_id=point_id)
    if request.method == "POST":
        slot = AppointmentSlot.objects.filter(pk=request.POST.get("slot") or 0, point=point).first()
        if slot is None:
            messages.error(request, _("Choose one of the listed times."))
        else:
            try:
                services.appointment_book(slot=slot, user=request.user, person=_person(request.user))
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
    from .models import Appointment

    if request.method == "POST":
        appointment = Appointment.objects.filter(pk=request.POST.get("appointment") or 0, user=request.user).select_related("slot__point", "slot__business_type").first()
        if appointment is None:
            messages.error(request, _("This appointment does not exist."))
        else:
            try:
                if request.POST.get("action") == "cancel":
                    services.appointment_cancel(appointment=appointment, user=request.user)
                    messages.success(request, _("Your appointment has been cancelled."))
                else:
                    ticket = services.ticket_issue(
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


# --- the hall's TV ---------------------------------------------------------------
@public
@http_errors
def display(request, point_id: int):
    point = selectors.point_get(point_id=point_id)
    return render(request, "service_halls/display.html", {"point": point})


@public
@http_errors
def display_feed(request, point_id: int):
    point = selectors.point_get(point_id=point_id)
    return JsonResponse(selectors.display_snapshot(point=point))


# --- clerks ------------------------------------------------------------------------
@staff(*CLERK)
@http_errors
def clerk_home(request):
    windows = selectors.windows_for(user=request.user).order_by("point__name", "number")[:200]
    return render(request, "service_halls/clerk_home.html", {"windows": windows})


@staff(*CLERK)
@require_POST
@http_errors
def clerk_sign(request, window_id: int):
    window = selectors.window_get_for(user=request.user, window_id=window_id)
    try:
        if request.POST.get("action") == "off":
            services.window_sign_off(window=window, clerk=request.user)
            return redirect("service_halls:clerk_home")
        services.window_sign_on(window=window, clerk=request.user)
    except DomainError as e:
        messages.error(request, e.message)
        return redirect("service_halls:clerk_home")
    return redirect("service_halls:clerk_window", window_id=window.pk)


@staff(*CLERK)
@http_errors
def clerk_window(request, window_id: int):
    window = selectors.window_get_for(user=request.user, window_id=window_id)
    point = window.point
    counts = selectors.waiting_counts(point=point)
    return render(request, "service_halls/clerk_window.html", {
        "window": window, "point": point,
        "current": selectors.ticket_at_window(window=window),
        "counts": [(b, counts.get(b.pk, 0)) for b in window.business_types.all()],
        "businesses": point.business_types.filter(is_active=True),
        "other_windows": Window.objects.filter(point=point).exclude(pk=window.pk),
        "is_mine": window.clerk_id == request.user.pk,
    })


@staff(*CLERK)
@require_POST
@http_errors
def clerk_action(request, window_id: int, action: str):
    window = selectors.window_get_for(user=request.user, window_id=window_id)
    clerk = request.user
    try:
        if action == "call":
            ticket = services.window_call_next(window=window, clerk=clerk)
            if ticket is None:
                messages.info(request, _("Nobody is waiting for this window's businesses."))
        else:
            ticket_id = int(request.POST.get("ticket") or 0)
            if action in ("recall", "skip", "start", "finish"):
                services.window_ticket_act(
                    action=action, window_id=window.pk, ticket_id=ticket_id, clerk=clerk,
                    ticket_for=lambda: selectors.ticket_get_for_window(window=window, ticket_id=ticket_id),
                )
            elif action == "transfer":
                ticket = selectors.ticket_get_for_window(window=window, ticket_id=ticket_id)
                biz = window.point.business_types.filter(pk=request.POST.get("business") or 0).first()
                to = Window.objects.filter(point=window.point, pk=request.POST.get("to_window") or 0).first()
                services.ticket_transfer(ticket=ticket, clerk=clerk, business_type=biz, to_window=to)
            else:
                raise NotFound()
    except DomainError as e:
        messages.error(request, e.message)
    except ValueError:
        messages.error(request, _("Choose a number at this window."))
    return redirect("service_halls:clerk_window", window_id=window.pk)


# --- statistics ---------------------------------------------------------------------
@staff(*STATS)
@http_errors
def stats(request):
    today = timezone.localdate()
    try:
        date_from = timezone.datetime.fromisoformat(request.GET["from"]).date() if request.GET.get("from") else today - timedelta(days=6)
        date_to = timezone.datetime.fromisoformat(request.GET["to"]).date() if request.GET.get("to") else today
    except ValueError:
        messages.error(request, _("Enter dates as YYYY-MM-DD."))
        date_from, date_to = today - timedelta(days=6), today
    data = selectors.hall_stats(points=selectors.points_for_stats(user=request.user), date_from=date_from, date_to=date_to)
    return render(request, "service_halls/stats.html", {"s": data, "date_from": date_from, "date_to": date_to})


# --- the 15-minute circle ------------------------------------------------------------
def _map(rows, points):
    """Project to an SVG box (equirectangular; fine at a city's size)."""
    coords = [(r.community.latitude, r.community.longitude) for r in rows if r.community.latitude]
    coords += [(p.latitude, p.longitude) for p in points]
    if not coords:
        return None
    lat0, lat1 = min(c[0] for c in coords), max(c[0] for c in coords)
    lon0, lon1 = min(c[1] for c in coords), max(c[1] for c in coords)
    import math

    kx = math.cos(math.radians((lat0 + lat1) / 2))
    w_deg, h_deg = max((lon1 - lon0) * kx, 1e-4), max(lat1 - lat0, 1e-4)
    width = 800
    height = max(200, int(width * h_deg / w_deg))

    def xy(lat, lon):
        return (round(10 + (lon - lon0) * kx / w_deg * (width - 20), 1),
                round(10 + (lat1 - lat) / h_deg * (height - 20), 1))

    def colour(r):
        if r.minutes is None:
            return "#8c959f"
        share = r.minutes / max(1, r.threshold_min)
        return "#1a7f37" if share <= 0.5 else "#7ab648" if share <= 1 else "#d4a72c" if share <= 1.5 else "#cf222e"

    dots = [(*xy(r.community.latitude, r.community.longitude), colour(r), r) for r in rows if r.community.latitude]
    marks = [(*xy(p.latitude, p.longitude), p) for p in points]
    return {"width": width, "height": height, "dots": dots, "points": marks}


@public
@http_errors
def coverage(request):
    from .models import CoverageSettings, ServicePoint

    run = selectors.coverage_current()
    rows = list(selectors.coverage_rows(run=run)) if run else []
    points_qs = ServicePoint.objects.filter(is_active=True, latitude__isnull=False)
    uncovered = sorted((r for r in rows if not r.covered), key=lambda r: -(r.population or 0))
    methods = {r.method for r in rows}
    return render(request, "service_halls/coverage.html", {
        "run": run, "map": _map(rows, list(points_qs)), "uncovered": uncovered[:300],
        "estimate_only": methods == {"estimate"}, "mixed": len(methods) > 1,
        "settings": CoverageSettings.current(),
    })


@staff(*STATS)
@http_errors
def recommend(request):
    run = selectors.coverage_current()
    try:
        k = max(1, min(20, int(request.GET.get("k", 5))))
    except ValueError:
        k = 5
    picks = []
    if run is not None:
        from .coverage import recommend_for_run

        picks = recommend_for_run(run=run, k=k)
    return render(request, "service_halls/recommend.html", {"run": run, "picks": picks, "k": k})


@staff(*STATS)
@require_POST
@http_errors
def coverage_refresh(request):
    from .tasks import coverage_recompute

    coverage_recompute.enqueue(trigger="requested")
    messages.success(request, _("The 15-minute circle is being recomputed; reload in a moment."))
    return redirect("service_halls:coverage")


