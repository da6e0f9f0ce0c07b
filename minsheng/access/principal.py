"""The roles a signed-in account holds today.

Read from the database once per request and kept on the request's user object, as
Django's ``ModelBackend`` keeps ``_perm_cache``: the user object is loaded afresh
for every request, so a role given, changed or taken away counts from the next
request on, with nothing to invalidate. The services that give or take a role drop
the list from the user object they were given (``forget``), so a caller holding that
object sees the change too. Validity dates are checked at use.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from .models import RoleAssignment

_MEMO = "_minsheng_assignments"  # attribute on the request's user object


def _assignments(user) -> list[RoleAssignment]:
    memo = getattr(user, _MEMO, None)
    if memo is None:
        memo = list(
            RoleAssignment.objects.filter(user_id=user.pk)
            .select_related("role", "organisation", "region")
            .order_by("pk")
        )
        setattr(user, _MEMO, memo)
    return memo


def forget(user) -> None:
    """Drop the assignments read for this user object (its roles just changed)."""
    user.__dict__.pop(_MEMO, None)


def held_assignments(*, user, roles: Iterable[str] | None = None) -> list[RoleAssignment]:
    """The user's assignments valid today, of ``roles`` when given, oldest first.

    The same rows as ``selectors.active_assignments`` (with role, organisation and
    region loaded), as a list.
    """
    if not getattr(user, "is_authenticated", False) or user.pk is None:
        return []
    wanted = set(roles) if roles else None
    today = timezone.localdate()
    return [
        a
        for a in _assignments(user)
        if (wanted is None or a.role_id in wanted)
        and (a.valid_from is None or a.valid_from <= today)
        and (a.valid_to is None or a.valid_to >= today)
    ]
