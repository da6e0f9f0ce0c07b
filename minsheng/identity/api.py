"""/api/v1/identity/: codes, tokens, the signed-in user, family members, staff person view."""

from datetime import datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.errors import AuthenticationError

from minsheng.access.principal import held_assignments
from minsheng.access.selectors import (
    STAFF_ADMIN_ROLES,
    staff_admin_organisations,
    staff_assignments_for,
)
from minsheng.core.errors import NotAllowed, NotFound, ValidationFailed
from minsheng.core.schemas import ERROR_RESPONSES, ErrorOut

from . import services
from .models import Person, User
from .ratelimit import rate_limit
from .selectors import person_get_for, person_relations_of

router = Router(tags=["identity"])

RATE = {429: ErrorOut}


class OtpIn(Schema):
    phone: str
    purpose: str = "signin"


class OtpOut(Schema):
    sent: bool
    resend_after: int


class TokenIn(Schema):
    phone: str = ""
    code: str = ""
    name: str = ""
    username: str = ""
    password: str = ""


class PersonOut(Schema):
    id: int
    name: str
    id_number_masked: str
    phone_masked: str
    birth_date: str | None
    sex: str
    verified_by: str


class MeOut(Schema):
    id: int
    name: str
    username: str | None
    phone_masked: str
    is_staff: bool
    has_second_factor: bool
    person: PersonOut | None


class TokenOut(Schema):
    token: str
    user: MeOut


class RelationOut(Schema):
    id: int
    kind: str
    detail: str
    relative: PersonOut


class RelationIn(Schema):
    name: str
    id_number: str
    kind: str
    detail: str = ""


class UnmaskIn(Schema):
    field: str
    reason: str
    totp_code: str = ""


class UnmaskOut(Schema):
    field: str
    value: str


def person_out(person: Person) -> dict:
    return {
        "id": person.pk,
        "name": person.name,
        "id_number_masked": person.id_number_masked,
        "phone_masked": person.phone_masked,
        "birth_date": person.birth_date.isoformat() if person.birth_date else None,
        "sex": person.sex,
        "verified_by": person.verified_by,
    }


def me_out(user) -> dict:
    person = Person.objects.filter(user=user).first()
    return {
        "id": user.pk,
        "name": user.name,
        "username": user.username,
        "phone_masked": user.phone_masked,
        "is_staff": user.is_staff,
        "has_second_factor": user.has_second_factor,
        "person": person_out(person) if person else None,
    }


@router.post("/otp", auth=None, response={202: OtpOut, **ERROR_RESPONSES, **RATE})
@rate_limit(key="ip", rate="5/m", scope="otp")
def request_code(request: HttpRequest, payload: OtpIn):
    """Send a sign-in (``purpose=signin``) or password reset (``reset``) code by SMS."""
    wait = services.otp_request(phone=payload.phone, purpose=payload.purpose)
    return Status(202, {"sent": True, "resend_after": wait})


@router.post("/token", auth=None, response={201: TokenOut, **ERROR_RESPONSES, **RATE})
@rate_limit(key="ip", rate="20/m", scope="signin")
def issue_token(request: HttpRequest, payload: TokenIn):
    """Exchange phone + SMS code, or username + password, for an API token (shown once)."""
    if payload.phone and payload.code:
        user, _created = services.citizen_sign_in_otp(
            phone=payload.phone, code=payload.code, name=payload.name
        )
    elif payload.username and payload.password:
        user = services.password_sign_in(
            request=request, login=payload.username, password=payload.password
        )
    else:
        raise ValidationFailed(
            fields={"__all__": [_("Send a phone number and SMS code, or a username and password.")]}
        )
    token = services.api_token_issue(user=user)
    return Status(201, {"token": token, "user": me_out(user)})


@router.get("/me", response={200: MeOut, **ERROR_RESPONSES})
def me(request: HttpRequest):
    return me_out(request.user)


@router.get("/me/relations", response={200: list[RelationOut], **ERROR_RESPONSES})
def my_relations(request: HttpRequest):
    person = Person.objects.filter(user=request.user).first()
    if person is None:
        return []
    return [
        {"id": r.pk, "kind": r.kind, "detail": r.detail, "relative": person_out(r.relative)}
        for r in person_relations_of(person)
        if r.person_id == person.pk
    ]


@router.post("/me/relations", response={201: RelationOut, **ERROR_RESPONSES})
def add_relation(request: HttpRequest, payload: RelationIn):
    """Add a family member by name and ID number; ``kind`` is guardian, family or agent."""
    relation = services.family_member_add(
        user=request.user,
        name=payload.name,
        id_number=payload.id_number,
        kind=payload.kind,
        detail=payload.detail,
    )
    return Status(
        201,
        {
            "id": relation.pk,
            "kind": relation.kind,
            "detail": relation.detail,
            "relative": person_out(relation.relative),
        },
    )


def _staff_person(request, person_id: int) -> Person:
    if not request.user.is_authenticated:
        raise AuthenticationError()
    return person_get_for(user=request.user, person_id=person_id)


@router.get("/persons/{person_id}", response={200: PersonOut, **ERROR_RESPONSES})
def person_detail(request: HttpRequest, person_id: int):
    """A person's record, numbers masked (staff with a role, within their region scope)."""
    return person_out(_staff_person(request, person_id))


