"""Pages: the caregiver's phone pages, the citizen's application, and the workbench lists.

Views parse input, call one service and render; refusals come back as the
service's translated message, and nothing already saved is lost.
"""

import json
from datetime import date, datetime, timedelta
from functools import cache
from html import escape
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from minsheng.access.decorators import citizen, staff
from minsheng.core.errors import DomainError
from minsheng.core.replica import replica_view

from . import selectors
from .catalogue import ElderCategory
from .models import AnomalyKind, LivingArrangement, OrderStatus
from .services import anomalies as anomaly_services
from .services import registry as registry_services
from .services import safety, settlement, visits

OFFICERS = ("civil_affairs_officer", "supervisor")


def _error(request, exc: DomainError) -> None:
    details = [m for msgs in exc.fields.values() for m in msgs]
    messages.error(request, " ".join([str(exc.message), *details]) if details else str(exc.message))


# --- citizens --------------------------------------------------------------


@citizen
def apply(request):
    person = getattr(request.user, "person", None)
    if request.method == "POST" and person is not None:
        try:
            registry_services.application_submit(
                person=person,
                submitted_by=request.user,
                categories=request.POST.getlist("categories"),
                living_arrangement=request.POST.get("living_arrangement", ""),
                reason=request.POST.get("reason", ""),
            )
        except DomainError as exc:
            _error(request, exc)
        else:
            messages.success(
                request, _("Your application was received. The community office will contact you.")
            )
            return redirect("elderly_care:apply")
    return render(
        request,
        "elderly_care/apply.html",
        {
            "person": person,
            "categories": ElderCategory.choices,
            "arrangements": LivingArrangement.choices,
            "posted": request.POST,
        },
    )


# --- caregivers ------------------------------------------------------------


@staff("caregiver")
def caregiver_today(request):
    day = timezone.localdate()
    orders = selectors.caregiver_orders_on(user=request.user, day=day)
    return render(request, "elderly_care/caregiver_today.html", {"orders": orders, "day": day})


def _own_order(request, order_id):
    order = selectors.order_get_for_caregiver(user=request.user, order_id=order_id)
    if order is None:
        raise Http404
    return order


@staff("caregiver")
def visit(request, order_id):
    order = _own_order(request, order_id)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "check_in":
                visits.visit_check_in(
                    order=order,
                    user=request.user,
                    lat=request.POST.get("lat"),
                    lon=request.POST.get("lon"),
                )
                messages.success(request, _("Checked in. Remember the photos and the task list."))
            elif action == "checklist":
                visits.visit_set_checklist(
                    order=order, user=request.user, done=request.POST.getlist("done")
                )
                messages.success(request, _("Task list saved."))
            elif action == "photo":
                upload = request.FILES.get("photo")
                if upload is None:
                    messages.error(request, _("Choose or take a photo first."))
                else:
                    visits.visit_add_photo(
                        order=order,
                        user=request.user,
                        file=upload,
                        kind=request.POST.get("kind", "during"),
                    )
                    messages.success(request, _("Photo added."))
            elif action == "check_out":
                visits.visit_check_out(
                    order=order,
                    user=request.user,
                    lat=request.POST.get("lat"),
                    lon=request.POST.get("lon"),
                )
                messages.success(
                    request, _("Checked out. Now ask the elder or family to confirm the visit.")
                )
            elif action == "send_code":
                visits.visit_send_code(order=order, user=request.user)
                messages.success(request, _("A confirmation code was sent to the family's phone."))
            elif action == "confirm_code":
                visits.visit_confirm_code(
                    order=order, user=request.user, code=request.POST.get("code", "")
                )
                messages.success(request, _("The visit is confirmed. Thank you."))
            elif action == "signature":
                visits.visit_confirm_signature(
                    order=order, user=request.user, data_url=request.POST.get("signature", "")
                )
                messages.success(request, _("The visit is confirmed. Thank you."))
            else:
                messages.error(request, _("Unknown action. Reload the page and try again."))
        except DomainError as exc:
            _error(request, exc)
        return redirect("elderly_care:visit", order_id=order.pk)
    order = _own_order(request, order_id)
    return render(
        request,
        "elderly_care/visit.html",
        {
            "order": order,
            "checklist": order.service.checklist,
            "photos": order.photos.all(),
            "S": OrderStatus,
        },
    )


