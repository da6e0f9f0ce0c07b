"""Pages of the elderly-care program, one module per audience:

- portal.py — citizens applying for home care;
- caregiver.py — the caregiver's phone pages: today's visits, the visit (check in … confirm);
- workbench.py — staff at work: elders, orders, statements, alarms, applications,
  follow-up calls, rectifications, retrofits, the ability assessment;
- oversight.py — civil-affairs oversight: the anomaly review list and the dashboard;
- canteen.py — the elderly canteen's meal counter;
- manage.py — set-up by civil affairs: the entitlement rules;
- setup.py — set-up by civil affairs: providers, contracts and their prices, the catalogue;
- setup_field.py — set-up in the field: caregivers (by their provider), alarm devices.

Views parse input, call one service and render; a refusal comes back as the service's
translated message, and nothing already saved is lost.
"""

from datetime import date

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.utils import timezone

from minsheng.core.errors import DomainError

from ..services.periods import month_start


def show_error(request, exc: DomainError) -> None:
    """The service's refusal as one message: the sentence, then each field's detail."""
    details = [str(m) for msgs in exc.fields.values() for m in msgs]
    messages.error(request, " ".join([str(exc.message), *details]) if details else str(exc.message))


def month_param(value: str | None) -> date:
    """The month named by ``YYYY-MM`` or a date in it; this month when missing or unreadable."""
    try:
        return (
            date.fromisoformat(f"{value}-01")
            if value and len(value) == 7
            else month_start(date.fromisoformat(value or ""))
        )
    except ValueError:
        return month_start(timezone.localdate())


PAGE_SIZE = 50


def page_of(request, qs, size: int = PAGE_SIZE):
    """The requested page of a list (the first when the number is missing or wrong)."""
    return Paginator(qs, size).get_page(request.GET.get("page"))


def form_submit(request, form, call, success, to):
    """For a valid ``form``, run ``call(cleaned_data)`` (one service); on success flash
    ``success`` and redirect to ``to`` (or ``to(result)``). A refusal is shown next to the
    fields (forms_setup.errors_to_form) and None is returned: the page is shown again."""
    from ..forms_setup import errors_to_form

    if not form.is_valid():
        return None
    try:
        result = call(form.cleaned_data)
    except DomainError as exc:
        errors_to_form(form, exc)
        return None
    messages.success(request, success)
    return redirect(to(result) if callable(to) else to)


def http_errors(view):
    """A gate's NotFound → 404 and a service's NotAllowed → 403 (the API maps them itself)."""
    from functools import wraps

    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from minsheng.core.errors import NotAllowed, NotFound

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(str(exc.message)) from None
        except NotAllowed as exc:
            raise PermissionDenied(str(exc.message)) from None

    return wrapped


def setup_tabs(request, current: str) -> list[dict]:
    """The set-up pages this member of staff may open (the workbench menu's set-up entries), for
    the tabs above each of them."""
    from django.urls import reverse

    from minsheng.access.principal import held_assignments

    from ..apps import SETUP_ENTRIES

    held = {a.role_id for a in held_assignments(user=request.user)}
    return [
        {"key": e.url_name.split(":")[1], "title": e.title, "url": reverse(e.url_name),
         "current": e.url_name.split(":")[1] == current}
        for e in SETUP_ENTRIES
        if request.user.is_superuser or held & set(e.roles)
    ]