@router.post("/persons/{person_id}/unmask", response={200: UnmaskOut, **ERROR_RESPONSES})
def person_unmask(request: HttpRequest, person_id: int, payload: UnmaskIn):
    """The full number, with a reason; needs identity.unmask and a second factor.

    A browser session that confirmed its authenticator code counts; a token
    client sends ``totp_code``. Every call is written to the audit trail.
    """
    person = _staff_person(request, person_id)
    from .views import second_factor_at

    at = second_factor_at(request) if hasattr(request, "session") else None
    if payload.totp_code:
        at = services.totp_verify(user=request.user, code=payload.totp_code)
    value = services.person_unmask(
        actor=request.user, person=person, field=payload.field, reason=payload.reason,
        second_factor_at=at,
    )
    return {"field": payload.field, "value": value}



# --- staff administration (人员管理): the workbench's staff pages, for systems ------------
class StaffAssignmentOut(Schema):
    id: int
    user_id: int
    name: str
    username: str | None
    phone_masked: str
    role: str
    role_title: str
    organisation_id: int
    organisation: str
    region: str


class StaffInviteIn(Schema):
    phone: str
    name: str
    role: str
    organisation_id: int
    region: str = ""


class StaffRoleIn(Schema):
    role: str
    organisation_id: int
    region: str = ""


def _assignment_out(a) -> dict:
    return {
        "id": a.pk, "user_id": a.user_id, "name": a.user.name, "username": a.user.username,
        "phone_masked": a.user.phone_masked, "role": a.role_id, "role_title": a.role.title,
        "organisation_id": a.organisation_id, "organisation": a.organisation.name,
        "region": a.region_id,
    }


def _staff_admin(request):
    if not request.user.is_authenticated:
        raise AuthenticationError()
    if not (request.user.is_superuser or held_assignments(user=request.user, roles=STAFF_ADMIN_ROLES)):
        raise NotAllowed(_("Only a staff administrator may manage staff."))
    return request.user


def _organisation_for(user, organisation_id: int):
    organisation = staff_admin_organisations(user=user).filter(pk=organisation_id).first()
    if organisation is None:
        raise NotAllowed(
            _("You may give roles only within your own organisation and region. "
              "Ask the administrator of that organisation or region.")
        )
    return organisation


@router.get("/staff", response={200: list[StaffAssignmentOut], **ERROR_RESPONSES})
def staff_list(request: HttpRequest, q: str = "", role: str = "", organisation: str = "",
               offset: int = 0, limit: int = 100):
    """Roles held within the caller's staff administration scope (as the Staff page lists them)."""
    user = _staff_admin(request)
    limit = max(1, min(limit, 500))
    rows = staff_assignments_for(user=user, q=q, role=role, organisation=organisation)
    return [_assignment_out(a) for a in rows[max(0, offset): max(0, offset) + limit]]


@router.post("/staff/invite", response={201: StaffAssignmentOut, **ERROR_RESPONSES})
def staff_invite(request: HttpRequest, payload: StaffInviteIn):
    """Invite a person by mobile number to a role in an organisation the caller administers."""
    user = _staff_admin(request)
    assignment = services.staff_invite(
        actor=user, phone=payload.phone, name=payload.name, role_code=payload.role,
        organisation=_organisation_for(user, payload.organisation_id), region=payload.region,
        site_url=request.build_absolute_uri("/"),
    )
    return Status(201, _assignment_out(assignment))


class StaffLinkOut(Schema):
    purpose: str
    expires_at: datetime


@router.post("/staff/{user_id}/link", response={201: StaffLinkOut, **ERROR_RESPONSES})
def staff_link_send(request: HttpRequest, user_id: int):
    """Send a member of the caller's staff a new one-time sign-in link by SMS (the first sign-in
    while they have no password, else a new password); the earlier link stops working."""
    user = _staff_admin(request)
    member = User.objects.filter(pk=user_id, pk__in=staff_assignments_for(user=user).values("user_id")).first()
    if member is None:
        raise NotFound()
    issued = services.staff_link_resend(actor=user, user=member, site_url=request.build_absolute_uri("/"))
    return Status(201, {"purpose": issued.link.purpose, "expires_at": issued.link.expires_at})


@router.post("/staff/{user_id}/roles", response={201: StaffAssignmentOut, **ERROR_RESPONSES})
def staff_role_grant(request: HttpRequest, user_id: int, payload: StaffRoleIn):
    """Give a member of the caller's staff one more role."""
    user = _staff_admin(request)
    member = User.objects.filter(
        pk=user_id, pk__in=staff_assignments_for(user=user).values("user_id")
    ).first()
    if member is None:
        raise NotFound()
    assignment = services.staff_role_grant(
        actor=user, user=member, role_code=payload.role,
        organisation=_organisation_for(user, payload.organisation_id), region=payload.region,
    )
    return Status(201, _assignment_out(assignment))


@router.delete("/staff/assignments/{assignment_id}", response={204: None, **ERROR_RESPONSES})
def staff_role_take(request: HttpRequest, assignment_id: int):
    """Take one role away (the account stops being staff when it was its last)."""
    user = _staff_admin(request)
    assignment = staff_assignments_for(user=user).filter(pk=assignment_id).first()
    if assignment is None:
        raise NotFound()
    services.staff_role_revoke(actor=user, assignment=assignment)
    return Status(204, None)
