"""Sign-in (SMS code or password), password reset, second factor, staff person view.

Views parse input, call one service and render; the services decide.
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minsheng.access.decorators import citizen, public, staff
from minsheng.core.display import large_text_cookie, large_text_remember
from minsheng.core.errors import DomainError, NotFound

from . import services
from .forms import (
    OtpSignInForm,
    PasswordResetForm,
    PasswordSetForm,
    PasswordSignInForm,
    PhoneForm,
    TotpForm,
    UnmaskForm,
    apply_errors,
)
from .idnumbers import mask_phone, phone_validate
from .ratelimit import rate_limit
from .selectors import person_get_for, person_relations_of, user_may_unmask
from .totp import totp_qr_svg, totp_uri

BACKEND = "minsheng.identity.backends.PhoneOrUsernameBackend"
REAL_NAME_PENDING_KEY = "identity.real_name_pending"
SECOND_FACTOR_KEY = "identity.second_factor_at"
OTP_PHONE_KEY = "identity.otp_phone"


def second_factor_at(request) -> dt.datetime | None:
    value = request.session.get(SECOND_FACTOR_KEY)
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


def _safe_next(request, default: str = "portal:home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)


def _sign_in(request, user, next_url: str):
    chosen = large_text_cookie(request)  # elderly mode chosen before signing in follows the person
    if chosen is not None:
        services.user_large_text_set(user=user, large_text=chosen)
    if user.is_staff and next_url == reverse("portal:home"):
        next_url = reverse("workbench:inbox")  # staff land on their work, not the citizens' home
    login(request, user, backend=BACKEND)
    request.session.set_expiry(services.session_age_for(user))
    # Staff who have set up an authenticator app enter its code at every sign-in; staff whose
    # role opens personal data set one up now.
    if user.is_staff and (user.has_second_factor or user_may_unmask(user)):
        view = "identity:totp_verify" if user.has_second_factor else "identity:totp_setup"
        return redirect(f"{reverse(view)}?next={next_url}")
    return redirect(next_url)


@public
@rate_limit(key="ip", rate="20/m", scope="signin")
def login_view(request):
    next_url = _safe_next(request)
    password_form = PasswordSignInForm(request.POST or None) if "password" in request.POST else PasswordSignInForm()
    phone_form = PhoneForm(initial={"phone": request.session.get(OTP_PHONE_KEY, "")})
    if request.method == "POST" and "password" in request.POST and password_form.is_valid():
        try:
            user = services.password_sign_in(
                request=request,
                login=password_form.cleaned_data["username"],
                password=password_form.cleaned_data["password"],
            )
        except DomainError as exc:
            apply_errors(password_form, exc)
        else:
            return _sign_in(request, user, next_url)
    return render(
        request,
        "identity/login.html",
        {"password_form": password_form, "phone_form": phone_form, "next": next_url},
        status=200 if not password_form.errors else 400,
    )


@public
@rate_limit(key="ip", rate="5/m", scope="otp")
def otp_request_view(request):
    """Step 1 of SMS sign-in: send a code to the phone number."""
    next_url = _safe_next(request)
    form = PhoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            wait = services.otp_request(phone=form.cleaned_data["phone"])
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            phone = phone_validate(form.cleaned_data["phone"])
            request.session[OTP_PHONE_KEY] = phone
            messages.success(
                request,
                _("A 6-digit code was sent to %(phone)s. You can ask for a new one after %(seconds)d seconds.")
                % {"phone": mask_phone(phone), "seconds": wait},
            )
            return redirect(f"{reverse('identity:otp_verify')}?next={next_url}")
    return render(request, "identity/otp_request.html", {"form": form, "next": next_url},
                  status=400 if form.errors else 200)


@public
@rate_limit(key="ip", rate="20/m", scope="signin")
def otp_verify_view(request):
    """Step 2 of SMS sign-in: the code (and the name, the first time)."""
    next_url = _safe_next(request)
    form = OtpSignInForm(
        request.POST or None, initial={"phone": request.session.get(OTP_PHONE_KEY, "")}
    )
    if request.method == "POST" and form.is_valid():
        try:
            user, created = services.citizen_sign_in_otp(
                phone=form.cleaned_data["phone"],
                code=form.cleaned_data["code"],
                name=form.cleaned_data["name"],
            )
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            request.session.pop(OTP_PHONE_KEY, None)
            if created:
                messages.success(request, _("Welcome! Your account has been created."))
            return _sign_in(request, user, next_url)
    return render(request, "identity/otp_verify.html", {"form": form, "next": next_url},
                  status=400 if form.errors else 200)


@citizen
@require_POST
def logout_view(request):
    logout(request)
    return redirect("portal:home")


@public
@require_POST
def display_mode_view(request):
    """The elderly-mode (大字版) switch on every page: a cookie for this browser, and the
    signed-in person's saved preference."""
    large_text = request.POST.get("large_text") == "1"
    if request.user.is_authenticated:
        services.user_large_text_set(user=request.user, large_text=large_text)
    response = redirect(_safe_next(request))
    large_text_remember(response, request=request, large_text=large_text)
    return response


