"""Monthly settlement per provider (aggregate SQL only) and the daily dashboard rollup."""

import io
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, DateField, Exists, F, OuterRef, Q, Sum
from django.db.models.functions import Substr, TruncDate, TruncMonth
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.access.models import Organisation
from minsheng.access.selectors import scope_q, user_has_role
from minsheng.audit.services import audit_record
from minsheng.core.errors import Conflict, NotAllowed, ValidationFailed

from ..models import (
    Anomaly,
    AnomalyStatus,
    DailyRollup,
    OrderStatus,
    SettlementStatement,
    StatementStatus,
    WorkOrder,
)
from .periods import day_bounds, month_end, month_start

ZERO = Decimal("0.00")
SETTLEABLE = [OrderStatus.VERIFIED, OrderStatus.REJECTED]


def _settleable(*, month: date):
    """Visits payable on ``month``'s statement: the month-end cut-off (see README, Settlement).

    Verified — or upheld as rejected, a deduction — by the end of the month, not on
    any statement yet, and not under review. That takes the month's own visits and
    any earlier visit that only became payable now: confirmed late, or cleared after
    its own month's statement was closed; such a visit is carried over to this
    statement (its lines name its service month) and a closed statement is never
    reopened. A visit confirmed after the month's end waits for the next month even
    when this month is settled later. The partial index ``ec_wo_unsettled`` holds only
    the unsettled done visits, so finding them does not scan the settled history.
    """
    _lo, hi = day_bounds(month_start(month), month_end(month) + timedelta(days=1))
    open_review = Anomaly.objects.filter(work_order=OuterRef("pk"), status=AnomalyStatus.OPEN)
    return (
        WorkOrder.objects.filter(
            statement__isnull=True,
            status__in=SETTLEABLE,
            planned_start__lt=hi,
        )
        .filter(Q(confirmed_at__lt=hi) | Q(confirmed_at__isnull=True))
        .exclude(Exists(open_review))
    )


def _totals(statement: SettlementStatement) -> None:
    orders = WorkOrder.objects.filter(statement=statement)
    agg = orders.aggregate(
        visits=Count("id"),
        gross=Sum("amount"),
        deducted_visits=Count("id", filter=Q(status=OrderStatus.REJECTED)),
        deductions=Sum("amount", filter=Q(status=OrderStatus.REJECTED)),
    )
    statement.visits = agg["visits"]
    statement.gross = agg["gross"] or ZERO
    statement.deducted_visits = agg["deducted_visits"]
    statement.deductions = agg["deductions"] or ZERO
    statement.net = statement.gross - statement.deductions
    statement.lines = [
        {
            "month": f"{row['service_month']:%Y-%m}",
            "service": row["service__title"],
            "unit_price": str(row["unit_price"]),
            "visits": row["n"],
            "quantity": str(row["q"]),
            "amount": str(row["a"]),
            "deducted": str(row["d"] or ZERO),
        }
        for row in orders.annotate(
            service_month=TruncMonth("planned_start", output_field=DateField())
        )
        .values("service_month", "service__title", "unit_price")
        .annotate(
            n=Count("id"),
            q=Sum("quantity"),
            a=Sum("amount"),
            d=Sum("amount", filter=Q(status=OrderStatus.REJECTED)),
        )
        .order_by("-service_month", "service__title", "unit_price")
    ]


def _month_begun(month: date) -> date:
    month = month_start(month)
    if month > month_start(timezone.localdate()):
        raise ValidationFailed.for_field(
            "month", _("A month can be settled only once it has begun.")
        )
    return month


def settlement_run(*, month: date, actor=None, provider_ids: list[int] | None = None) -> dict:
    """Compute the month's statements for every provider with confirmed visits.

    A draft statement is recomputed with visits confirmed since (idempotent);
    a statement the provider confirmed or 民政 approved is never touched again
    — its provider is listed under ``skipped``. Each visit is attached to one
    statement by a single UPDATE, so no visit is ever paid twice.
    """
    month = _month_begun(month)
    base = _settleable(month=month)
    if provider_ids is not None:
        base = base.filter(provider_id__in=provider_ids)
    providers = set(base.values_list("provider_id", flat=True).distinct())
    providers |= set(
        SettlementStatement.objects.filter(month=month, status=StatementStatus.DRAFT).values_list(
            "provider_id", flat=True
        )
    )
    done, skipped = [], []
    for provider_id in sorted(providers):
        with transaction.atomic():
            statement, _created = SettlementStatement.objects.get_or_create(
                provider_id=provider_id, month=month
            )
            statement = SettlementStatement.objects.select_for_update().get(pk=statement.pk)
            if statement.status != StatementStatus.DRAFT:
                skipped.append(provider_id)
                continue
            base.filter(provider_id=provider_id).update(
                statement=statement, updated_at=timezone.now()
            )
            _totals(statement)
            statement.save()
            audit_record(
                event_type="elderly_care.settlement_run",
                actor=actor,
                target=statement,
                new={"visits": statement.visits, "net": str(statement.net)},
            )
            done.append(statement.pk)
    return {"statements": done, "skipped": skipped}


