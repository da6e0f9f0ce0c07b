"""What 我的 shows of after-school care: the applications for the person's children, each with
its state and what the guardian does next (answer an offer, wait for the lottery, rate)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from minsheng.core.registry import MineItem, MineSection

from .models import ApplicationState
from .selectors.family import applications_of

_TONES = {
    ApplicationState.SUBMITTED: "primary",
    ApplicationState.ADMITTED: "success",
    ApplicationState.ACCEPTED: "success",
    ApplicationState.OFFERED: "warning",
    ApplicationState.WAITLISTED: "info",
}


def _step(app) -> tuple[str, bool]:
    if app.state == ApplicationState.OFFERED:
        return _("A place is offered: accept or decline it before the offer expires."), True
    if getattr(app, "results_pending", False):
        return _("The lottery is done; its results are shown here and sent to you once the school publishes them."), False
    if app.state == ApplicationState.SUBMITTED:
        return _("Wait for the public lottery; the result is shown here and sent to you."), False
    if app.state == ApplicationState.WAITLISTED:
        return _("You are on the waiting list; a place freed is offered in list order."), False
    if getattr(app, "can_rate", False):
        return _("Rate the after-school care your child receives."), True
    if app.state in (ApplicationState.ADMITTED, ApplicationState.ACCEPTED):
        return _("Your child has a place. Nothing to do now."), False
    return _("Nothing more to do."), False


def mine(user) -> list[MineItem]:
    """Four queries: the children, their applications, the seats, the guardian's ratings."""
    url = reverse("after_school:home")
    items = []
    for app in applications_of(user=user)[:30]:
        step, action = _step(app)
        items.append(MineItem(
            section=MineSection.APPLICATIONS,
            title=_("%(offering)s for %(child)s") % {"offering": app.offering.title, "child": app.student.name},
            detail=app.offering.host.name if app.offering.host_id else "", status=app.get_state_display(),
            next_step=step, action=action, url=url, at=app.created_at, tone=_TONES.get(app.state, "secondary"),
        ))
    return items
