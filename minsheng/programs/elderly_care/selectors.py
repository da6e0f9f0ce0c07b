"""Reads, and the access gates for scoped records (never a bare .get in a view)."""

from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from minsheng.access.models import Organisation
from minsheng.access.principal import held_assignments
from minsheng.access.refusals import scoped_gate
from minsheng.access.selectors import scope_q

from .models import (
    AlarmEvent,
    Anomaly,
    AnomalyStatus,
    CareApplication,
    DailyRollup,
    Elder,
    ElderStatus,
    FollowUpCall,
    OrderStatus,
    Rectification,
    RetrofitFile,
    SettlementStatement,
    WorkOrder,
)

OFFICERS = ("civil_affairs_officer", "community_worker", "supervisor")


def elders_for(*, user) -> QuerySet[Elder]:
    q = scope_q(user=user, roles=OFFICERS, region_field="region")
    q |= Q(
        pk__in=WorkOrder.objects.filter(
            scope_q(
                user=user,
                roles=["provider_admin"],
                region_field="region",
                organisation_field="provider",
            )
        ).values("elder_id")
    )
    return Elder.objects.filter(q).select_related("person", "region")


def elders_for_officers(*, user) -> QuerySet[Elder]:
    """Elders of the officer's region subtree (civil affairs, community workers): whose files
    they open; a provider's staff see their clients (elders_for) but open no files."""
    return Elder.objects.filter(
        scope_q(user=user, roles=["civil_affairs_officer", "community_worker"], region_field="region")
    )


@scoped_gate(model="elderly_care.elder", id_arg="elder_id", refuses_with_none=True)
def elder_get_for(*, user, elder_id: int) -> Elder | None:
    return elders_for(user=user).filter(pk=elder_id).first()


@scoped_gate(model="elderly_care.elder", id_arg="elder_id", action="open_file", refuses_with_none=True)
def elder_get_for_officer(*, user, elder_id: int) -> Elder | None:
    """An elder of the officer's area, for the household's files (retrofit, allowances,
    devices): civil affairs and community workers; a provider's staff, who see their clients
    (``elder_get_for``), get None."""
    return elders_for_officers(user=user).select_related("person", "region").filter(pk=elder_id).first()


def orders_for(*, user) -> QuerySet[WorkOrder]:
    q = scope_q(user=user, roles=OFFICERS, region_field="region") | scope_q(
        user=user, roles=["provider_admin"], region_field="region", organisation_field="provider"
    )
    return WorkOrder.objects.filter(q).select_related(
        "elder__person", "service", "provider", "caregiver__user"
    )


def order_get_for_caregiver(*, user, order_id: int) -> WorkOrder | None:
    return (
        WorkOrder.objects.filter(pk=order_id, caregiver__user=user)
        .select_related("elder__person", "elder__region", "service", "caregiver")
        .first()
    )


def caregiver_orders_on(*, user, day: date) -> QuerySet[WorkOrder]:
    return (
        WorkOrder.objects.filter(caregiver__user=user, planned_start__date=day)
        .exclude(status=OrderStatus.CANCELLED)
        .select_related("elder__person", "service")
        .order_by("planned_start")
    )


def anomalies_for(*, user) -> QuerySet[Anomaly]:
    return Anomaly.objects.filter(
        scope_q(user=user, roles=OFFICERS, region_field="work_order__region")
    ).select_related(
        "work_order__elder__person", "work_order__provider", "work_order__caregiver__user"
    )


ANOMALY_PAGE = 200


class OpenAnomaly(NamedTuple):
    """One row of the anomaly review list: the anomaly, its visit and the three names shown."""

    pk: int
    kind: str
    detail: dict | list | str | int | float | None
    created_at: datetime
    work_order_id: int
    planned_start: datetime
    elder: str | None
    provider: str | None
    caregiver: str | None


def open_anomalies_for(
    *, user, before: tuple[datetime, int] | None = None, limit: int | None = None
) -> list[OpenAnomaly]:
    """The open anomalies to review, newest first: one keyset page after ``before``
    (created_at, id).

    One statement: the open anomalies within the user's scope (``anomalies_for``, the
    access gate's ``scope_q`` on the visit's region), each with its visit's start and the
    elder's, provider's and caregiver's names joined in. Rows are ``OpenAnomaly`` tuples
    (values, not model instances: the list shows them and posts the id back).
    """
    qs = anomalies_for(user=user).filter(status=AnomalyStatus.OPEN)
    if before is not None:
        at, pk = before
        qs = qs.filter(Q(created_at__lt=at) | Q(created_at=at, pk__lt=pk))
    rows = qs.order_by("-created_at", "-pk").values_list(
        "pk",
        "kind",
        "detail",
        "created_at",
        "work_order_id",
        "work_order__planned_start",
        "work_order__elder__person__name",
        "work_order__provider__name",
        "work_order__caregiver__user__name",
    )[: limit or ANOMALY_PAGE]
    return [OpenAnomaly._make(row) for row in rows]


def statements_for(*, user) -> QuerySet[SettlementStatement]:
    officer = scope_q(
        user=user, roles=["civil_affairs_officer", "supervisor"], region_field="provider__region"
    )
    provider = scope_q(
        user=user,
        roles=["provider_admin"],
        region_field="provider__region",
        organisation_field="provider",
    )
    return SettlementStatement.objects.filter(officer | provider).select_related("provider")


def alarms_for(*, user) -> QuerySet[AlarmEvent]:
    return AlarmEvent.objects.filter(
        scope_q(user=user, roles=OFFICERS, region_field="region")
    ).select_related("elder__person", "device")


def retrofits_for(*, user) -> QuerySet[RetrofitFile]:
    return RetrofitFile.objects.filter(
        scope_q(user=user, roles=OFFICERS, region_field="region")
    ).select_related("elder__person")


