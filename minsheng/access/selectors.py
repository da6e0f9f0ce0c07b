"""Reads about who may do what, where. Scoped records come through these gates."""

from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import RoleAssignment
from .principal import held_assignments


def active_assignments(*, user, roles: Iterable[str] | None = None) -> QuerySet[RoleAssignment]:
    """The user's assignments valid today, as a query (to filter or order further).

    Request paths that only need the rows use ``held_assignments`` (the same rows,
    read once per request; minsheng.access.principal).
    """
    today = timezone.localdate()
    qs = RoleAssignment.objects.filter(user=user).filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=today),
        Q(valid_to__isnull=True) | Q(valid_to__gte=today),
    )
    if roles:
        qs = qs.filter(role_id__in=list(roles))
    return qs.select_related("role", "organisation", "region")


def user_has_role(*, user, roles: Iterable[str] | None = None) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(held_assignments(user=user, roles=roles))


def user_has_permission(*, user, permission: str) -> bool:
    """A permission (``identity.unmask``) comes from a role the user holds."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return any(permission in (a.role.permissions or []) for a in held_assignments(user=user))


def scope_q(
    *,
    user,
    roles: Iterable[str] | None = None,
    region_field: str = "region",
    organisation_field: str | None = None,
) -> Q:
    """A filter for records within the user's (organisation, region subtree) assignments.

    ``region_field`` names the record's region foreign key; a record matches an
    assignment when its region lies in the assignment's subtree (code prefix).
    With ``organisation_field`` the record must also belong to that
    assignment's organisation (or a child organisation of it).
    Superusers see everything; a user with no matching assignment sees nothing.
    """
    if user.is_superuser:
        return Q()
    q = Q(pk__in=[])
    for assignment in held_assignments(user=user, roles=roles):
        clause = Q(**{f"{region_field}__prefix__startswith": assignment.region.prefix})
        if organisation_field:
            clause &= Q(**{organisation_field: assignment.organisation_id}) | Q(
                **{f"{organisation_field}__parent": assignment.organisation_id}
            )
        q |= clause
    return q