SETTLEMENT_RUN_DAYS = 5  # the scheduler settles last month on each of the month's first days


def _officer_providers(*, user) -> list[int] | None:
    """The providers a civil-affairs officer settles (their region subtree); None: all (superuser)."""
    if not (user.is_superuser or user_has_role(user=user, roles=["civil_affairs_officer"])):
        raise NotAllowed(_("Only a civil-affairs officer can run the monthly settlement."))
    if user.is_superuser:
        return None
    return list(
        Organisation.objects.filter(
            scope_q(user=user, roles=["civil_affairs_officer"], region_field="region")
        ).values_list("pk", flat=True)
    )


def settlement_preview_for(*, user, month: date) -> dict:
    """What a run of ``month`` by this officer would put on statements, read only (the page
    asks for confirmation with these figures): providers, visits, the amount before
    deductions and after, and the providers whose statement is already confirmed (kept)."""
    month = _month_begun(month)
    provider_ids = _officer_providers(user=user)
    base = _settleable(month=month)
    drafts = SettlementStatement.objects.filter(month=month, status=StatementStatus.DRAFT)
    kept = SettlementStatement.objects.filter(month=month).exclude(status=StatementStatus.DRAFT)
    if provider_ids is not None:
        base = base.filter(provider_id__in=provider_ids)
        drafts, kept = drafts.filter(provider_id__in=provider_ids), kept.filter(provider_id__in=provider_ids)
    kept_ids = set(kept.values_list("provider_id", flat=True))
    base = base.exclude(provider_id__in=kept_ids)
    agg = base.aggregate(
        visits=Count("id"),
        gross=Sum("amount"),
        deductions=Sum("amount", filter=Q(status=OrderStatus.REJECTED)),
    )
    on_drafts = drafts.aggregate(visits=Sum("visits"), gross=Sum("gross"), deductions=Sum("deductions"))
    providers = set(base.values_list("provider_id", flat=True).distinct()) | set(
        drafts.values_list("provider_id", flat=True)
    )
    gross = (agg["gross"] or ZERO) + (on_drafts["gross"] or ZERO)
    deductions = (agg["deductions"] or ZERO) + (on_drafts["deductions"] or ZERO)
    return {
        "month": month,
        "providers": len(providers),
        "visits": agg["visits"] + (on_drafts["visits"] or 0),
        "gross": gross,
        "deductions": deductions,
        "net": gross - deductions,
        "kept": len(kept_ids),
    }


def settlement_run_for(*, user, month: date) -> dict:
    """A civil-affairs officer settles ``month`` for the providers of their region subtree
    (the settlement page, after confirming its preview, and POST
    /api/v1/elderly_care/settlement/runs). Idempotent: a draft is recomputed, a confirmed
    statement kept; each statement computed is on the audit trail."""
    return settlement_run(month=month, actor=user, provider_ids=_officer_providers(user=user))


def settlement_run_due(*, today: date | None = None) -> dict | None:
    """The scheduler's monthly run: in the first SETTLEMENT_RUN_DAYS days of a month, settle the
    month before (drafts are recomputed with visits confirmed since; confirmed statements are
    never touched). None on the other days."""
    today = today or timezone.localdate()
    if today.day > SETTLEMENT_RUN_DAYS:
        return None
    return settlement_run(month=month_start(today.replace(day=1) - timedelta(days=1)))


def statement_confirm(
    *, statement: SettlementStatement, actor, agree: bool = True, note: str = ""
) -> SettlementStatement:
    """The provider confirms (or disputes, with a note) its draft statement."""
    with transaction.atomic():
        st = SettlementStatement.objects.select_for_update().get(pk=statement.pk)
        if st.status not in (StatementStatus.DRAFT, StatementStatus.DISPUTED):
            raise Conflict(_("This statement has already been confirmed."), code="state_changed")
        if not agree and not note.strip():
            raise ValidationFailed.for_field("note", _("Say which visits or amounts you dispute."))
        old = st.status
        st.status = StatementStatus.CONFIRMED if agree else StatementStatus.DISPUTED
        st.confirmed_by, st.confirmed_at, st.note = actor, timezone.now(), note
        st.save(update_fields=["status", "confirmed_by", "confirmed_at", "note", "updated_at"])
        audit_record(
            event_type="elderly_care.statement_confirm",
            actor=actor,
            target=st,
            old={"status": old},
            new={"status": st.status},
        )
    return st


