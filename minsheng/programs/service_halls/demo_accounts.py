"""政务服务大厅 — the program's demo sign-ins: a hall manager and a window clerk of one county centre."""

from django.utils.translation import gettext_lazy as _

from minsheng.core.registry import DemoAccount

from .models import PointLevel, ServicePoint

ACCOUNTS = [
    DemoAccount(
        login="hall_haizhou", roles=("hall_manager",),
        organisation="minsheng.programs.service_halls.demo_accounts:demo_centre",
        title=_("hall manager"),
        try_this=_("Run my service hall: windows, business types, opening hours; the hall's statistics"),
        order=70,
    ),
    DemoAccount(
        login="clerk_haizhou_1", roles=("window_clerk",),
        organisation="minsheng.programs.service_halls.demo_accounts:demo_centre",
        title=_("window clerk"),
        try_this=_("Window: sign on, call the next ticket, finish it"),
        order=71,
    ),
]


def demo_centre(ctx):
    """The Haizhou district's government service centre (its organisation)."""
    point = (
        ServicePoint.objects.filter(level=PointLevel.COUNTY_CENTRE, region_id="320706")
        .select_related("organisation")
        .order_by("pk")
        .first()
    )
    return point.organisation if point else None
