"""Reads about who may do what, where. Scoped records come through these gates."""

from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import Organisation, RoleAssignment
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


# --- staff administration: who may give roles, for which organisations and regions -------
STAFF_ADMIN_ROLES = ("staff_admin",)
RESERVED_ROLES = ("admin",)  # given only by a superuser: it opens the whole platform
GOVERNMENT = "government"  # an administrator of a people's government covers its whole region


def _descendants(organisation_ids: set[int]) -> set[int]:
    """The organisations under these (children, their children …), these included."""
    found, frontier = set(organisation_ids), set(organisation_ids)
    while frontier:
        frontier = set(
            Organisation.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
        ) - found
        found |= frontier
    return found


def staff_admin_organisations(*, user) -> QuerySet[Organisation]:
    """The organisations whose staff ``user`` administers: for each ``staff_admin`` assignment,
    its organisation and those under it (a government's: every organisation of its region),
    within the assignment's region subtree. Superusers administer every organisation."""
    if user.is_superuser:
        return Organisation.objects.all()
    q = Q(pk__in=[])
    for a in held_assignments(user=user, roles=STAFF_ADMIN_ROLES):
        within = Q(region__prefix__startswith=a.region.prefix)
        if a.organisation.department_code == GOVERNMENT and a.organisation.kind == "department":
            q |= within
        else:
            q |= within & Q(pk__in=_descendants({a.organisation_id}))
    return Organisation.objects.filter(q)


def staff_admin_may_grant(*, user, role_code: str, organisation: Organisation, region) -> bool:
    """May ``user`` give (or take) ``role_code`` at (organisation, region subtree)?

    Only within one of its own ``staff_admin`` assignments: the organisation under the
    assignment's organisation (or in a government's region) and the region inside the
    assignment's subtree. The platform administrator's role is a superuser's to give.
    """
    if user.is_superuser:
        return True
    if role_code in RESERVED_ROLES:
        return False
    for a in held_assignments(user=user, roles=STAFF_ADMIN_ROLES):
        if not region.prefix.startswith(a.region.prefix):
            continue
        if not organisation.region.prefix.startswith(a.region.prefix):
            continue
        if a.organisation.department_code == GOVERNMENT and a.organisation.kind == "department":
            return True
        if organisation.pk in _descendants({a.organisation_id}):
            return True
    return False


def staff_assignments_for(
    *, user, q: str = "", role: str = "", organisation: str = ""
) -> QuerySet[RoleAssignment]:
    """Role assignments the staff administrator ``user`` may see and take away, filtered by
    name or username (``q``), role code and organisation name; by organisation, then name."""
    qs = RoleAssignment.objects.filter(organisation__in=staff_admin_organisations(user=user))
    if not user.is_superuser:
        regions = Q(pk__in=[])
        for a in held_assignments(user=user, roles=STAFF_ADMIN_ROLES):
            regions |= Q(region__prefix__startswith=a.region.prefix)
        qs = qs.filter(regions)
    if q.strip():
        qs = qs.filter(Q(user__name__contains=q.strip()) | Q(user__username__icontains=q.strip()))
    if role:
        qs = qs.filter(role_id=role)
    if organisation.strip():
        qs = qs.filter(organisation__name__contains=organisation.strip())
    return qs.select_related("user", "role", "organisation", "region").order_by(
        "organisation__name", "user__name", "pk"
    )


def staff_admin_may_place(*, user, region, parent: Organisation | None) -> bool:
    """May ``user`` create (or move) an organisation at ``region`` under ``parent``?

    The organisation sits inside one of the administrator's own region subtrees; its parent
    is an organisation the administrator runs (``staff_admin_organisations``). Only a
    people's government's administrator (or a superuser) may create one without a parent
    — a new department of that government."""
    if user.is_superuser:
        return True
    for a in held_assignments(user=user, roles=STAFF_ADMIN_ROLES):
        if not region.prefix.startswith(a.region.prefix):
            continue
        is_government = a.organisation.department_code == GOVERNMENT and a.organisation.kind == "department"
        if parent is None:
            if is_government:
                return True
            continue
        if is_government and parent.region.prefix.startswith(a.region.prefix):
            return True
        if parent.pk in _descendants({a.organisation_id}):
            return True
    return False
