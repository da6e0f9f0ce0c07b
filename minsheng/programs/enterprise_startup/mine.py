"""What 我的 shows of enterprise start-up: the founder's unfinished forms (drafts, forms waiting for
shareholders) and the forms waiting for this person's own confirmation as a shareholder. A form
once submitted is a case, and 我的 lists it with the cases. Three queries."""

from django.urls import reverse
from django.utils.translation import gettext as _

from minsheng.core.registry import MineItem, MineSection

from .models import ApplicationState
from .selectors import applications_of, confirmations_for

UNFINISHED = (ApplicationState.DRAFT, ApplicationState.CONFIRMING)


def mine(user) -> list[MineItem]:
    items = []
    for a in applications_of(user=user).filter(state__in=UNFINISHED)[:20]:
        draft = a.state == ApplicationState.DRAFT
        items.append(MineItem(
            section=MineSection.APPLICATIONS, title=a.reservation.full_name,
            status=a.get_state_display(), action=draft, at=a.created_at,
            next_step=_("Finish the form and submit it.") if draft
            else _("Wait for every shareholder to confirm, then submit."),
            url=reverse("enterprise_startup:draft", args=[a.pk]), tone="warning" if draft else "info",
        ))
    for c in confirmations_for(user=user)[:20]:
        items.append(MineItem(
            section=MineSection.APPLICATIONS, title=c.application.reservation.full_name,
            detail=_("as a shareholder"),
            status=_("confirmed") if c.confirmed_at else _("waiting for your confirmation"),
            next_step=_("Nothing to do.") if c.confirmed_at else _("Read the form and confirm it."),
            action=not c.confirmed_at, url=reverse("enterprise_startup:confirm", args=[c.pk]),
            at=c.created_at, tone="secondary" if c.confirmed_at else "warning",
        ))
    return items
