"""我的办件 — "my cases", one case's timeline in plain words, its actions and its rating."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from minsheng.access.decorators import citizen
from minsheng.cases import selectors, services
from minsheng.cases.forms import CommentForm
from minsheng.cases.process import get_process
from minsheng.core.errors import DomainError, NotFound
from minsheng.ratings.forms import RatingForm
from minsheng.ratings.selectors import rating_for_case
from minsheng.ratings.services import rating_submit_for_case

CONFIRMED_ACTIONS = ("withdraw", "cancel")


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


def _applicant_page(case):
    """(text, URL) of the program's own page for this case, where its process declares one."""
    try:
        page = get_process(case.process_key).applicant_page
    except LookupError:
        return None
    return page(case) if page else None


def _case_for(request, case_id: int):
    try:
        case = selectors.case_get_for(user=request.user, case_id=case_id)
    except NotFound:
        raise Http404
    if not selectors.is_applicant_side(user=request.user, case=case):
        raise Http404
    return case


@citizen
def my_case(request, case_id: int):
    """The case page; a POST here is its 好差评 rating, shown again with the choice kept when
    something is missing."""
    case = _case_for(request, case_id)
    rating_form = RatingForm(request.POST or None, auto_id="rating_%s")
    if request.method == "POST" and rating_form.is_valid():
        try:
            rating = rating_submit_for_case(
                rater=request.user,
                case=case,
                level=rating_form.cleaned_data["level"],
                comment=rating_form.cleaned_data["comment"],
            )
        except DomainError as exc:
            rating_form.add_error(None, exc.message)
            for field, errors in exc.fields.items():
                for error in errors:
                    rating_form.add_error(field if field in rating_form.fields else None, error)
        else:
            if rating.follow_up_id:
                messages.success(
                    request,
                    _("Thank you. The department will contact you within 5 working days about what went wrong."),
                )
            else:
                messages.success(request, _("Thank you for your rating."))
            return redirect("portal:my_case", case_id=case.pk)
    allowed = services.case_allowed_actions(case=case, user=request.user)
    # Withdrawing ends the application: asked again in a dialog (components/confirm.html).
    confirmed = [a for a in allowed if a.code in CONFIRMED_ACTIONS and not a.comment_required]
    actions = [a for a in allowed if a not in confirmed]
    needs_reason = [str(a.title) for a in actions if a.comment_required]
    context = {
        "case": case,
        "process_title": _process_title(case.process_key),
        "state_title": selectors.state_title(case),
        "timeline": selectors.case_timeline(case=case, for_citizen=True),
        "actions": actions,
        "confirmed_actions": [
            {"action": a, "hidden": {"action": a.code, "version": case.version}} for a in confirmed
        ],
        "act_form": CommentForm(
            initial={"version": case.version},
            auto_id="act_%s",
            comment_label=gettext_lazy("Reason"),
            comment_help=_("Needed for: %(actions)s.") % {"actions": "、".join(needs_reason)} if needs_reason else None,
        ),
        "rating": rating_for_case(user=request.user, case=case),
        "rating_form": rating_form,
        "program_page": _applicant_page(case),
    }
    return render(request, "portal/my_case.html", context, status=400 if rating_form.errors else 200)


@citizen
@require_POST
def my_case_act(request, case_id: int):
    try:
        case = selectors.case_get_for(user=request.user, case_id=case_id)
        form = CommentForm(request.POST)
        services.case_act(
            case=case,
            action=request.POST.get("action", ""),
            actor=request.user,
            comment=form.comment_text(),
            expected_version=form.version_or_none(),
        )
    except NotFound:
        raise Http404
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("portal:my_case", case_id=case_id)
