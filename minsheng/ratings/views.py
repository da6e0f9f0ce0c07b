from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minsheng.access.decorators import citizen, staff
from minsheng.cases.selectors import case_get_for
from minsheng.core.errors import DomainError, NotFound

from .selectors import GROUPS, rating_stats
from .services import rating_submit_for_case


@citizen
@require_POST
def rate_case(request, case_id: int):
    try:
        case = case_get_for(user=request.user, case_id=case_id)
        level = int(request.POST.get("level", "0") or 0) if request.POST.get("level", "").isdigit() else 0
        rating = rating_submit_for_case(
            rater=request.user, case=case, level=level, comment=request.POST.get("comment", "")
        )
    except NotFound:
        raise Http404
    except DomainError as exc:
        messages.error(request, " ".join([str(exc.message), *[m for v in exc.fields.values() for m in v]]))
    else:
        if rating.follow_up_id:
            messages.success(
                request,
                _("Thank you. The department will contact you within 5 working days about what went wrong."),
            )
        else:
            messages.success(request, _("Thank you for your rating."))
    return redirect("portal:my_case", case_id=case_id)


@staff("supervisor", "department_head", "admin")
def stats(request):
    group_by = request.GET.get("group_by", "organisation")
    if group_by not in GROUPS:
        group_by = "organisation"
    rows = rating_stats(scope_user=request.user, group_by=group_by)
    return render(
        request,
        "ratings/stats.html",
        {
            "rows": rows,
            "group_by": group_by,
            "groups": [
                ("organisation", _("by department")),
                ("service", _("by service")),
                ("region", _("by region")),
            ],
        },
    )
