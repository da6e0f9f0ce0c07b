"""Citizens: the application for home care (for oneself or a relative)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from minsheng.access.decorators import citizen
from minsheng.cases.selectors import people_in_care_ids
from minsheng.core.errors import DomainError
from minsheng.identity.models import Person

from ..forms import ApplyForm
from ..selectors import person_to_apply_for
from ..services.applications import application_submit
from . import show_error


@citizen
def apply(request):
    """For oneself or a relative in one's care (我的 → family members)."""
    person = getattr(request.user, "person", None)
    people = list(Person.objects.filter(pk__in=people_in_care_ids(user=request.user)).order_by("pk"))
    if request.method == "POST" and person is not None:
        chosen = person_to_apply_for(user=request.user, person_id=request.POST.get("elder") or person.pk)
        if chosen is None:
            raise Http404  # someone not in the applicant's care (the refusal is audited)
        try:
            application_submit(
                person=chosen,
                submitted_by=request.user,
                categories=request.POST.getlist("categories"),
                living_arrangement=request.POST.get("living_arrangement", ""),
                reason=request.POST.get("reason", ""),
                region_code=request.POST.get("community", ""),
                address=request.POST.get("address", ""),
            )
        except DomainError as exc:
            show_error(request, exc)
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
            "form": ApplyForm(request.POST or None, people=people),
        },
    )
