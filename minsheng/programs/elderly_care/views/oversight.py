"""Civil-affairs oversight: the anomaly review list (clear or uphold each) and the dashboard
of visits, hours, spend and anomalies by district and provider."""

import json
from datetime import date, datetime, timedelta
from functools import cache
from html import escape
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minsheng.access.decorators import staff
from minsheng.core.charts import Chart, Series, chart_csv_response, scope_text
from minsheng.core.errors import DomainError
from minsheng.core.replica import replica_view
from minsheng.core.templatetags.present import money, number
from minsheng.imports.exports import export_response

from .. import exports, selectors
from ..forms import PeriodForm
from ..models import AnomalyKind
from ..services.anomalies import anomaly_review
from . import show_error

OFFICERS = ("civil_affairs_officer", "supervisor")


@staff(*OFFICERS)
def anomalies(request):
    if (download := export_response(request, exports.ANOMALIES)) is not None:
        return download
    if request.method == "POST":
        anomaly_id = request.POST.get("anomaly", "")
        anomaly = (
            selectors.anomalies_for(user=request.user).filter(pk=anomaly_id).first()
            if anomaly_id.isdigit()
            else None
        )
        if anomaly is None:
            raise Http404
        try:
            anomaly_review(
                anomaly=anomaly,
                actor=request.user,
                uphold=request.POST.get("decision") == "uphold",
                note=request.POST.get("note", ""),
            )
            messages.success(request, _("Review recorded."))
        except DomainError as exc:
            show_error(request, exc)
        return redirect("elderly_care:anomalies")
    before = _keyset(request)
    rows = selectors.open_anomalies_for(user=request.user, before=before)
    older = None
    if len(rows) == selectors.ANOMALY_PAGE:
        last = rows[-1]
        older = urlencode({"before": last.created_at.isoformat(), "before_id": last.pk})
    return render(
        request,
        "elderly_care/anomalies.html",
        {
            "rows": _anomaly_rows(request, rows),
            "empty": not rows,
            "older": older,
            "paged": before is not None,
        },
    )


def _anomaly_rows(request, rows: list[selectors.OpenAnomaly]) -> str:
    """The review list's rows as HTML, built in Python rather than by a template loop,
    which cost more than the list's query (ADR 0012 has the figures).

    Each text value is escaped with the standard library; numbers and the CSRF token
    are fixed per page and the translated labels per language. A page repeats its visit
    slots and details, so each distinct one is parsed and formatted once (memos for this
    page only).
    """
    kinds, detail_labels, form_tail = _review_labels(translation.get_language())
    form_head = (
        '<td><form method="post"><input type="hidden" name="csrfmiddlewaretoken" value="'
        + escape(get_token(request))
        + '"><input type="hidden" name="anomaly" value="'
    )
    tz = timezone.get_current_timezone()
    local_time = cache(lambda at: _local_minute(at, tz))
    # A detail is JSON (unhashable): the memo is keyed by its canonical text.
    details: dict[str, str] = {}

    def detail_text(detail) -> str:
        key = json.dumps(detail, sort_keys=True)
        if key not in details:
            details[key] = escape(_detail(detail, detail_labels))
        return details[key]

    # Safe: every text value below is escaped; the rest are integers and dates.
    return mark_safe(
        "\n".join(
            [
                f"<tr><td>#{int(r.work_order_id)}</td><td>{local_time(r.planned_start)}</td>"
                f"<td>{_escaped(r.elder or '')}</td><td>{_escaped(r.provider or '')}</td>"
                f"<td>{_escaped(r.caregiver or '—')}</td><td>{kinds.get(r.kind) or _escaped(r.kind)}</td>"
                f"<td>{detail_text(r.detail)}</td>{form_head}{int(r.pk)}{form_tail}"
                for r in rows
            ]
        )
    )


def _local_minute(at: datetime, tz) -> str:
    """'YYYY-MM-DD HH:MM' in the page's time zone (isoformat costs half what strftime does)."""
    return at.astimezone(tz).isoformat(" ", "minutes")[:16]


def _escaped(value: str) -> str:
    """``value`` escaped for HTML; a name of letters and digits only (most are) needs nothing."""
    return value if value.isalnum() else escape(value)


@cache
def _review_labels(language: str | None) -> tuple[dict[str, str], dict[str, str], str]:
    """The list's translated labels in ``language``, escaped: kinds, detail keys, form tail.

    Kept for the life of the process, as Django keeps its catalogues.
    """
    with translation.override(language):
        kinds = {code: escape(str(label)) for code, label in AnomalyKind.choices}
        details = {key: str(label) for key, label in _DETAIL_LABELS.items()}
        # Outside the f-string: xgettext does not look inside f-string expressions, so
        # labels written there never reached the catalogue (and showed in English).
        note, clear = escape(_("Note")), escape(_("Clear (pay)"))
        uphold = escape(_("Uphold (deduct)"))
    # The note is labelled (visually hidden in the row), not a placeholder; ids follow the row.
    form_tail = (
        f'"><label class="d-block"><span class="visually-hidden">{note}</span><input name="note" class="form-control form-control-sm mb-1"></label>'
        f'<span class="d-flex flex-wrap gap-1"><button name="decision" value="clear" class="btn btn-outline-success btn-sm">{clear}</button> '
        f'<button name="decision" value="uphold" class="btn btn-outline-danger btn-sm">{uphold}</button></span>'
        "</form></td></tr>"
    )
    return kinds, details, form_tail


