"""我的办件 — "my cases", one case's timeline in plain words, its actions and its rating."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from minsheng.access.decorators import citizen
from minsheng.cases import selectors, services
from minsheng.cases.process import get_process
from minsheng.core.errors import DomainError, NotFound
from minsheng.ratings.models import RatingLevel
from minsheng.ratings.selectors import rating_for_case


def _process_title(key: str) -> str:
    try:
        return str(get_process(key).title)
    except LookupError:
        return key


@citizen
def my_cases(request):
    cases = list(selectors.citizen_cases(user=request.user)[:200])
    for case in cases:
        case.process_title = _process_title(case.process_key)
        case.state_title = selectors.state_title(case)
    return render(request, "portal/my_cases.html", {"cases": cases})


@citizen
def my_case(request, case_id: int):
    try:
        case = selectors.case_get_for(user=request.user, case_id=case_id)
    except NotFound:
        raise Http404
    if not selectors.is_applicant_side(user=request.user, case=case):
        raise Http404
    context = {
        "case": case,
        "process_title": _process_title(case.process_key),
        "state_title": selectors.state_title(case),
        "timeline": selectors.case_timeline(case=case, for_citizen=True),
        "actions": services.case_allowed_actions(case=case, user=request.user),
        "rating": rating_for_case(user=request.user, case=case),
        "rating_levels": RatingLevel.choices,
    }
    return render(request, "portal/my_case.html", context)


@citizen
@require_POST
def my_case_act(request, case_id: int):
    try:
        case = selectors.case_get_for(user=request.user, case_id=case_id)
        services.case_act(
            case=case,
            action=request.POST.get("action", ""),
            actor=request.user,
            comment=request.POST.get("comment", "")[:2000],
            expected_version=_int(request.POST.get("version")),
        )
    except NotFound:
        raise Http404
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("portal:my_case", case_id=case_id)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