@public
@rate_limit(key="ip", rate="5/m", scope="otp")
def password_reset_view(request):
    """Ask for a reset by SMS: citizens get a code (the next page), staff a one-time link."""
    form = PhoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.otp_request(phone=form.cleaned_data["phone"], purpose="reset",
                                 site_url=request.build_absolute_uri("/"))
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            request.session[OTP_PHONE_KEY] = phone_validate(form.cleaned_data["phone"])
            messages.success(request, _("If this number has an account, an SMS has been sent to it: "
                                        "a code for citizens, or a link for staff (open it on your phone)."))
            return redirect("identity:password_reset_confirm")
    return render(request, "identity/password_reset.html", {"form": form},
                  status=400 if form.errors else 200)


@public
@rate_limit(key="ip", rate="20/m", scope="signin")
def password_reset_confirm_view(request):
    form = PasswordResetForm(
        request.POST or None, initial={"phone": request.session.get(OTP_PHONE_KEY, "")}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.password_reset_by_sms(**form.cleaned_data)
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            request.session.pop(OTP_PHONE_KEY, None)
            messages.success(request, _("Your password has been changed. Please sign in with it."))
            return redirect("identity:login")
    return render(request, "identity/password_reset_confirm.html", {"form": form},
                  status=400 if form.errors else 200)


@citizen
def password_set_view(request):
    form = PasswordSetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_password_set(user=request.user, **form.cleaned_data)
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("Your password has been saved."))
            return redirect("portal:profile")
    return render(request, "identity/password_set.html", {"form": form},
                  status=400 if form.errors else 200)


@staff()
def totp_setup_view(request):
    """Enrol an authenticator app: QR code of the otpauth URI, then one code to confirm."""
    user = request.user
    next_url = _safe_next(request, "workbench:inbox")
    if user.has_second_factor:
        return redirect(f"{reverse('identity:totp_verify')}?next={next_url}")
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            at = services.totp_enrol_confirm(user=user, code=form.cleaned_data["totp_code"])
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            request.session[SECOND_FACTOR_KEY] = at.isoformat()
            messages.success(request, _("Your authenticator app is set up."))
            return redirect(next_url)
    if not user.totp_secret:
        services.totp_enrol_begin(user=user)
    uri = totp_uri(secret=user.totp_secret, account=user.username or str(user.pk))
    return render(
        request,
        "identity/totp_setup.html",
        {"form": form, "qr_svg": totp_qr_svg(uri), "secret": user.totp_secret, "next": next_url,
         "may_unmask": user_may_unmask(user)},
        status=400 if form.errors else 200,
    )


@staff()
@rate_limit(key="user", rate="10/m", scope="totp")
def totp_verify_view(request):
    next_url = _safe_next(request, "workbench:inbox")
    if not request.user.has_second_factor:
        return redirect(f"{reverse('identity:totp_setup')}?next={next_url}")
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            at = services.totp_verify(user=request.user, code=form.cleaned_data["totp_code"])
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            request.session[SECOND_FACTOR_KEY] = at.isoformat()
            messages.success(request, _("Confirmed. You can see full personal numbers in this session."))
            return redirect(next_url)
    return render(request, "identity/totp_verify.html", {"form": form, "next": next_url},
                  status=400 if form.errors else 200)


@staff()
def person_detail_view(request, pk: int):
    """A person's record for staff: numbers masked; a full number on request, with a reason."""
    try:
        person = person_get_for(user=request.user, person_id=pk)
    except NotFound:
        raise Http404 from None
    form = UnmaskForm(request.POST or None)
    revealed = None
    if request.method == "POST" and form.is_valid():
        try:
            value = services.person_unmask(
                actor=request.user,
                person=person,
                field=form.cleaned_data["field"],
                reason=form.cleaned_data["reason"],
                second_factor_at=second_factor_at(request),
            )
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            revealed = {"field": form.cleaned_data["field"], "value": value}
    context = {
        "person": person,
        "relations": person_relations_of(person),
        "form": form,
        "revealed": revealed,
        "may_unmask": user_may_unmask(request.user),
        "second_factor_ok": second_factor_at(request) is not None
        and second_factor_at(request) > timezone.now() - services.SECOND_FACTOR_MAX_AGE,
    }
    response = render(request, "identity/person_detail.html", context,
                      status=400 if form.errors else 200)
    response["Cache-Control"] = "no-store"
    return response


def real_name_redirect(request, *, name: str, id_number: str):
    """Send the citizen to the identity service (a redirect verifier such as OIDC)
    with what comes back kept in their session; DomainError on bad input."""
    from .verification import real_name_verifier

    pending = services.real_name_redirect_start(user=request.user, name=name, id_number=id_number)
    request.session[REAL_NAME_PENDING_KEY] = pending
    return redirect(real_name_verifier().authorization_url(
        redirect_uri=request.build_absolute_uri(reverse("identity:real_name_callback")),
        state=pending["state"], nonce=pending["nonce"],
    ))


@citizen
def real_name_callback_view(request):
    """Where the identity service sends the citizen back (OIDC authorization code)."""
    from .forms import REAL_NAME_REGISTERED

    pending = request.session.pop(REAL_NAME_PENDING_KEY, None)
    if request.GET.get("error"):
        messages.error(request, _("The identity service did not confirm your identity. Please start again."))
        return redirect("portal:profile")
    try:
        services.real_name_redirect_finish(
            user=request.user, pending=pending, state=request.GET.get("state", ""),
            code=request.GET.get("code", ""),
            redirect_uri=request.build_absolute_uri(reverse("identity:real_name_callback")),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, REAL_NAME_REGISTERED)
    return redirect("portal:profile")
