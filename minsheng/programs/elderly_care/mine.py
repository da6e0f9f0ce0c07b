"""What 我的 shows of home care: the person and the relatives in their care who receive home
care, with the visits of the past week and the next two. Four queries whatever the number
of people and visits: the care relations (two), the elders, the visits."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.cases.selectors import people_in_care_ids
from minsheng.core.registry import MineItem, MineSection

from .models import Elder, ElderStatus, OrderStatus, WorkOrder

LIMIT = 30

_STEPS = {
    OrderStatus.PLANNED: (_("The caregiver comes at the planned time."), False),
    OrderStatus.DISPATCHED: (_("The caregiver comes at the planned time."), False),
    OrderStatus.IN_PROGRESS: (_("The caregiver is there now."), False),
    OrderStatus.AWAITING: (_("Give the caregiver the confirmation code texted to the family, "
                             "or tell the community office if the visit did not happen."), True),
}
_TONES = {OrderStatus.AWAITING: "warning", OrderStatus.VERIFIED: "success", OrderStatus.REJECTED: "danger",
          OrderStatus.IN_PROGRESS: "info", OrderStatus.PLANNED: "primary", OrderStatus.DISPATCHED: "primary"}


def mine(user) -> list[MineItem]:
    ids = people_in_care_ids(user=user)
    if not ids:
        return []
    elders = list(Elder.objects.filter(person_id__in=ids).select_related("person", "region"))
    if not elders:
        return []
    apply_url = reverse("elderly_care:apply")
    items = [
        MineItem(
            section=MineSection.FAMILY,
            title=_("Home care for %(name)s") % {"name": e.person.name}, detail=e.region.name,
            status=e.get_status_display(), tone="success" if e.status == ElderStatus.ACTIVE else "secondary",
            next_step=_("Services are planned by the community; their visits are listed here.")
            if e.status == ElderStatus.ACTIVE else _("Nothing to do."),
            url=apply_url,
        )
        for e in elders
    ]
    now = timezone.now()
    orders = (
        WorkOrder.objects.filter(
            elder__in=[e.pk for e in elders],
            planned_start__gte=now - timedelta(days=7), planned_start__lte=now + timedelta(days=14),
        )
        .exclude(status=OrderStatus.CANCELLED)
        .select_related("service", "elder__person")
        .order_by("planned_start")[:LIMIT]
    )
    for o in orders:
        step, action = _STEPS.get(o.status, (_("Nothing more to do."), False))
        items.append(MineItem(
            section=MineSection.FAMILY,
            title=_("%(service)s for %(name)s") % {"service": o.service.label, "name": o.elder.person.name},
            status=o.get_status_display(), next_step=step, action=action, at=o.planned_start,
            tone=_TONES.get(o.status, "secondary"),
        ))
    return items
