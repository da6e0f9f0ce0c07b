"""Clerks and their windows: signing on for a shift, signing off, and releasing windows
whose clerk no longer holds the assignment (window actions trust the signed-on clerk)."""

from django.db import transaction
from django.utils.translation import gettext as _

from minsheng.access.selectors import scope_q
from minsheng.audit.services import audit_record
from minsheng.core.errors import Conflict, ErrorCode, NotAllowed

from ..apps import CLERKS
from ..models import Window
from ..selectors.manage import points_managed


def windows_in_scope(*, user):
    return Window.objects.filter(
        scope_q(user=user, roles=CLERKS, region_field="point__region", organisation_field="point__organisation")
    )


def window_sign_on(*, window: Window, clerk) -> Window:
    """The clerk takes the window for their shift; only they can then call from it."""
    if not windows_in_scope(user=clerk).filter(pk=window.pk).exists():
        raise NotAllowed(_("This window belongs to a service point outside your assignment."))
    with transaction.atomic():
        locked = Window.objects.select_for_update().get(pk=window.pk)
        if locked.clerk_id and locked.clerk_id != clerk.pk:
            raise Conflict(
                _("Another clerk is signed on to window %(n)s. Ask them to sign off first.")
                % {"n": locked.number}
            )
        old = locked.clerk_id
        locked.clerk = clerk
        locked.is_open = True
        locked.save(update_fields=["clerk", "is_open"])
        audit_record(event_type="service_halls.window_sign_on", actor=clerk, target=locked,
                     old={"clerk": old}, new={"clerk": clerk.pk})
    return locked


def windows_release_out_of_scope(*, user_id: int | None = None) -> int:
    """Sign clerks off windows outside their current assignments.

    Window actions trust the signed-on clerk (signing on checked the assignment),
    so an assignment that is removed, moved or expires must end the shift: on a
    change to the user's assignments (a signal) and every few minutes for
    assignments that lapse by date. Returns the number of windows released."""
    from django.contrib.auth import get_user_model

    signed_on = Window.objects.filter(clerk__isnull=False)
    if user_id is not None:
        signed_on = signed_on.filter(clerk_id=user_id)
    released = 0
    for clerk_id in set(signed_on.values_list("clerk_id", flat=True)):
        clerk = get_user_model().objects.get(pk=clerk_id)
        allowed = set(windows_in_scope(user=clerk).values_list("pk", flat=True)) if clerk.is_active else set()
        with transaction.atomic():
            for window in Window.objects.select_for_update().filter(clerk_id=clerk_id).exclude(pk__in=allowed):
                window.clerk = None
                window.is_open = False
                window.save(update_fields=["clerk", "is_open"])
                audit_record(event_type="service_halls.window_sign_off", actor=None, target=window,
                             old={"clerk": clerk_id}, new={"clerk": None, "reason": "out_of_scope"})
                released += 1
    return released


def window_sign_off(*, window: Window, clerk) -> Window:
    """The clerk ends their shift, or the hall manager signs a clerk off (a number
    still at the window stays there for whoever signs on next)."""
    with transaction.atomic():
        locked = Window.objects.select_for_update().get(pk=window.pk)
        by_manager = locked.clerk_id != clerk.pk
        if by_manager and not points_managed(user=clerk).filter(pk=locked.point_id).exists():
            raise NotAllowed(_("Only the clerk on duty or the hall manager can sign off this window."))
        if locked.clerk_id is None:
            raise Conflict(_("Nobody is signed on to window %(n)s.") % {"n": locked.number},
                           code=ErrorCode.STATE_CHANGED)
        old = locked.clerk_id
        locked.clerk = None
        locked.is_open = False
        locked.save(update_fields=["clerk", "is_open"])
        audit_record(event_type="service_halls.window_sign_off", actor=clerk, target=locked,
                     old={"clerk": old}, new={"clerk": None, **({"reason": "hall_manager"} if by_manager else {})})
    return locked
