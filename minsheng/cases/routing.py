"""Who works on a case: routing a department to the organisation that serves a region,
and checking a user's roles against (organisation, region) without extra queries."""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.access.models import Organisation, RoleAssignment
from minsheng.access.selectors import active_assignments
from minsheng.core.errors import ValidationFailed

from .process import APPLICANT, SYSTEM

PREFIX_LENGTHS = (2, 4, 6, 9, 12)


def ancestor_prefixes(prefix: str) -> list[str]:
    return [prefix[:n] for n in PREFIX_LENGTHS if n <= len(prefix)]


def organisation_route(*, department_code: str, region) -> Organisation:
    """The nearest active organisation with ``department_code`` whose region contains ``region``."""
    candidates = list(
        Organisation.objects.filter(
            department_code=department_code,
            is_active=True,
            region__prefix__in=ancestor_prefixes(region.prefix),
        ).select_related("region")
    )
    if not candidates:
        raise ValidationFailed(
            _(
                "No office of department “%(department)s” serves %(region)s yet. "
                "Ask the administrator to set up the organisation, then try again."
            )
            % {"department": department_code, "region": region.name}
        )
    return max(candidates, key=lambda o: (len(o.region.prefix), -o.pk))


def staff_roles(roles) -> list[str]:
    return [r for r in roles if r not in (APPLICANT, SYSTEM)]


def user_may(user, roles, *, region, organisation, assignments=None) -> bool:
    """Whether ``user`` holds one of ``roles`` for this organisation and region (scope_q's rule)."""
    roles = staff_roles(roles)
    if not roles or not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    if assignments is None:
        assignments = active_assignments(user=user, roles=roles)
    for a in assignments:
        if a.role_id not in roles or not region.prefix.startswith(a.region.prefix):
            continue
        if organisation is None or a.organisation_id in (organisation.pk, organisation.parent_id):
            return True
    return False


def role_holders(*, roles, organisation) -> list:
    """Users holding one of ``roles`` at ``organisation`` (or at its parent) today."""
    today = timezone.localdate()
    orgs = [organisation.pk] + ([organisation.parent_id] if organisation.parent_id else [])
    qs = (
        RoleAssignment.objects.filter(
            role_id__in=staff_roles(roles), organisation_id__in=orgs, user__is_active=True
        )
        .filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=today),
            Q(valid_to__isnull=True) | Q(valid_to__gte=today),
        )
        .select_related("user")
    )
    seen, users = set(), []
    for a in qs:
        if a.user_id not in seen:
            seen.add(a.user_id)
            users.append(a.user)
    return users
