"""Staff at work: the clerk's window tablet (sign on, call next, act on the number at the
window), the statistics, and where new service points would cover the most people."""

from datetime import timedelta

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minsheng.access.decorators import staff
from minsheng.core.charts import Chart, Series, chart_csv_response, scope_text
from minsheng.core.errors import DomainError, NotFound

from ..apps import CLERKS, STATS
from ..forms import DateRangeForm, RecommendForm
from ..models import TicketState, Window, actions_allowed
from ..selectors.coverage import coverage_current
from ..selectors.queue import ticket_at_window, waiting_counts, window_get_for, windows_for
from ..selectors.stats import hall_stats, points_for_stats
from ..services.calling import WINDOW_ACTS, ticket_transfer, window_call_next
from ..services.windows import window_sign_off, window_sign_on
from . import http_errors


@staff(*CLERKS)
@http_errors
def clerk_home(request):
    windows = windows_for(user=request.user).order_by("point__name", "number")[:200]
    return render(request, "service_halls/clerk_home.html", {"windows": windows})


@staff(*CLERKS)
@require_POST
@http_errors
def clerk_sign(request, window_id: int):
    window = window_get_for(user=request.user, window_id=window_id)
    try:
        if request.POST.get("action") == "off":
            window_sign_off(window=window, clerk=request.user)
            return redirect("service_halls:clerk_home")
        window_sign_on(window=window, clerk=request.user)
    except DomainError as e:
        messages.error(request, e.message)
        return redirect("service_halls:clerk_home")
    return redirect("service_halls:clerk_window", window_id=window.pk)


@staff(*CLERKS)
@http_errors
def clerk_window(request, window_id: int):
    window = window_get_for(user=request.user, window_id=window_id)
    point = window.point
    counts = waiting_counts(point=point)
    current = ticket_at_window(window=window)
    return render(request, "service_halls/clerk_window.html", {
        "window": window, "point": point, "current": current,
        "actions": actions_allowed(current.state) if current else [],
        "counts": [(b, counts.get(b.pk, 0)) for b in window.business_types.all()],
        "businesses": point.business_types.filter(is_active=True),
        "other_windows": Window.objects.filter(point=point).exclude(pk=window.pk),
        "is_mine": window.clerk_id == request.user.pk,
    })


@staff(*CLERKS)
@require_POST
@http_errors
def clerk_action(request, window_id: int, action: str):
    window = window_get_for(user=request.user, window_id=window_id)
    clerk = request.user
    try:
        if action == "call":
            if window_call_next(window_id=window.pk, clerk=clerk) is None:
                messages.info(request, _("Nobody is waiting for this window's businesses."))
        elif action == "transfer":
            ticket_transfer(
                window_id=window.pk, ticket_id=int(request.POST.get("ticket") or 0), clerk=clerk,
                business_type=window.point.business_types.filter(pk=request.POST.get("business") or 0).first(),
                to_window=Window.objects.filter(point=window.point, pk=request.POST.get("to_window") or 0).first(),
            )
        elif action in WINDOW_ACTS:
            WINDOW_ACTS[action](window_id=window.pk, ticket_id=int(request.POST.get("ticket") or 0), clerk=clerk)
        else:
            raise NotFound()
    except DomainError as e:
        messages.error(request, e.message)
    except ValueError:
        messages.error(request, _("Choose a number at this window."))
    return redirect("service_halls:clerk_window", window_id=window.pk)


@staff(*STATS)
@http_errors
def stats(request):
    today = timezone.localdate()
    form = DateRangeForm(request.GET or None)
    chosen = form.cleaned_data if form.is_valid() else {}
    date_from = chosen.get("from") or today - timedelta(days=6)
    date_to = chosen.get("to") or today
    data = hall_stats(points=points_for_stats(user=request.user), date_from=date_from, date_to=date_to)
    charts = _stats_charts(data)
    csv = chart_csv_response(
        request, charts, scope=scope_text(user=request.user, assignments=request.staff_assignments),
        filters=[(_("From"), date_from), (_("To"), date_to)], filename="service-halls",
    )
    if csv is not None:
        return csv
    return render(request, "service_halls/stats.html", {
        "s": data, "date_from": date_from, "date_to": date_to, "form": form, "charts": charts})


def _stats_charts(data: dict) -> list[Chart]:
    """The statistics page's pictures, from the figures its tables show."""
    states = [(TicketState(k).label, n) for k, n in sorted(data["states"].items()) if k in TicketState.values]
    hours = data["wait_by"]["hour"]
    waits, services = data["wait_by"]["business"], data["service_by"]["business"]
    businesses = sorted(set(waits) | set(services))
    minutes = _("min")
    return [
        Chart(key="states", title=_("Tickets by state"), kind="pie", category_label=_("State"),
              categories=[label for label, _n in states], series=[Series(_("Tickets"), [n for _l, n in states])]),
        Chart(key="wait-by-hour", title=_("Waiting minutes by hour of issue"), kind="line",
              category_label=_("Hour"), categories=[f"{int(h):02d}:00" for h in hours],
              series=[Series(_("median wait"), [v["median"] for v in hours.values()], minutes),
                      Series(_("90% waited at most"), [v["p90"] for v in hours.values()], minutes)]),
        Chart(key="by-business", title=_("Waiting and service minutes by business"), kind="hbar",
              category_label=_("Business"), categories=businesses,
              series=[Series(_("median wait"), [waits.get(b, {}).get("median") for b in businesses], minutes),
                      Series(_("median service"), [services.get(b, {}).get("median") for b in businesses], minutes)]),
    ]


@staff(*STATS)
@http_errors
def recommend(request):
    run = coverage_current()
    form = RecommendForm(request.GET or None, initial={"k": 5})
    k = form.cleaned_data["k"] if form.is_valid() else 5
    picks = []
    if run is not None:
        from ..services.coverage import recommend_for_run

        picks = recommend_for_run(run=run, k=k)
    return render(request, "service_halls/recommend.html", {"run": run, "picks": picks, "k": k, "form": form})


@staff(*STATS)
@require_POST
@http_errors
def coverage_refresh(request):
    from ..tasks import coverage_recompute

    coverage_recompute.enqueue(trigger="requested")
    messages.success(request, _("The 15-minute circle is being recomputed; reload in a moment."))
    return redirect("service_halls:coverage")
