"""居家养老服务 — the program's demo sign-ins: one provider's staff, its county's officer, a community.

All of them meet around one provider (the one with most visits planned today), so each
account finds the others' work on its screens.
"""

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minsheng.access.models import Organisation, OrganisationKind
from minsheng.core.registry import DemoAccount

from .models import Caregiver, WorkOrder

HERE = "minsheng.programs.elderly_care.demo_accounts"

ACCOUNTS = [
    DemoAccount(
        login="13900000011", roles=("caregiver",), organisation=f"{HERE}:demo_provider",
        adopt=f"{HERE}:demo_caregiver",
        title=_("home caregiver"),
        try_this=_("My visits today: check in at the elder's home, record the service, check out"),
        order=30,
    ),
    DemoAccount(
        # staff_admin for its own provider: inviting a caregiver gives a role (staff administration)
        login="provider_admin", roles=("provider_admin", "staff_admin"), organisation=f"{HERE}:demo_provider",
        title=_("home-care provider administrator"),
        try_this=_("Caregivers: invite one by mobile number; work orders; the monthly settlement statement to confirm"),
        order=31,
    ),
    DemoAccount(
        login="civil_affairs_elderly", roles=("civil_affairs_officer",),
        organisation=f"{HERE}:demo_civil_affairs",
        title=_("civil affairs officer (elderly care)"),
        try_this=_("Set-up: providers, contracts and their prices, alarm devices; applications, anomalies, "
                   "settlement approval, entitlement rules"),
        order=32,
    ),
    DemoAccount(
        login="community_worker", roles=("community_worker",), organisation=f"{HERE}:demo_community",
        title=_("community worker"),
        try_this=_("Elders of the community, alarms, alarm devices (register, retire), follow-up calls, assessments"),
        order=33,
    ),
    DemoAccount(
        login="canteen_operator", roles=("canteen_operator",), organisation=f"{HERE}:demo_community",
        title=_("elderly canteen meal counter"),
        try_this=_("Meal counter: serve a subsidised meal to an elder of the community"),
        order=34,
    ),
]


def demo_provider(ctx):
    today = timezone.localdate()
    caregiver = (
        Caregiver.objects.annotate(
            n=Count("work_orders", filter=Q(work_orders__planned_start__date=today))
        )
        .select_related("provider")
        .order_by("-n", "pk")
        .first()
    )
    return caregiver.provider if caregiver else None


def demo_caregiver(ctx, provider):
    today = timezone.localdate()
    caregiver = (
        Caregiver.objects.filter(provider=provider)
        .annotate(n=Count("work_orders", filter=Q(work_orders__planned_start__date=today)))
        .select_related("user")
        .order_by("-n", "pk")
        .first()
    )
    return caregiver.user if caregiver else None


def demo_civil_affairs(ctx):
    provider = demo_provider(ctx)
    if provider is None:
        return None
    return Organisation.objects.filter(
        kind=OrganisationKind.DEPARTMENT, department_code="civil_affairs",
        region_id=provider.region_id[:6],
    ).first()


def demo_community(ctx):
    """The community committee where most of the provider's work orders are."""
    provider = demo_provider(ctx)
    if provider is None:
        return None
    busiest = (
        WorkOrder.objects.filter(provider=provider)
        .values("region_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "region_id")
        .first()
    )
    if busiest is None:
        return None
    return Organisation.objects.filter(
        kind=OrganisationKind.COMMUNITY, region_id=busiest["region_id"]
    ).first()
