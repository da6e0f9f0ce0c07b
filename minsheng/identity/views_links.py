"""The pages a member of staff reaches from a one-time sign-in link (invitation or forgotten
password): confirm the phone with an SMS code, choose a password, then the second factor.

The link's token is moved from the URL into the session at once and the browser is sent to
an address without it, so the token does not stay in the history or leak in a Referer
(as Django's PasswordResetConfirmView does). The services decide; these views render.
"""

from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from minsheng.access.decorators import public
from minsheng.core.errors import DomainError

from . import services
from .forms import StaffLinkForm, apply_errors
from .idnumbers import mask_phone
from .ratelimit import rate_limit
from .views import BACKEND

LINK_TOKEN_KEY = "identity.staff_link_token"
LINK_CODE_SENT_KEY = "identity.staff_link_code_sent"


def _invalid(request, exc: services.LinkNotValid | None, status: int):
    return render(request, "identity/staff_link_invalid.html",
                  {"message": exc.message if exc else "", "reason": exc.reason if exc else "missing"},
                  status=status)


@public
def staff_link_open_view(request, token: str):
    """The address in the SMS: check the link, keep its token in the session, continue."""
    try:
        services.staff_link_find(token=token)
    except services.LinkNotValid as exc:
        return _invalid(request, exc, 410)
    request.session[LINK_TOKEN_KEY] = token
    request.session.pop(LINK_CODE_SENT_KEY, None)
    return redirect("identity:staff_link_continue")


@public
@rate_limit(key="ip", rate="20/m", scope="signin")
def staff_link_continue_view(request):
    """Confirm the phone with an SMS code and choose a password; then sign in and go on to
    the authenticator app (set up the first time, entered after a password reset)."""
    token = request.session.get(LINK_TOKEN_KEY, "")
    if not token:
        return _invalid(request, None, 200)
    try:
        link = services.staff_link_find(token=token)
    except services.LinkNotValid as exc:
        request.session.pop(LINK_TOKEN_KEY, None)
        return _invalid(request, exc, 410)
    user = link.user
    form = StaffLinkForm(request.POST or None) if request.POST.get("step") == "password" else StaffLinkForm()
    status = 200
    if request.method == "POST" and request.POST.get("step") == "code":
        try:
            wait = services.staff_link_code_send(token=token)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            request.session[LINK_CODE_SENT_KEY] = True
            messages.success(request, _("A 6-digit code was sent to %(phone)s. You can ask for a new one after "
                                        "%(seconds)d seconds.") % {"phone": mask_phone(user.phone), "seconds": wait})
        return redirect("identity:staff_link_continue")
    if request.method == "POST" and form.is_valid():
        try:
            user = services.staff_link_redeem(token=token, **form.cleaned_data)
        except services.LinkNotValid as exc:
            request.session.pop(LINK_TOKEN_KEY, None)
            return _invalid(request, exc, 410)
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            request.session.pop(LINK_TOKEN_KEY, None)
            request.session.pop(LINK_CODE_SENT_KEY, None)
            login(request, user, backend=BACKEND)
            request.session.set_expiry(services.session_age_for(user))
            messages.success(request, _("Your password has been saved."))
            workbench = reverse("workbench:inbox")
            view = "identity:totp_verify" if user.has_second_factor else "identity:totp_setup"
            return redirect(f"{reverse(view)}?next={workbench}")
    if form.errors:
        status = 400
    code_sent = bool(request.session.get(LINK_CODE_SENT_KEY))
    return render(
        request,
        "identity/staff_link.html",
        {"form": form, "link": link, "person": user, "phone": mask_phone(user.phone),
         "code_sent": code_sent, "first": link.purpose == "first",
         "step_titles": [_("Confirm your phone"), _("Choose a password"),
                         _("Set up your authenticator app") if link.purpose == "first"
                         else _("Enter the code from your authenticator app")],
         "step_now": 2 if code_sent else 1},
        status=status,
    )
