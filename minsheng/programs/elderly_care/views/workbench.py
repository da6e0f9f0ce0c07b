"""Staff at work: elders and work orders, settlement statements, alarms, applications
(decided through the case workflow), follow-up calls and rectifications. Retrofit files,
allowances and the assessment form are in retrofits.py.

Each view fetches through a gate in selectors (scope_q), calls one service, and shows the
service's translated message on refusal with what was typed kept in the form.
"""


from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minsheng.access.decorators import staff
from minsheng.access.selectors import user_has_role
from minsheng.cases.selectors import case_timeline, state_title
from minsheng.core.errors import DomainError
from minsheng.imports.exports import export_response

from .. import exports, selectors
from ..catalogue import (
    ElderCategory,
)
from ..forms import (
    FollowupForm,
    MonthForm,
    NoteForm,
    RectificationReportForm,
    SearchForm,
    SettlementConfirmForm,
    SettlementRunForm,
    StatusFilterForm,
)
from ..models import CallResult, OrderStatus
from ..services import alarms as alarm_services
from ..services import followup, settlement
from ..services.applications import application_decide
from . import month_param, show_error


@staff("community_worker", "civil_affairs_officer", "provider_admin", "supervisor")
def elders(request):
    if (download := export_response(request, exports.ELDERS)) is not None:
        return download
    q = request.GET.get("q", "").strip()
    qs = exports.elders_rows(user=request.user, params={"q": q})
    return render(request, "elderly_care/elders.html", {"elders": qs[:200], "q": q, "form": SearchForm(request.GET or None)})


@staff("provider_admin", "civil_affairs_officer", "supervisor")
def orders(request):
    if (download := export_response(request, exports.ORDERS)) is not None:
        return download
    status = request.GET.get("status", "")
    qs = exports.orders_rows(user=request.user, params={"status": status})
    return render(
        request,
        "elderly_care/orders.html",
        {"orders": qs[:200], "form": StatusFilterForm(request.GET or None, statuses=OrderStatus.choices)},
    )


@staff("provider_admin", "civil_affairs_officer", "supervisor")
def statements(request):
    if (download := export_response(request, exports.STATEMENTS)) is not None:
        return download
    form = preview = None
    if user_has_role(user=request.user, roles=["civil_affairs_officer"]) or request.user.is_superuser:
        # Two steps: the month chosen shows what the run would settle; only "confirm" runs it.
        confirmed = request.method == "POST" and request.POST.get("confirm") == "1"
        form = (SettlementConfirmForm if confirmed else SettlementRunForm)(request.POST or None)
        if request.method == "POST" and form.is_valid():
            month = form.cleaned_data["month"]
            try:
                if not confirmed:
                    preview = settlement.settlement_preview_for(user=request.user, month=month)
                    preview["form"] = SettlementConfirmForm(initial={"month": f"{preview['month']:%Y-%m}"})
                else:
                    result = settlement.settlement_run_for(user=request.user, month=month)
                    messages.success(
                        request,
                        _("Settlement run: %(n)s statements computed, %(k)s already confirmed and kept.")
                        % {"n": len(result["statements"]), "k": len(result["skipped"])},
                    )
                    return redirect("elderly_care:statements")
            except DomainError as exc:
                show_error(request, exc)
    qs = exports.statements_rows(user=request.user, params={})
    return render(
        request, "elderly_care/statements.html", {"statements": qs[:200], "run_form": form, "preview": preview}
    )


@staff("provider_admin", "civil_affairs_officer", "supervisor")
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
    return render(request, "elderly_care/statement.html", {"st": st, "note_form": NoteForm()})


@require_POST
@staff("provider_admin", "civil_affairs_officer")
def statement_act(request, statement_id):
    st = selectors.statements_for(user=request.user).filter(pk=statement_id).first()
    if st is None:
        raise Http404
    action = request.POST.get("action")
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
        show_error(request, exc)
    return redirect("elderly_care:statement", statement_id=st.pk)


@staff("community_worker", "civil_affairs_officer", "supervisor")
def alarms(request):
    if (download := export_response(request, exports.ALARMS)) is not None:
        return download
    if request.method == "POST":
        if not user_has_role(user=request.user, roles=["community_worker", "civil_affairs_officer"]):
            raise PermissionDenied  # supervisors follow the alarms; the community and officers act
        alarm = selectors.alarms_for(user=request.user).filter(pk=request.POST.get("alarm")).first()
        if alarm is None:
            raise Http404
        try:
            if request.POST.get("action") == "close":
                alarm_services.alarm_close(
                    alarm=alarm, actor=request.user, note=request.POST.get("note", "")
                )
            else:
                alarm_services.alarm_acknowledge(alarm=alarm, actor=request.user)
            messages.success(request, _("Alarm updated."))
        except DomainError as exc:
            show_error(request, exc)
        return redirect("elderly_care:alarms")
    qs = exports.alarms_rows(user=request.user, params=request.GET)
    rows = [(a, NoteForm(label=_("What was found and done"), auto_id=f"alarm{a.pk}-%s")) for a in qs[:200]]
    return render(request, "elderly_care/alarms.html", {"alarms": rows})