def followup_calls_for(*, user, month: date) -> QuerySet[FollowUpCall]:
    return (
        FollowUpCall.objects.filter(sample__month=month)
        .filter(scope_q(user=user, roles=OFFICERS, region_field="work_order__region"))
        .select_related("work_order__elder__person", "work_order__service", "work_order__provider")
    )


METRICS = ("visits", "verified", "minutes", "spend", "anomalies")
CENT = Decimal("0.01")


def dashboard(*, user, start: date, end: date) -> dict:
    """Visits, hours, spend and anomalies by district and by provider, from the daily rollup.

    One statement: the rollup rows of ``start``..``end`` within the user's scope (the access
    gate's ``scope_q`` on the district, as officer or supervisor), grouped by district ×
    provider (a few dozen rows at city scale) with both names; the total and the two tables
    are summed from those rows in Python.
    """
    rows = (
        DailyRollup.objects.filter(day__gte=start, day__lte=end)
        .filter(
            scope_q(user=user, roles=("civil_affairs_officer", "supervisor"), region_field="district")
        )
        .values_list("district_id", "provider_id", "district__name", "provider__name")
        .annotate(*(Sum(m) for m in METRICS))
        .order_by()
    )
    groups = [
        (
            district,
            provider,
            {
                "visits": int(visits or 0),
                "verified": int(verified or 0),
                "minutes": int(minutes or 0),
                # SQLite sums a decimal column as a float: back to yuan and fen.
                "spend": Decimal(str(spend or 0)).quantize(CENT),
                "anomalies": int(anomalies or 0),
            },
            district_name,
            provider_name,
        )
        for district, provider, district_name, provider_name, visits, verified, minutes, spend, anomalies in rows
    ]

    def summed(index: int) -> dict:
        out: dict = {}
        for g in groups:
            row = out.setdefault(g[index], [dict.fromkeys(METRICS, 0), g[index + 3]])[0]
            for m in METRICS:
                row[m] += g[2][m]
        return out

    total = dict.fromkeys(METRICS, None)
    if groups:
        total = {m: sum(g[2][m] for g in groups) for m in METRICS}
    districts = summed(0)
    providers = summed(1)
    top = sorted(providers.items(), key=lambda kv: (-kv[1][0]["spend"], kv[0]))[:50]
    return {
        "total": total,
        "by_district": [
            {"district_id": d, "district__name": name or d, **m}
            for d, (m, name) in sorted(districts.items())
        ],
        "by_provider": [
            {"provider_id": p, "provider__name": name or "", **m} for p, (m, name) in top
        ],
        "start": start,
        "end": end,
        "as_of": timezone.now(),
    }


# --- gates for the workbench pages --------------------------------------------------------

REVIEWERS = ("civil_affairs_officer", "case_officer", "department_head", "supervisor")


@scoped_gate(model="identity.person", id_arg="person_id", action="apply_home_care", refuses_with_none=True)
def person_to_apply_for(*, user, person_id: int):
    """The person ``user`` may apply for home care for: themselves, or someone in their care
    (guardian, family, agent); None otherwise (the refusal is audited)."""
    from minsheng.cases.selectors import people_in_care_ids
    from minsheng.identity.models import Person

    if int(person_id) not in people_in_care_ids(user=user):
        return None
    return Person.objects.filter(pk=person_id).first()


def applications_of(*, user):
    """The applications for the user and the people in their care, and those they submitted,
    newest first."""
    from minsheng.cases.selectors import people_in_care_ids

    return (
        CareApplication.objects.filter(Q(person_id__in=people_in_care_ids(user=user)) | Q(submitted_by=user))
        .select_related("person", "case")
        .order_by("-created_at", "-pk")
    )


def applications_for(*, user):
    return (
        CareApplication.objects.filter(scope_q(user=user, roles=(*REVIEWERS, "community_worker")))
        .select_related("person", "region", "case", "submitted_by")
        .order_by("-created_at")
    )


def rectifications_for(*, user):
    officer = scope_q(user=user, roles=REVIEWERS, region_field="work_order__region")
    provider = scope_q(
        user=user,
        roles=["provider_admin"],
        region_field="provider__region",
        organisation_field="provider",
    )
    return (
        Rectification.objects.filter(officer | provider)
        .select_related("provider", "case", "work_order__elder__person", "work_order__service")
        .order_by("-created_at")
    )


def canteens_for(*, user):
    """Organisations where the user runs a meal counter (role ``canteen_operator``)."""
    ids = [a.organisation_id for a in held_assignments(user=user, roles=["canteen_operator"])]
    return Organisation.objects.filter(pk__in=ids, is_active=True).order_by("name")


def _meal_scope(*, user):
    return Elder.objects.filter(
        scope_q(user=user, roles=["canteen_operator", *OFFICERS], region_field="region"),
        status=ElderStatus.ACTIVE,
    ).select_related("person", "region")


@scoped_gate(model="elderly_care.elder", id_arg="elder_id", action="serve_meal", refuses_with_none=True)
def meal_elder_get_for(*, user, elder_id) -> Elder | None:
    return _meal_scope(user=user).filter(pk=elder_id).first() if str(elder_id).isdigit() else None


def meal_elders_for(*, user, query: str):
    """Active elders the meal counter may serve, found by name or the last 4 characters of the ID."""
    query = query.strip()
    if not query:
        return Elder.objects.none()
    qs = _meal_scope(user=user)
    if len(query) == 4 and query[:3].isdigit():
        qs = qs.filter(person__id_number_tail=query.upper())
    else:
        qs = qs.filter(person__name__contains=query)
    return qs.order_by("person__name")[:20]
