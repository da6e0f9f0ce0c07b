"""How a view declares who may open it. Deny by default.

``LoginRequiredMiddleware`` already turns away anonymous users from every
view; these decorators say the rest, and a test walks every URL pattern and
fails on any view that carries none of them:

- ``@public`` — open to anyone (sign-in page, verification pages, kiosk);
- ``@citizen`` — any signed-in person, acting for themselves or their family;
- ``@staff("role_code", …)`` — a staff member holding one of the roles.
"""

from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied

from .principal import held_assignments


def public(view):
    view = login_not_required(view)
    view.minsheng_access = "public"
    return view


def citizen(view):
    view.minsheng_access = "citizen"
    return view


def staff(*roles: str):
    """Require one of ``roles`` (any staff role when none is named).

    Sets ``request.staff_assignments`` to the user's active assignments of those roles.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated or not user.is_staff:
                raise PermissionDenied
            assignments = held_assignments(user=user, roles=roles or None)
            if not user.is_superuser and not assignments:
                raise PermissionDenied
            # The assignments that let the user in: (role, organisation, region
            # subtree) — views pass them on to gates instead of asking again.
            request.staff_assignments = assignments
            return view(request, *args, **kwargs)

        wrapped.minsheng_access = ("staff", roles)
        return wrapped

    return decorator