# --- applications (decided through the case workflow) ----------------------------------------


@staff("civil_affairs_officer", "case_officer", "department_head", "supervisor", "community_worker")
def applications(request):
    if (download := export_response(request, exports.APPLICATIONS)) is not None:
        return download
    qs = exports.applications_rows(user=request.user, params=request.GET)
    state = request.GET.get("state") or "reviewing"
    return render(
        request, "elderly_care/applications.html", {"applications": qs[:200], "state": state, "state_tabs": [
            ("reviewing", _("Waiting for a decision")), ("approved", _("Approved")), ("rejected", _("Not approved")), ("all", _("All"))]}
    )


@staff("civil_affairs_officer", "case_officer", "department_head", "supervisor", "community_worker")
def application_detail(request, application_id):
    app = selectors.applications_for(user=request.user).filter(pk=application_id).first()
    if app is None:
        raise Http404
    if request.method == "POST":
        decision = request.POST.get("decision")
        if decision not in ("approve", "reject"):
            messages.error(request, _("Choose to approve or reject the application."))
        else:
            try:
                application_decide(
                    application=app,
                    actor=request.user,
                    approve=decision == "approve",
                    note=request.POST.get("note", ""),
                )
            except DomainError as exc:
                show_error(request, exc)
            else:
                messages.success(request, _("Decision recorded. The applicant has been told."))
                return redirect("elderly_care:application", application_id=app.pk)
    labels = dict(ElderCategory.choices)
    return render(
        request,
        "elderly_care/application.html",
        {
            "app": app,
            "categories": [labels.get(c, c) for c in app.categories],
            "task": app.case.tasks.order_by("-round", "-id").first() if app.case_id else None,
            "events": case_timeline(case=app.case, for_citizen=False) if app.case_id else [],
            "note_form": NoteForm(request.POST or None, label=_("Reason or note (required when rejecting; the applicant will read it)"), rows=3),
        },
    )


# --- follow-up callbacks and rectifications -------------------------------------------------


@staff("civil_affairs_officer", "community_worker", "supervisor")
def followups(request):
    if (download := export_response(request, exports.FOLLOWUPS)) is not None:
        return download
    month = month_param(request.GET.get("month") or request.POST.get("month"))
    if request.method == "POST":
        call = (
            selectors.followup_calls_for(user=request.user, month=month)
            .filter(pk=request.POST.get("call"))
            .first()
        )
        if call is None:
            raise Http404
        raw = request.POST.get("satisfaction", "").strip()
        try:
            followup.followup_record(
                call=call,
                actor=request.user,
                result=request.POST.get("result", ""),
                satisfaction=int(raw) if raw.isdigit() else None,
                note=request.POST.get("note", ""),
            )
        except DomainError as exc:
            show_error(request, exc)
        else:
            messages.success(request, _("Call result recorded."))
        return redirect(f"{request.path}?month={month:%Y-%m}")
    calls = selectors.followup_calls_for(user=request.user, month=month)
    return render(
        request,
        "elderly_care/followups.html",
        {
            "calls": [(c, FollowupForm(auto_id=f"call{c.pk}-%s")) for c in calls[:300]],
            "month": month,
            "month_form": MonthForm(initial={"month": f"{month:%Y-%m}"}),
            "pending": CallResult.PENDING,
        },
    )


@staff("civil_affairs_officer", "case_officer", "department_head", "supervisor", "provider_admin")
def rectifications(request):
    if (download := export_response(request, exports.RECTIFICATIONS)) is not None:
        return download
    qs = selectors.rectifications_for(user=request.user)
    if request.method == "POST":
        rect = qs.filter(pk=request.POST.get("rectification")).first()
        if rect is None:
            raise Http404
        action = request.POST.get("action")
        try:
            if action == "report":
                followup.rectification_respond(
                    task=rect, actor=request.user, response=request.POST.get("report", "")
                )
            elif action in ("accept", "send_back"):
                followup.rectification_review(
                    task=rect,
                    actor=request.user,
                    accept=action == "accept",
                    note=request.POST.get("note", ""),
                )
            else:
                messages.error(request, _("Unknown action. Reload the page and try again."))
                return redirect("elderly_care:rectifications")
        except DomainError as exc:
            show_error(request, exc)
        else:
            messages.success(request, _("Rectification updated."))
        return redirect("elderly_care:rectifications")
    return render(
        request,
        "elderly_care/rectifications.html",
        {
            "items": [
                (_titled(r), RectificationReportForm(auto_id=f"rect{r.pk}-%s"),
                 NoteForm(label=_("Note (required when sending back)"), rows=2, auto_id=f"review{r.pk}-%s"))
                for r in qs.exclude(case__state="rectified")[:200]
            ],
            "is_provider": user_has_role(user=request.user, roles=["provider_admin"]),
            "is_officer": user_has_role(user=request.user, roles=list(selectors.REVIEWERS)),
        },
    )


def _titled(rect):
    rect.state_title = state_title(rect.case)  # the state's name, not its code
    return rect
