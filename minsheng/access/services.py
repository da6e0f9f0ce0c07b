"""Writes about roles and who holds them. Each change writes an audit entry."""

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from minsheng.core.registry import registry

from . import principal
from .models import Organisation, Role, RoleAssignment
from .roles import CORE_ROLES
from .selectors import staff_admin_may_place, staff_admin_organisations


def _declared_roles() -> dict[str, tuple[object, list[str]]]:
    declared: dict[str, tuple[object, list[str]]] = {
        code: (spec["title"], list(spec.get("permissions", []))) for code, spec in CORE_ROLES.items()
    }
    for program in registry.programs():
        for code, spec in program.roles.items():
            if isinstance(spec, dict):
                declared.setdefault(code, (spec.get("title", code), list(spec.get("permissions", []))))
            else:
                declared.setdefault(code, (spec, []))
    return declared


@transaction.atomic
def roles_sync() -> int:
    """Upsert a Role row for every core role and every role a program declares. Returns the count."""
    declared = _declared_roles()
    existing = {r.code: r for r in Role.objects.filter(code__in=list(declared))}
    with translation.override(settings.LANGUAGE_CODE):
        for code, (title, permissions) in declared.items():
            title = str(title)[:100]
            role = existing.get(code)
            if role is None:
                Role.objects.create(code=code, title=title, permissions=permissions)
            elif role.title != title or role.permissions != permissions:
                role.title, role.permissions = title, permissions
                role.save(update_fields=["title", "permissions"])
    return len(declared)


def _region(region):
    from minsheng.regions.models import Region

    if isinstance(region, Region):
        return region
    found = Region.objects.filter(code=str(region)).first()
    if found is None:
        raise ValidationFailed.for_field("region", _("This region code does not exist. Please choose a region from the list."))
    return found


@transaction.atomic
def role_assign(
    *,
    user,
    role_code: str,
    organisation: Organisation,
    region,
    actor=None,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
) -> RoleAssignment:
    """Give ``user`` the role for (organisation, region subtree)."""
    role = Role.objects.filter(code=role_code).first()
    if role is None:
        raise ValidationFailed.for_field("role", _("This role does not exist. Please choose a role from the list."))
    region = _region(region)
    if valid_from and valid_to and valid_to < valid_from:
        raise ValidationFailed.for_field("valid_to", _("The end date must not be before the start date."))
    if RoleAssignment.objects.filter(user=user, role=role, organisation=organisation, region=region).exists():
        raise Conflict(_("This user already holds this role for this organisation and region."))
    try:
        with transaction.atomic():
            assignment = RoleAssignment.objects.create(
                user=user, role=role, organisation=organisation, region=region,
                valid_from=valid_from, valid_to=valid_to,
            )
    except IntegrityError:
        raise Conflict(_("This user already holds this role for this organisation and region.")) from None
    if role.is_staff_role and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    principal.forget(user)
    audit_record(
        event_type="access.role_assigned",
        actor=actor,
        target=assignment,
        new={"user": user.pk, "role": role.code, "organisation": organisation.pk, "region": region.code,
             "valid_from": valid_from.isoformat() if valid_from else None,
             "valid_to": valid_to.isoformat() if valid_to else None},
    )
    return assignment


@transaction.atomic
def role_revoke(*, user, role_code: str, organisation: Organisation, region, actor=None) -> None:
    """Take the role away for (organisation, region subtree)."""
    region = _region(region)
    assignment = RoleAssignment.objects.filter(
        user=user, role_id=role_code, organisation=organisation, region=region
    ).first()
    if assignment is None:
        raise NotFound(_("This user does not hold this role for this organisation and region."))
    old = {"user": user.pk, "role": role_code, "organisation": organisation.pk, "region": region.code}
    audit_record(event_type="access.role_revoked", actor=actor, target=assignment, old=old)
    assignment.delete()
    principal.forget(user)


# --- organisations: a staff administrator sets up the departments, schools, providers … ----
ORGANISATION_FIELDS = ("name", "kind", "department_code", "region", "parent", "credit_code", "address", "is_active")


def _organisation_values(organisation: Organisation) -> dict:
    return {
        "name": organisation.name, "kind": organisation.kind, "department_code": organisation.department_code,
        "region": organisation.region.code, "parent": organisation.parent_id,
        "credit_code": organisation.credit_code, "address": organisation.address,
        "is_active": organisation.is_active,
    }


def _organisation_check(*, actor, organisation: Organisation, placed: bool = True) -> None:
    """Valid values, and (``placed``: when created or moved) a place the administrator may use."""
    from minsheng.core.creditcode import credit_code_validate

    organisation.name = (organisation.name or "").strip()
    if not organisation.name:
        raise ValidationFailed.for_field("name", _("Enter the organisation's name."))
    if organisation.credit_code:
        organisation.credit_code = credit_code_validate(organisation.credit_code)
    parent = organisation.parent
    if parent is not None:
        if organisation.pk and parent.pk == organisation.pk:
            raise ValidationFailed.for_field("parent", _("An organisation cannot be its own parent. Choose another one."))
        ancestor = parent
        while ancestor is not None:  # no cycles: the parent may not sit under this organisation
            if organisation.pk and ancestor.parent_id == organisation.pk:
                raise ValidationFailed.for_field(
                    "parent", _("The chosen parent sits under this organisation. Choose one above or beside it.")
                )
            ancestor = ancestor.parent
    if placed and not staff_admin_may_place(user=actor, region=organisation.region, parent=parent):
        raise NotAllowed(
            _("You may set up organisations only under those you administer and within your region. "
              "Ask the administrator of that organisation or region.")
        )


@transaction.atomic
def organisation_create(
    *, actor, name: str, kind: str, region, parent: Organisation | None = None,
    department_code: str = "", credit_code: str = "", address: str = "",
) -> Organisation:
    """A new organisation under one the administrator runs, inside its region; audited."""
    organisation = Organisation(
        name=name, kind=kind, region=_region(region), parent=parent,
        department_code=(department_code or (parent.department_code if parent else "")).strip(),
        credit_code=(credit_code or "").strip(), address=(address or "").strip(),
    )
    _organisation_check(actor=actor, organisation=organisation)
    organisation.save()
    audit_record(event_type="access.organisation_created", actor=actor, target=organisation,
                 new=_organisation_values(organisation))
    return organisation


@transaction.atomic
def organisation_update(*, actor, organisation: Organisation, **changes) -> Organisation:
    """Change an organisation the administrator runs (name, kind, parent, region, codes, address,
    whether it is active); the old and new values go to the audit trail."""
    unknown = set(changes) - set(ORGANISATION_FIELDS)
    if unknown:
        raise TypeError(f"organisation_update: unknown fields {sorted(unknown)}")
    if not staff_admin_organisations(user=actor).filter(pk=organisation.pk).exists():
        raise NotAllowed(_("You may change only the organisations you administer."))
    organisation = Organisation.objects.select_for_update(of=("self",)).select_related("region", "parent").get(pk=organisation.pk)
    old = _organisation_values(organisation)
    for field, value in changes.items():
        if field == "region":
            value = _region(value)
        elif isinstance(value, str):
            value = value.strip()
        setattr(organisation, field, value)
    moved = organisation.region.code != old["region"] or organisation.parent_id != old["parent"]
    _organisation_check(actor=actor, organisation=organisation, placed=moved)
    new = _organisation_values(organisation)
    if new != old:
        organisation.save()
        audit_record(event_type="access.organisation_changed", actor=actor, target=organisation,
                     old={k: v for k, v in old.items() if new[k] != v},
                     new={k: v for k, v in new.items() if old[k] != v})
    return organisation
