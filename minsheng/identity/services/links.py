"""登录链接 — one-time sign-in links by SMS for staff: the first sign-in after an invitation,
a link sent again by an administrator, and the link a member of staff who forgot the
password asks for.

Staff never sign in with an SMS code alone (they open personal data): the link proves the
invitation reached the phone, a fresh SMS code proves the phone is still in the person's
hand when the link is opened, and the person then chooses a password and (the view's next
step) sets up or enters the second factor. A link:

- carries a random token only; the database keeps its sha256 (``SignInLink.token_hash``),
  so neither the URL nor a copy of the table names or opens an account;
- works once (a conditional update marks it used), until ``expires_at``
  (``STAFF_LINK_HOURS``, ``STAFF_RESET_LINK_HOURS``);
- is revoked by the next link issued for the same account.

Every link issued and every link used writes the audit trail in its transaction.
"""

import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.access.models import RoleAssignment
from minsheng.access.selectors import staff_admin_may_grant, staff_assignments_for
from minsheng.audit.services import audit_record
from minsheng.core.errors import DomainError, ErrorCode, NotAllowed, ValidationFailed
from minsheng.core.sms import SmsFailed, sms_send

from .. import otp
from ..idnumbers import mask_phone
from ..models import SignInLink, SignInLinkPurpose, User
from ..ratelimit import lockout_clear
from .accounts import _password_check, _verify_code

LINK_CODE_PURPOSE = "link"  # the SMS code that confirms the phone when a link is opened


class LinkNotValid(DomainError):
    """The link is unknown, used, replaced by a newer one or past its time."""

    code = ErrorCode.NOT_FOUND

    def __init__(self, message, *, reason: str):
        super().__init__(message)
        self.reason = reason  # "unknown" | "used" | "replaced" | "expired"


@dataclass(frozen=True)
class IssuedLink:
    link: SignInLink
    token: str  # shown once, in the SMS; the database keeps only its hash
    url: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _link_url(token: str, site_url: str = "") -> str:
    base = (site_url or settings.SITE_URL).rstrip("/")
    return base + reverse("identity:staff_link", args=[token])


def _hours(purpose: str) -> int:
    return settings.STAFF_LINK_HOURS if purpose == SignInLinkPurpose.FIRST else settings.STAFF_RESET_LINK_HOURS


def _sms_text(purpose: str, url: str, hours: int, lead: str) -> str:
    if purpose == SignInLinkPurpose.FIRST:
        body = _("Open this link within %(hours)d hours to confirm your phone, choose a password and "
                 "set up your authenticator app: %(url)s . The link works once; if it has expired, "
                 "ask your administrator to send it again.")
    else:
        body = _("To choose a new password for the workbench, open this link within %(hours)d hours: "
                 "%(url)s . The link works once. If you did not ask for it, tell your administrator.")
    text = body % {"hours": hours, "url": url}
    return " ".join((lead or _("[Minsheng]"), text))


@transaction.atomic
def staff_link_issue(
    *, user: User, purpose: str, actor: User | None = None, site_url: str = "", lead: str = "",
    template: str = "",
) -> IssuedLink:
    """Issue a new one-time link for ``user`` (revoking any open one) and send it by SMS once
    the transaction commits. ``lead`` is the SMS's first sentence (the invitation's)."""
    if purpose not in SignInLinkPurpose.values:
        raise ValidationFailed.for_field("purpose", _("Unknown purpose for a sign-in link."))
    if not user.phone:
        raise ValidationFailed.for_field(
            "phone", _("This account has no mobile number, so no link can be sent. Invite the person by phone.")
        )
    now = timezone.now()
    replaced = SignInLink.objects.filter(user=user, used_at=None, revoked_at=None).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    hours = _hours(purpose)
    link = SignInLink.objects.create(
        user=user, purpose=purpose, token_hash=_digest(token), created_at=now,
        expires_at=now + timezone.timedelta(hours=hours), issued_by=actor,
    )
    audit_record(
        event_type="identity.staff_link_issued", actor=actor or user, target=user,
        new={"purpose": purpose, "sent_again": bool(replaced), "expires_at": link.expires_at.isoformat(),
             "phone": mask_phone(user.phone)},
    )
    url = _link_url(token, site_url)
    phone = user.phone
    text = _sms_text(purpose, url, hours, lead)
    sms_template = template or f"staff_link_{purpose}"

    def send() -> None:
        try:
            sms_send(phone=phone, template=sms_template, params={"url": url, "hours": hours}, text=text)
        except SmsFailed:
            pass  # the administrator can send the link again from the staff page

    transaction.on_commit(send)
    return IssuedLink(link=link, token=token, url=url)


