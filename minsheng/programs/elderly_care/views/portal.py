"""Citizens: the application for home care (for oneself or a relative)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from minsheng.access.decorators import citizen
from minsheng.core.errors import DomainError

from ..forms import ApplyForm
from ..services.applications import application_submit
from . import show_error


@citizen
def apply(request):
    person = getattr(request.user, "person", None)
    if request.method == "POST" and person is not None:
        try:
            application_submit(
                person=person,
                submitted_by=request.user,
                categories=request.POST.getlist("categories"),
                living_arrangement=request.POST.get("living_arrangement", ""),
                reason=request.POST.get("reason", ""),
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
            "form": ApplyForm(request.POST or None),
        },
    )
