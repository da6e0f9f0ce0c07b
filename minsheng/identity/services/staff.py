"""人员管理 — staff administration: invite by phone, give and take roles, remove.

A staff administrator (role ``staff_admin``) acts only within its own organisation and
region subtree (``access.selectors.staff_admin_may_grant``); every change goes through
``access.services.role_assign`` / ``role_revoke`` and writes the one audit trail.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from minsheng.access.models import Organisation, RoleAssignment
from minsheng.access.selectors import staff_admin_may_grant
from minsheng.access.services import role_assign, role_revoke
from minsheng.audit.services import audit_record
from minsheng.core.errors import NotAllowed, ValidationFailed
from minsheng.core.sms import SmsFailed, sms_send
from minsheng.regions.models import Region

from ..crypto import keyed_hash
from ..idnumbers import mask_phone, phone_validate
from ..models import SignInLinkPurpose, User
from .links import staff_link_issue
from .people import name_validate

INVITE_TEMPLATE = "staff_invited"


def _region(code_or_region, organisation: Organisation) -> Region:
    if isinstance(code_or_region, Region):
        return code_or_region
    if not code_or_region:
        return organisation.region
    region = Region.objects.filter(code=str(code_or_region).strip()).first()
    if region is None:
        raise ValidationFailed.for_field(
            "region", _("This region code does not exist. Please choose a region from the list.")
        )
    return region


def _check(actor, role_code: str, organisation: Organisation, region: Region) -> None:
    if not staff_admin_may_grant(user=actor, role_code=role_code, organisation=organisation, region=region):
        raise NotAllowed(
            _("You may give roles only within your own organisation and region. "
              "Ask the administrator of that organisation or region.")
        )


@transaction.atomic
def staff_invite(
    *, actor, phone: str, name: str, role_code: str, organisation: Organisation, region=None,
    site_url: str = "",
) -> RoleAssignment:
    """Invite a person by mobile number to a role: the account is found or created, given the
    role, and told by SMS. A person who has not yet signed in as staff (a new account, or one
    without a password) gets a one-time first sign-in link in that SMS (``links``); staff
    never sign in with an SMS code alone."""
    phone = phone_validate(phone)
    region = _region(region, organisation)
    _check(actor, role_code, organisation, region)
    user = User.objects.select_for_update().filter(phone_hash=keyed_hash(phone)).first()
    created = user is None
    was_staff = bool(user and user.is_staff)
    if created:
        user = User(name=name_validate(name), phone=phone, phone_hash=keyed_hash(phone), is_staff=True)
        user.set_unusable_password()
        user.save()
    assignment = role_assign(
        user=user, role_code=role_code, organisation=organisation, region=region, actor=actor
    )
    needs_link = created or not was_staff or not user.has_usable_password()
    audit_record(
        event_type="identity.staff_invited",
        actor=actor,
        target=user,
        new={"phone": mask_phone(phone), "new_account": created, "role": role_code,
             "organisation": organisation.pk, "region": region.code, "link": needs_link},
    )
    role_title = assignment.role.title
    lead = _("[Minsheng] You have been given the role %(role)s at %(organisation)s.") % {
        "role": role_title, "organisation": organisation.name}
    if needs_link:
        staff_link_issue(user=user, purpose=SignInLinkPurpose.FIRST, actor=actor, site_url=site_url,
                         lead=lead, template=INVITE_TEMPLATE)
        return assignment

    def notify() -> None:
        try:
            sms_send(
                phone=phone,
                template=INVITE_TEMPLATE,
                params={"role": role_title, "organisation": organisation.name},
                text=lead + " " + _("Sign in to the workbench with your mobile number and password."),
            )
        except SmsFailed:
            pass  # the role is given either way; the person signs in as before

    transaction.on_commit(notify)
    return assignment


@transaction.atomic
def staff_role_grant(*, actor, user: User, role_code: str, organisation: Organisation, region=None) -> RoleAssignment:
    """Give a member of staff one more role, within the administrator's scope."""
    region = _region(region, organisation)
    _check(actor, role_code, organisation, region)
    return role_assign(user=user, role_code=role_code, organisation=organisation, region=region, actor=actor)


@transaction.atomic
def staff_role_revoke(*, actor, assignment: RoleAssignment) -> None:
    """Take one role away; an account left with no role stops being staff."""
    _check(actor, assignment.role_id, assignment.organisation, assignment.region)
    user = assignment.user
    role_revoke(
        user=user, role_code=assignment.role_id, organisation=assignment.organisation,
        region=assignment.region, actor=actor,
    )
    if user.is_staff and not user.is_superuser and not RoleAssignment.objects.filter(user=user).exists():
        user.is_staff = False
        user.save(update_fields=["is_staff"])
        audit_record(event_type="identity.staff_removed", actor=actor, target=user,
                     old={"is_staff": True}, new={"is_staff": False})


@transaction.atomic
def staff_remove(*, actor, user: User, assignments) -> int:
    """Take away every role ``assignments`` lists (those the administrator sees); returns how many."""
    taken = 0
    for assignment in assignments.filter(user=user).select_related("organisation", "region", "user"):
        staff_role_revoke(actor=actor, assignment=assignment)
        taken += 1
    return taken
