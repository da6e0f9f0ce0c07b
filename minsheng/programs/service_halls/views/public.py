"""Pages anyone may open: the station list, a station with its QR code, the touch kiosk,
a ticket's follow page, the 15-minute circle."""

import math

from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from minsheng.access.decorators import public
from minsheng.core.errors import DomainError, NotFound
from minsheng.ratings.models import RatingLevel

from ..forms import KioskForm, KioskPhoneForm, NearestForm, PointSearchForm, RatingForm
from ..models import CoverageSettings, PriorityReason, ServicePoint
from ..selectors.coverage import coverage_current, coverage_rows
from ..selectors.halls import hall_get, kiosk_choice, point_get, point_is_open, points_list
from ..selectors.queue import queue_status, ticket_by_token, ticket_is_held_by, waiting_counts
from ..services.tickets import ticket_issue
from . import http_errors, qr_svg
from .maps import map_settings


@public
@http_errors
def points(request):
    form = PointSearchForm(request.GET or None)
    q = form.cleaned_data["q"].strip() if form.is_valid() else ""
    rows = points_list(q=q)[:200]
    return render(request, "service_halls/points.html", {"points": rows, "q": q, "form": form})


@public
@http_errors
def point_detail(request, point_id: int):
    point = point_get(point_id=point_id)
    counts = waiting_counts(point=point)
    businesses = [(b, counts.get(b.pk, 0)) for b in point.business_types.filter(is_active=True)]
    url = request.build_absolute_uri(reverse("service_halls:point", args=[point.pk]))
    return render(request, "service_halls/point.html", {
        "point": point, "businesses": businesses, "qr": qr_svg(url),
        "is_open": point_is_open(point=point),
        "hours": point.opening_hours.all(),
    })


@public
@http_errors
def kiosk(request, point_id: int):
    error = None
    phone_form = KioskPhoneForm(request.POST or None)
    if request.method == "POST":
        # The chosen business at this point in one read; whether the hall is open and handles
        # it is read again with the number (services.tickets), so nothing here is kept.
        choice = kiosk_choice(point_id=point_id, business_id=request.POST.get("business", ""))
        try:
            if choice is None:
                raise NotFound(_("Choose one of the businesses this service point handles."))
            point, biz = choice
            phone = phone_form.cleaned_data["phone"] if phone_form.is_valid() else ""
            ticket = ticket_issue(
                point=point, business_type=biz,
                channel="kiosk", priority_reason=request.POST.get("priority_reason", "") or None, phone=phone,
            )
            return redirect(reverse("service_halls:ticket", args=[ticket.token]) + "?kiosk=1&" + _paper_query(request))
        except DomainError as e:
            error = e.message
            if "phone" in e.fields:
                phone_form.add_error("phone", e.fields["phone"])
    hall = hall_get(point_id=point_id)
    return render(request, "service_halls/kiosk.html", {
        "point": hall.point, "phone_form": phone_form, "businesses": sorted(hall.businesses.values(), key=lambda b: (b.order, b.prefix)),
        "form": KioskForm(reasons=PriorityReason.choices), "error": error,
        "is_open": hall.open,
    }, status=422 if error else 200)


RECEIPT_PAPERS = ("80", "58")  # mm; the first is the default


def _paper(request) -> str:
    paper = request.GET.get("paper", "")
    return paper if paper in RECEIPT_PAPERS else RECEIPT_PAPERS[0]


def _paper_query(request) -> str:
    """The kiosk's printer settings, carried from its address to the ticket and back:
    ``paper`` (58 or 80 mm receipt) and ``print=1`` (print each ticket when it shows)."""
    query = f"paper={_paper(request)}"
    return query + "&print=1" if request.GET.get("print") == "1" else query


def ticket_context(request, ticket, *, rate_form=None) -> dict:
    """What the ticket page shows; the rating view re-renders it with its bound form after a
    refusal, so the chosen level and the comment stay and the error shows once, at the field."""
    url = request.build_absolute_uri(reverse("service_halls:ticket", args=[ticket.token]))
    held = ticket_is_held_by(ticket=ticket, user=request.user)
    can_rate = held and ticket.state == "done"
    return {
        "ticket": ticket, "status": queue_status(ticket=ticket), "qr": qr_svg(url),
        "from_kiosk": request.GET.get("kiosk") == "1",
        "paper_css": f"service_halls/receipt-{_paper(request)}.css",
        "autoprint": request.GET.get("kiosk") == "1" and request.GET.get("print") == "1",
        "kiosk_query": _paper_query(request) if request.GET.get("kiosk") == "1" else "",
        "can_cancel": held,
        "can_rate": can_rate,
        "rate_form": rate_form or (RatingForm(levels=RatingLevel.choices) if can_rate else None),
    }


@public
@http_errors
def ticket_page(request, token: str):
    ticket = ticket_by_token(token=token)
    return render(request, "service_halls/ticket.html", ticket_context(request, ticket))


@public
@http_errors
def ticket_status(request, token: str):
    ticket = ticket_by_token(token=token)
    return JsonResponse(queue_status(ticket=ticket))


# --- the 15-minute circle ------------------------------------------------------------
def _map(rows, points):
    """Project to an SVG box (equirectangular; fine at a city's size)."""
    coords = [(r.community.latitude, r.community.longitude) for r in rows if r.community.latitude]
    coords += [(p.latitude, p.longitude) for p in points]
    if not coords:
        return None
    lat0, lat1 = min(c[0] for c in coords), max(c[0] for c in coords)
    lon0, lon1 = min(c[1] for c in coords), max(c[1] for c in coords)
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
    run = coverage_current()
    rows = list(coverage_rows(run=run)) if run else []
    points_qs = ServicePoint.objects.filter(is_active=True, latitude__isnull=False)
    uncovered = sorted((r for r in rows if not r.covered), key=lambda r: -(r.population or 0))
    methods = {r.method for r in rows}
    return render(request, "service_halls/coverage.html", {
        "map_settings": map_settings(), "nearest_form": NearestForm(),
        "run": run, "map": _map(rows, list(points_qs)), "uncovered": uncovered[:300],
        "estimate_only": methods == {"estimate"}, "mixed": len(methods) > 1,
        "settings": CoverageSettings.current(),
    })
