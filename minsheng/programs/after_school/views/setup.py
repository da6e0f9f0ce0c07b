"""The program's set-up pages in the workbench: terms and their windows, one window's dates and
rules, fee-waiver rules and the students whose fee is waived.

Every record comes through a selector that applies the caller's scope (another school's or
district's record is a 404); every change is one service (services/setup.py) that checks who may
make it and audits it. A refused change re-renders the page with the reasons at the fields (422).
"""

from functools import wraps

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minsheng.access.decorators import staff
from minsheng.core.errors import DomainError, NotFound
from minsheng.imports.exports import export_response

from .. import exports
from ..apps import MANAGERS
from ..forms import (
    AreaWindowForm,
    EnrolmentWaiverForm,
    StudentSearchForm,
    TermForm,
    WaiverRuleForm,
    WindowRulesForm,
)
from ..models import LotteryState
from ..selectors.family import current_term
from ..selectors.setup import (
    area_regions_for,
    can_manage_city,
    enrolment_get_for,
    enrolments_for,
    term_get,
    terms_list,
    waiver_rule_get,
    waiver_rules,
    window_visible_get,
)
from ..selectors.supervision import windows_for_staff, windows_managed_by
from ..services import setup as setup_svc
from ..services.offerings import window_create

PAGE_SIZE = 50


def _gated(view):
    """A record outside the caller's scope is a 404, as the gates answer everywhere."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404 from None

    return wrapper


def _run(request, form, call, success) -> bool:
    """For a valid ``form`` run one service with its cleaned data; a refusal goes to the fields."""
    if not form.is_valid():
        return False
    try:
        call(form.cleaned_data)
    except NotFound:
        raise
    except DomainError as exc:
        placed = False
        for field, msgs in exc.fields.items():
            for m in msgs:
                form.add_error(field if field in form.fields else None, m)
                placed = True
        if not placed:
            form.add_error(None, str(exc.message))
        return False
    messages.success(request, success)
    return True


def _page(request, template, context, form_failed=False):
    return render(request, template, context, status=422 if form_failed else 200)


@staff(*MANAGERS)
def terms(request):
    """学期 — every term (city-wide) with its offerings and windows; the city's manager adds one."""
    if (download := export_response(request, exports.TERMS)) is not None:
        return download
    city = can_manage_city(user=request.user)
    form = TermForm(request.POST or None) if city else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if _run(request, form, lambda d: setup_svc.term_create(actor=request.user, **d), _("The term was added.")):
            return redirect("after_school:terms")
    return _page(request, "after_school/setup/terms.html",
                 {"terms": terms_list(), "form": form, "can_manage_city": city},
                 form_failed=request.method == "POST")


@staff(*MANAGERS)
@_gated
def term_detail(request, term_id: int):
    """One term: its dates (the city's manager edits them), the windows the caller sees, and an
    area window for an education supervisor's city or district."""
    term = term_get(term_id=term_id)
    city = can_manage_city(user=request.user)
    regions = area_regions_for(user=request.user)
    posted = request.POST.get("form") if request.method == "POST" else None
    term_form = TermForm(request.POST if posted == "term" else None, initial={
        "name": term.name, "school_year": term.school_year, "starts_on": term.starts_on, "ends_on": term.ends_on,
    }) if city else None
    window_form = AreaWindowForm(request.POST if posted == "window" else None, regions=regions) if regions else None
    if posted == "term" and term_form is not None:
        if _run(request, term_form, lambda d: setup_svc.term_update(actor=request.user, term=term, **d),
                _("The term was saved.")):
            return redirect("after_school:term", term_id=term.pk)
    elif posted == "window" and window_form is not None:
        if _run(request, window_form, lambda d: window_create(actor=request.user, term=term, **d),
                _("The application window was created; its draw seed hash is published.")):
            return redirect("after_school:term", term_id=term.pk)
    elif posted:
        raise Http404
    windows = windows_for_staff(user=request.user).filter(term=term).select_related("region")
    managed = set(windows_managed_by(user=request.user).filter(term=term).values_list("pk", flat=True))
    return _page(request, "after_school/setup/term.html", {
        "term": term, "term_form": term_form, "window_form": window_form, "windows": windows,
        "managed": managed, "can_manage_city": city}, form_failed=bool(posted))


@staff(*MANAGERS)
@_gated
def window_detail(request, window_id: int):
    """One window: everyone who sees it reads its dates and rules; whoever runs it (its school, or
    the supervisor of its area) changes them until the lottery starts. A school administrator
    sees the city-wide window read-only."""
    window, may_change = window_visible_get(user=request.user, window_id=window_id,
                                            visible=windows_for_staff(user=request.user).select_related("region"),
                                            managed=windows_managed_by(user=request.user))
    editable = may_change and window.lottery_state in (LotteryState.NONE, LotteryState.COMMITTED)
    form = None
    if editable:
        form = WindowRulesForm(request.POST or None, initial={
            k: getattr(window, k) for k in setup_svc.WINDOW_RULES})
    if request.method == "POST":
        if form is None:
            raise Http404
        if _run(request, form, lambda d: setup_svc.window_update(actor=request.user, window=window, **d),
                _("The window was saved.")):
            return redirect("after_school:window", window_id=window.pk)
    return _page(request, "after_school/setup/window.html", {"window": window, "form": form,
                                                             "may_change": may_change},
                 form_failed=request.method == "POST")


@staff(*MANAGERS)
def waivers(request):
    """减免 — the city's fee-waiver rules (the city's manager changes them) and the students of
    the caller's schools whose family category waives their fee."""
    if (download := export_response(request, exports.WAIVED_STUDENTS)) is not None:
        return download
    city = can_manage_city(user=request.user)
    form = WaiverRuleForm(request.POST or None) if city else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if _run(request, form, lambda d: setup_svc.waiver_rule_save(actor=request.user, **d),
                _("The waiver rule was saved.")):
            return redirect("after_school:waivers")
    term = current_term()
    search = StudentSearchForm(request.GET or None)
    params = {k: v for k, v in request.GET.items() if k in ("q", "all")}
    students = Paginator(enrolments_for(user=request.user, params=params,
                                        school_year=term.school_year if term else None), PAGE_SIZE)
    return _page(request, "after_school/setup/waivers.html", {
        "rules": waiver_rules(), "form": form, "can_manage_city": city, "search": search, "term": term,
        "students": students.get_page(request.GET.get("page")), "searching": bool(params.get("q"))},
        form_failed=request.method == "POST")


@staff(*MANAGERS)
@require_POST
@_gated
def waiver_rule_delete(request, rule_id: int):
    rule = waiver_rule_get(rule_id=rule_id)
    try:
        setup_svc.waiver_rule_delete(actor=request.user, rule=rule)
        messages.success(request, _("The waiver rule was removed."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("after_school:waivers")


@staff(*MANAGERS)
@_gated
def waiver_student(request, enrolment_id: int):
    """A school records (or clears) a student's family category, with the evidence seen; the
    student's applications are re-priced."""
    enrolment = enrolment_get_for(user=request.user, enrolment_id=enrolment_id)
    form = EnrolmentWaiverForm(request.POST or None, initial={"category": enrolment.family_category})
    if request.method == "POST" and _run(
            request, form, lambda d: setup_svc.enrolment_waiver_record(actor=request.user, enrolment=enrolment, **d),
            _("The waiver was recorded; the student's applications are re-priced.")):
        return redirect("after_school:waivers")
    return _page(request, "after_school/setup/waiver_student.html", {"enrolment": enrolment, "form": form},
                 form_failed=request.method == "POST")
