"""Reads, and the access gates for scoped records (never a bare .get in a view)."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import NamedTuple

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from minsheng.access.models import Organisation
from minsheng.access.principal import held_assignments
from minsheng.access.refusals import scoped_gate
from minsheng.access.selectors import scope_q
from minsheng.regions.models import Region

from .models import (
    AlarmEvent,
    Anomaly,
    AnomalyStatus,
    CareApplication,
    Caregiver,
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


def _scope_prefixes(*, user, assignments, roles) -> list[str] | None:
    """The region prefixes whose records the user may see; None for all (a superuser).

    access.scope_q's rule, tested on the record's own region code: a region's code
    begins with its prefix, and a subtree is every region whose prefix begins with the
    root's (regions.models), so ``code LIKE 'root prefix%'`` selects the same rows as
    scope_q's join to the regions, and PostgreSQL estimates it from the record's own
    column (through the join it misjudged the rows and sorted them all; ADR 0012).
    ``assignments`` are the ones the @staff decorator already read
    (``request.staff_assignments``); without them they are read here.
    """
    if user.is_superuser:
        return None
    if assignments is None:
        assignments = held_assignments(user=user, roles=roles)
    return sorted({a.region.prefix for a in assignments if a.role_id in roles})


def _anomaly_sql(*, n_prefixes: int | None, keyset: bool) -> str:
    def table(model) -> str:
        return model._meta.db_table

    scope = ""
    if n_prefixes is not None:
        scope = " AND (" + " OR ".join(["w.region_id LIKE %s"] * n_prefixes) + ")"
    after = " AND (a.created_at < %s OR (a.created_at = %s AND a.id < %s))" if keyset else ""
    person, user = Elder.person.field.related_model, Caregiver.user.field.related_model
    # Table names from the models; every value is a parameter.
    return (
        "SELECT a.id, a.kind, a.detail, CAST(a.created_at AS TEXT), a.work_order_id,"  # noqa: S608
        " CAST(w.planned_start AS TEXT),"
        f" (SELECT p.name FROM {table(Elder)} e JOIN {table(person)} p ON p.id = e.person_id"
        "   WHERE e.id = w.elder_id),"
        f" (SELECT o.name FROM {table(Organisation)} o WHERE o.id = w.provider_id),"
        f" (SELECT u.name FROM {table(Caregiver)} c JOIN {table(user)} u ON u.id = c.user_id"
        "   WHERE c.id = w.caregiver_id)"
        f" FROM {table(Anomaly)} a JOIN {table(WorkOrder)} w ON w.id = a.work_order_id"
        f" WHERE a.status = %s{scope}{after}"
        " ORDER BY a.created_at DESC, a.id DESC LIMIT %s"
    )


def db_timestamp(text: str) -> datetime:
    """A timestamp the list read as text, as an aware UTC datetime."""
    # PostgreSQL writes '2026-11-20 03:04:05.1+00' (the connection runs in UTC); SQLite
    # keeps Django's naive UTC '2026-11-20 03:04:05.1'.
    at = datetime.fromisoformat(text)
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


class OpenAnomaly(NamedTuple):
    """One row of the anomaly review list, as its statement returns it.

    The timestamps are the database's UTC text and ``detail_json`` the stored JSON text
    (Django's backends return JSON as text; the model field parses it, this read does
    not). A page repeats its visit slots and details, so the list formats each
    distinct text once instead of parsing every row; the properties parse one row's.
    """

    pk: int
    kind: str
    detail_json: str
    created_at_text: str
    work_order_id: int
    planned_start_text: str
    elder: str | None
    provider: str | None
    caregiver: str | None

    @property
    def created_at(self) -> datetime:
        return db_timestamp(self.created_at_text)

    @property
    def planned_start(self) -> datetime:
        return db_timestamp(self.planned_start_text)

    @property
    def detail(self):
        return json.loads(self.detail_json)


def open_anomalies_for(
    *,
    user,
    assignments=None,
    before: tuple[datetime, int] | None = None,
    limit: int | None = None,
) -> list[OpenAnomaly]:
    """The open anomalies to review, newest first: one keyset page after ``before``
    (created_at, id).

    One statement walking the partial index ``ec_anomaly_open``, scoped by
    ``_scope_prefixes`` on the visit's own region code. The names come from scalar
    subqueries rather than joins: with five more joined tables PostgreSQL spent longer
    planning the query than running it; the subqueries run once per row of the page.
    Hand-written (plain SQL for SQLite and PostgreSQL) and the two timestamps read as
    text: the ORM's build of this query and Django's per-value timestamptz loader cost
    more CPU than PostgreSQL took to run it (ADR 0012). Rows are ``OpenAnomaly`` tuples
    of the values as read, not model instances.
    """
    prefixes = _scope_prefixes(user=user, assignments=assignments, roles=OFFICERS)
    if prefixes == []:
        return []
    params: list = [AnomalyStatus.OPEN, *(f"{p}%" for p in prefixes or ())]
    if before is not None:
        at = connection.ops.adapt_datetimefield_value(before[0])
        params += [at, at, before[1]]
    params.append(limit or ANOMALY_PAGE)
    sql = _anomaly_sql(
        n_prefixes=None if prefixes is None else len(prefixes), keyset=before is not None
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(map(OpenAnomaly._make, cursor.fetchall()))


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


def _dashboard_sql(n_prefixes: int | None) -> str:
    rollup = DailyRollup._meta.db_table
    regions, organisations = Region._meta.db_table, Organisation._meta.db_table
    scope = ""
    if n_prefixes is not None:
        scope = " AND (" + " OR ".join(["r.district_id LIKE %s"] * n_prefixes) + ")"
    # Table names from the models; every value is a parameter.
    return (
        "SELECT r.district_id, r.provider_id, SUM(r.visits), SUM(r.verified),"  # noqa: S608
        " SUM(r.minutes), SUM(r.spend), SUM(r.anomalies),"
        f" (SELECT g.name FROM {regions} g WHERE g.code = r.district_id),"
        f" (SELECT o.name FROM {organisations} o WHERE o.id = r.provider_id)"
        f" FROM {rollup} r WHERE r.day >= %s AND r.day <= %s{scope}"
        " GROUP BY r.district_id, r.provider_id"
    )


def dashboard(*, user, start: date, end: date, assignments=None) -> dict:
    """Visits, hours, spend and anomalies by district and by provider, from the daily rollup.

    One statement: the rollup grouped by district × provider (a few dozen rows at
    city scale), each group's district and provider name by scalar subquery; the
    total and the two tables are summed from those rows in Python. Hand-written
    (plain SQL that SQLite and PostgreSQL both run) because the ORM's version —
    five Sums, a scope expression, then two queries for the names — cost more CPU
    to build than PostgreSQL took to run it (ADR 0012).
    The scope is ``_scope_prefixes``: the district's code begins with the prefix of
    a region the user is assigned to as officer or supervisor.
    """
    prefixes = _scope_prefixes(
        user=user, assignments=assignments, roles=("civil_affairs_officer", "supervisor")
    )
    rows: list = []
    if prefixes is None or prefixes:
        params = [start, end, *(f"{p}%" for p in prefixes or ())]
        with connection.cursor() as cursor:
            cursor.execute(_dashboard_sql(None if prefixes is None else len(prefixes)), params)
            rows = cursor.fetchall()
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
        for district, provider, visits, verified, minutes, spend, anomalies, district_name, provider_name in rows
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