# --- workbench -------------------------------------------------------------


@staff("community_worker", "civil_affairs_officer", "provider_admin")
def elders(request):
    qs = selectors.elders_for(user=request.user).order_by("person__name")
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(person__name__contains=q)
    return render(request, "elderly_care/elders.html", {"elders": qs[:200], "q": q})


@staff("provider_admin", "civil_affairs_officer")
def orders(request):
    qs = selectors.orders_for(user=request.user).order_by("-planned_start")
    status = request.GET.get("status", "")
    if status in OrderStatus.values:
        qs = qs.filter(status=status)
    return render(
        request,
        "elderly_care/orders.html",
        {"orders": qs[:200], "statuses": OrderStatus.choices, "status": status},
    )


@staff(*OFFICERS)
def anomalies(request):
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
            anomaly_services.anomaly_review(
                anomaly=anomaly,
                actor=request.user,
                uphold=request.POST.get("decision") == "uphold",
                note=request.POST.get("note", ""),
            )
            messages.success(request, _("Review recorded."))
        except DomainError as exc:
            _error(request, exc)
        return redirect("elderly_care:anomalies")
    before = _keyset(request)
    rows = selectors.open_anomalies_for(
        user=request.user, assignments=request.staff_assignments, before=before
    )
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
    """The review list's rows as HTML, built in Python.

    A template loop cost more than the list's query (a dozen variable lookups,
    filters and localisation calls per row, 200 rows). Here each text value is
    escaped with the standard library; numbers and the CSRF token are fixed per page
    and the translated labels per language. A page repeats its visit slots and
    details, so each distinct one is parsed and formatted once (memos for this page
    only): a dict, two timestamps, ``json.loads`` and ``strftime`` for every row had
    cost about twice the CPU of this (bench city, 200 rows read and built).
    """
    kinds, detail_labels, form_tail = _review_labels(translation.get_language())
    form_head = (
        '<td><form method="post"><input type="hidden" name="csrfmiddlewaretoken" value="'
        + escape(get_token(request))
        + '"><input type="hidden" name="anomaly" value="'
    )
    tz = timezone.get_current_timezone()
    # 'YYYY-MM-DD HH:MM' in the page's time zone; isoformat costs half what strftime does.
    local_time = cache(
        lambda text: selectors.db_timestamp(text).astimezone(tz).isoformat(" ", "minutes")[:16]
    )
    detail_text = cache(lambda text: escape(_detail(json.loads(text), detail_labels)))
    # Safe: every text value below is escaped; the rest are integers and dates.
    return mark_safe(
        "\n".join(
            [
                f"<tr><td>#{int(r.work_order_id)}</td><td>{local_time(r.planned_start_text)}</td>"
                f"<td>{_escaped(r.elder or '')}</td><td>{_escaped(r.provider or '')}</td>"
                f"<td>{_escaped(r.caregiver or '—')}</td><td>{kinds.get(r.kind) or _escaped(r.kind)}</td>"
                f"<td>{detail_text(r.detail_json)}</td>{form_head}{int(r.pk)}{form_tail}"
                for r in rows
            ]
        )
    )


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
    form_tail = (
        f'"><input name="note" placeholder="{note}">'
        f'<button name="decision" value="clear">{clear}</button> '
        f'<button name="decision" value="uphold">{uphold}</button>'
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


@staff("provider_admin", "civil_affairs_officer")
def statements(request):
    qs = selectors.statements_for(user=request.user)
    return render(request, "elderly_care/statements.html", {"statements": qs[:200]})


@staff("provider_admin", "civil_affairs_officer")
def statement_detail(request, statement_id):
    st = selectors.statements_for(user=request.user).filter(pk=statement_id).first()
    if st is None:
        raise Http404
    fmt = request.GET.get("format")
    if fmt == "xlsx":
        response = HttpResponse(
            settlement.statement_xlsx(statement=st),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="statement-{st.provider_id}-{st.month:%Y-%m}.xlsx"'
        )
        return response
    if fmt == "pdf":
        response = HttpResponse(
            settlement.statement_pdf(statement=st), content_type="application/pdf"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="statement-{st.provider_id}-{st.month:%Y-%m}.pdf"'
        )
        return response
    return render(request, "elderly_care/statement.html", {"st": st})


@require_POST
@staff("provider_admin", "civil_affairs_officer")
def statement_act(request, statement_id):
    st = selectors.statements_for(user=request.user).filter(pk=statement_id).first()
    if st is None:
        raise Http404
    action = request.POST.get("action")
    from minsheng.access.selectors import user_has_role

    try:
        if action in ("confirm", "dispute") and user_has_role(
            user=request.user, roles=["provider_admin"]
        ):
            settlement.statement_confirm(
                statement=st,
                actor=request.user,
                agree=action == "confirm",
                note=request.POST.get("note", ""),
            )
        elif action == "approve" and user_has_role(
            user=request.user, roles=["civil_affairs_officer"]
        ):
            settlement.statement_approve(statement=st, actor=request.user)
        else:
            messages.error(request, _("You cannot take this step on the statement."))
            return redirect("elderly_care:statement", statement_id=st.pk)
        messages.success(request, _("Statement updated."))
    except DomainError as exc:
        _error(request, exc)
    return redirect("elderly_care:statement", statement_id=st.pk)


@staff("community_worker", "civil_affairs_officer")
def alarms(request):
    if request.method == "POST":
        alarm = selectors.alarms_for(user=request.user).filter(pk=request.POST.get("alarm")).first()
        if alarm is None:
            raise Http404
        try:
            if request.POST.get("action") == "close":
                safety.alarm_close(
                    alarm=alarm, actor=request.user, note=request.POST.get("note", "")
                )
            else:
                safety.alarm_acknowledge(alarm=alarm, actor=request.user)
            messages.success(request, _("Alarm updated."))
        except DomainError as exc:
            _error(request, exc)
        return redirect("elderly_care:alarms")
    qs = selectors.alarms_for(user=request.user).exclude(status="closed").order_by("-raised_at")
    return render(request, "elderly_care/alarms.html", {"alarms": qs[:200]})


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
    data = selectors.dashboard(
        user=request.user, start=start, end=end, assignments=request.staff_assignments
    )
    return render(
        request,
        "elderly_care/dashboard.html",
        {
            "d": data,
            "district_rows": _figure_rows(data["by_district"], "district__name"),
            "provider_rows": _figure_rows(data["by_provider"], "provider__name"),
        },
    )


def _figure_rows(rows: list[dict], name_key: str) -> str:
    """The dashboard's table rows as HTML, built in Python like the anomaly list's.

    The template loop cost more than the rollup query (five lookups and a
    ``widthratio`` per row, ~30 µs a row; the statement runs in ~1.5 ms at 10M visits).
    Figures print as the template printed them — digits, no grouping (the platform
    sets no thousand separator) — and hours as ``widthratio minutes 60 1`` did:
    ``round(minutes / 60)``. Names are escaped.
    """
    # Safe: the name is escaped; the rest are integers and a Decimal.
    return mark_safe(
        "\n".join(
            f"<tr><td>{escape(r[name_key] or '')}</td><td>{int(r['visits'])}</td>"
            f"<td>{round(float(r['minutes']) / 60)}</td><td>{r['spend']}</td>"
            f"<td>{int(r['anomalies'])}</td></tr>"
            for r in rows
        )
    )