def _may_manage(actor: User, user: User) -> bool:
    """A staff administrator who sees one of the person's roles, or an administrator who may give
    one of them (a provider's administrator and its caregivers: delegated grants)."""
    if staff_assignments_for(user=actor).filter(user=user).exists():
        return True
    held = RoleAssignment.objects.filter(user=user).select_related("organisation", "region")
    return any(staff_admin_may_grant(user=actor, role_code=a.role_id, organisation=a.organisation, region=a.region)
               for a in held)


def staff_link_resend(*, actor: User, user: User, site_url: str = "") -> IssuedLink:
    """An administrator who may manage ``user`` sends a new link (the old one stops working):
    the first sign-in link while the person has no password yet, else a password link."""
    if not (user.is_staff and user.is_active and _may_manage(actor, user)):
        raise NotAllowed(_("You may send a sign-in link only to staff whose roles you administer."))
    purpose = SignInLinkPurpose.RESET if user.has_usable_password() else SignInLinkPurpose.FIRST
    return staff_link_issue(user=user, purpose=purpose, actor=actor, site_url=site_url)


def staff_password_link_request(*, user: User, site_url: str = "") -> None:
    """A member of staff who forgot the password asks for a link (the sign-in page's reset form).
    At most one link per ``OTP_RESEND_SECONDS`` for an account, as for codes; a request within
    that time is answered as if sent, so the form does not tell who is staff."""
    if not (user.is_active and user.is_staff and user.phone):
        return
    if not cache.add(f"staff_link:sent:{user.pk}", 1, timeout=settings.OTP_RESEND_SECONDS):
        return
    purpose = SignInLinkPurpose.RESET if user.has_usable_password() else SignInLinkPurpose.FIRST
    staff_link_issue(user=user, purpose=purpose, site_url=site_url)


def staff_link_find(*, token: str) -> SignInLink:
    """The open link for ``token``, or LinkNotValid saying why not."""
    link = (
        SignInLink.objects.select_related("user").filter(token_hash=_digest(token or "")).first()
        if token else None
    )
    if link is None or not link.user.is_active or not link.user.is_staff:
        raise LinkNotValid(_("This link is not valid. Please check that you opened the whole link from the SMS."),
                           reason="unknown")
    if link.used_at is not None:
        raise LinkNotValid(_("This link has already been used. Sign in with your mobile number and password."),
                           reason="used")
    if link.revoked_at is not None:
        raise LinkNotValid(_("A newer link was sent to your phone; this one no longer works. "
                             "Please open the newest SMS."), reason="replaced")
    if link.expires_at <= timezone.now():
        raise LinkNotValid(_("This link has expired. Ask your administrator to send it again."), reason="expired")
    return link


def staff_link_code_send(*, token: str) -> int:
    """Send the SMS code that confirms the phone to the link's account. Returns seconds to a resend."""
    link = staff_link_find(token=token)
    return otp.otp_issue(phone=link.user.phone, purpose=LINK_CODE_PURPOSE)


@transaction.atomic
def staff_link_redeem(*, token: str, code: str, password: str, password_again: str) -> User:
    """Use the link: the SMS code confirms the phone, the password is checked against
    AUTH_PASSWORD_VALIDATORS and saved, and the link stops working. Returns the account, for
    the view to sign in (the second factor is the next step)."""
    link = staff_link_find(token=token)
    user = link.user
    if password != password_again:
        raise ValidationFailed.for_field(
            "password_again", _("The two passwords are different. Please type the same password twice.")
        )
    _password_check(password, user)
    _verify_code(user.phone, code, LINK_CODE_PURPOSE)
    now = timezone.now()
    # Single use under concurrency: only one request turns the open link into a used one.
    if not SignInLink.objects.filter(pk=link.pk, used_at=None, revoked_at=None).update(used_at=now):
        raise LinkNotValid(_("This link has already been used. Sign in with your mobile number and password."),
                           reason="used")
    first = link.purpose == SignInLinkPurpose.FIRST
    user.set_password(password)
    user.save(update_fields=["password"])
    lockout_clear(f"phone:{user.phone}")
    if first:
        audit_record(event_type="identity.staff_first_sign_in", actor=user, target=user,
                     new={"link": link.pk})
    else:
        audit_record(event_type="identity.password_reset", actor=user, target=user,
                     new={"by": "sign-in link", "link": link.pk})
    return user