def statement_approve(*, statement: SettlementStatement, actor) -> SettlementStatement:
    """民政 approves payment of a statement the provider confirmed."""
    with transaction.atomic():
        st = SettlementStatement.objects.select_for_update().get(pk=statement.pk)
        if st.status == StatementStatus.APPROVED:
            raise Conflict(_("This statement has already been approved."), code="state_changed")
        if st.status != StatementStatus.CONFIRMED:
            raise Conflict(
                _("The provider must confirm the statement before it can be approved."),
                code="state_changed",
            )
        st.status, st.approved_by, st.approved_at = StatementStatus.APPROVED, actor, timezone.now()
        st.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
        audit_record(
            event_type="elderly_care.statement_approve",
            actor=actor,
            target=st,
            old={"status": StatementStatus.CONFIRMED},
            new={"status": st.status, "net": str(st.net)},
        )
    return st


def statement_xlsx(*, statement: SettlementStatement) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = f"{statement.month:%Y-%m}"
    ws.append([_("Provider"), str(statement.provider), _("Month"), f"{statement.month:%Y-%m}"])
    ws.append([_("Status"), statement.get_status_display()])
    ws.append([])
    ws.append(
        [
            _("Service month"),
            _("Service"),
            _("Unit price"),
            _("Visits"),
            _("Quantity"),
            _("Amount"),
            _("Deducted"),
        ]
    )
    for line in statement.lines:
        ws.append(
            [
                line.get("month", ""),
                line["service"],
                Decimal(line["unit_price"]),
                line["visits"],
                Decimal(line["quantity"]),
                Decimal(line["amount"]),
                Decimal(line["deducted"]),
            ]
        )
    ws.append([])
    ws.append([_("Gross amount"), statement.gross])
    ws.append([_("Deductions"), statement.deductions])
    ws.append([_("Amount payable"), statement.net])
    details = wb.create_sheet(_("Visits"))
    details.append(
        [
            _("Work order"),
            _("Elder"),
            _("Service"),
            _("Planned start"),
            _("Minutes served"),
            _("Status"),
            _("Amount"),
        ]
    )
    for row in (
        WorkOrder.objects.filter(statement=statement)
        .order_by("planned_start")
        .values_list(
            "id",
            "elder__person__name",
            "service__title",
            "planned_start",
            "minutes_served",
            "status",
            "amount",
        )
        .iterator(chunk_size=5000)
    ):
        details.append(
            [
                row[0],
                row[1],
                row[2],
                timezone.localtime(row[3]).replace(tzinfo=None),
                row[4],
                str(OrderStatus(row[5]).label),
                row[6],
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def statement_pdf(*, statement: SettlementStatement) -> bytes:
    from weasyprint import HTML

    html = render_to_string("elderly_care/statement_pdf.html", {"st": statement})
    return HTML(string=html).write_pdf()


def rollup_refresh(*, start: date, end: date) -> int:
    """Rebuild the daily rollup for days in [start, end] from the work orders (one grouped query)."""
    lo, hi = day_bounds(start, end + timedelta(days=1))
    rows = (
        WorkOrder.objects.filter(planned_start__gte=lo, planned_start__lt=hi)
        .annotate(day=TruncDate("planned_start"), district=Substr("region_id", 1, 6))
        .values("day", "district", "provider_id")
        .annotate(
            visits=Count("id"),
            verified=Count("id", filter=Q(status=OrderStatus.VERIFIED)),
            minutes=Sum("minutes_served", filter=Q(status=OrderStatus.VERIFIED)),
            spend=Sum("amount", filter=Q(status=OrderStatus.VERIFIED)),
        )
    )
    anomalies = dict(
        ((r["day"], r["district"], r["provider_id"]), r["n"])
        for r in Anomaly.objects.filter(
            work_order__planned_start__gte=lo, work_order__planned_start__lt=hi
        )
        .annotate(
            day=TruncDate("work_order__planned_start"),
            district=Substr("work_order__region_id", 1, 6),
            provider_id=F("work_order__provider_id"),
        )
        .values("day", "district", "provider_id")
        .annotate(n=Count("id"))
    )
    objs = [
        DailyRollup(
            day=r["day"],
            district_id=r["district"],
            provider_id=r["provider_id"],
            visits=r["visits"],
            verified=r["verified"],
            minutes=r["minutes"] or 0,
            spend=r["spend"] or ZERO,
            anomalies=anomalies.get((r["day"], r["district"], r["provider_id"]), 0),
        )
        for r in rows
    ]
    with transaction.atomic():
        DailyRollup.objects.filter(day__gte=start, day__lte=end).delete()
        DailyRollup.objects.bulk_create(objs, batch_size=5000)
    return len(objs)