# What the anomaly detector records (services/anomalies.py), in the reviewer's words.
_DETAIL_LABELS = {
    "served": gettext_lazy("minutes served"),
    "planned": gettext_lazy("minutes planned"),
    "distance_m": gettext_lazy("metres from the home"),
    "radius_m": gettext_lazy("allowed radius (m)"),
    "other_order": gettext_lazy("other work order #"),
    "photo": gettext_lazy("photo #"),
    "same_as_photo": gettext_lazy("same as photo #"),
    "distance": gettext_lazy("image difference"),
    "entitled": gettext_lazy("entitled"),
    "used": gettext_lazy("used"),
    "unit": gettext_lazy("unit"),
    "hours": gettext_lazy("hours"),
    "yuan": gettext_lazy("yuan"),
}


def _detail(detail, labels: dict[str, str]) -> str:
    if isinstance(detail, dict):
        return " · ".join(
            f"{labels.get(key, key)} {labels.get(value, value) if isinstance(value, str) else value}"
            for key, value in detail.items()
        )
    return str(detail)


def _keyset(request) -> tuple[datetime, int] | None:
    """(created_at, id) of the last row on the previous page, from ?before=…&before_id=…"""
    raw, raw_id = request.GET.get("before"), request.GET.get("before_id", "")
    if raw is None:
        return None
    try:
        at = datetime.fromisoformat(raw)
    except ValueError:
        at = None
    if at is None or at.tzinfo is None or not raw_id.isdigit():
        messages.error(request, _("That page link is not valid; the newest anomalies are shown."))
        return None
    return at, int(raw_id)


@staff(*OFFICERS)
@replica_view  # figures may lag the primary by the replication delay
def dashboard(request):
    today = timezone.localdate()
    try:
        start = date.fromisoformat(request.GET.get("start", ""))
    except ValueError:
        start = today.replace(day=1) - timedelta(days=60)
    try:
        end = date.fromisoformat(request.GET.get("end", ""))
    except ValueError:
        end = today
    period = PeriodForm(initial={"start": start.isoformat(), "end": end.isoformat()})
    data = selectors.dashboard(user=request.user, start=start, end=end)
    charts = _charts(data)
    csv = chart_csv_response(
        request, charts, scope=scope_text(user=request.user, assignments=request.staff_assignments),
        filters=[(_("From"), start), (_("To"), end)], filename="home-care",
    )
    if csv is not None:
        return csv
    return render(
        request,
        "elderly_care/dashboard.html",
        {
            "d": data,
            "charts": charts,
            "period": period,
            "district_rows": _figure_rows(data["by_district"], "district__name"),
            "provider_rows": _figure_rows(data["by_provider"], "provider__name"),
        },
    )


def _figure_rows(rows: list[dict], name_key: str) -> str:
    """The dashboard's table rows as HTML, built in Python like the anomaly list's.

    Counts through ``number``, spend through ``money`` (¥1,234.56, never the raw Decimal) and
    hours are ``round(minutes / 60)``. Names are escaped.
    """
    # Safe: the name is escaped; the rest are integers and a Decimal.
    return mark_safe(
        "\n".join(
            f"<tr><th scope=\"row\">{escape(r[name_key] or '')}</th><td>{number(r['visits'])}</td>"
            f"<td>{number(round(float(r['minutes']) / 60))}</td><td>{money(r['spend'])}</td>"
            f"<td>{number(r['anomalies'])}</td></tr>"
            for r in rows
        )
    )


def _charts(data: dict) -> list[Chart]:
    """The dashboard's pictures, from the figures its tables show."""
    districts, providers = data["by_district"], data["by_provider"][:15]
    return [
        Chart(
            key="district-visits", title=_("Visits by district"), kind="bar", category_label=_("District"),
            categories=[r["district__name"] for r in districts],
            series=[Series(_("Visits"), [r["visits"] for r in districts]),
                    Series(_("Verified visits"), [r["verified"] for r in districts])],
        ),
        Chart(
            key="provider-spend", title=_("Spend by provider (the 15 largest)"), kind="hbar",
            category_label=_("Provider"), categories=[r["provider__name"] for r in providers],
            series=[Series(_("Spend (yuan)"), [r["spend"] for r in providers])],
        ),
        Chart(
            key="district-anomalies", title=_("Anomalies by district"), kind="bar", category_label=_("District"),
            categories=[r["district__name"] for r in districts],
            series=[Series(_("Anomalies"), [r["anomalies"] for r in districts])],
        ),
    ]
