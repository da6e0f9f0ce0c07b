"""The bulk anomaly detector and the reviewer's decision.

Rules are defined in verification.py; here they run over a whole date range at
once: two rules as one SQL filter each, the others as one sorted pass.
Re-running is harmless: (work order, kind) is unique.
"""

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Case, DecimalField, ExpressionWrapper, F, FloatField, Sum, When
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.core.errors import Conflict, ValidationFailed

from ..catalogue import Unit
from ..models import (
    Anomaly,
    AnomalyKind,
    AnomalyStatus,
    OrderStatus,
    PhotoKind,
    ServiceEntitlement,
    StatementStatus,
    VisitPhoto,
    WorkOrder,
)
from . import verification
from .periods import day_bounds, month_end, month_start

DONE = (OrderStatus.AWAITING, OrderStatus.VERIFIED, OrderStatus.REJECTED)
PHOTO_LOOKBACK_DAYS = 90


def _save(kind: str, rows: list[tuple[int, dict]]) -> int:
    before = Anomaly.objects.filter(kind=kind).count()
    Anomaly.objects.bulk_create(
        [Anomaly(work_order_id=oid, kind=kind, detail=detail) for oid, detail in rows],
        batch_size=5000,
        ignore_conflicts=True,
    )
    return Anomaly.objects.filter(kind=kind).count() - before


def detect_short(orders) -> int:
    qs = orders.annotate(
        limit=ExpressionWrapper(
            F("planned_minutes") * verification.short_visit_share(), output_field=FloatField()
        )
    ).filter(minutes_served__lt=F("limit"))
    return _save(
        AnomalyKind.SHORT,
        [
            (oid, {"served": served, "planned": planned})
            for oid, served, planned in qs.values_list(
                "id", "minutes_served", "planned_minutes"
            ).iterator()
        ],
    )


def detect_geofence(orders) -> int:
    qs = orders.filter(check_in_distance_m__gt=F("elder__geofence_m"))
    return _save(
        AnomalyKind.GEOFENCE,
        [
            (oid, {"distance_m": round(d), "radius_m": r})
            for oid, d, r in qs.values_list(
                "id", "check_in_distance_m", "elder__geofence_m"
            ).iterator()
        ],
    )


def detect_overlap(orders) -> int:
    rows = (
        orders.filter(caregiver__isnull=False)
        .order_by("caregiver_id", "checked_in_at")
        .values_list("caregiver_id", "id", "checked_in_at", "checked_out_at")
    )
    found: list[tuple[int, dict]] = []
    by_caregiver: dict[int, list] = defaultdict(list)
    for cg, oid, start, end in rows.iterator(chunk_size=10000):
        by_caregiver[cg].append((oid, start, end))
    for visits in by_caregiver.values():
        for a, b in verification.overlapping_pairs(visits):
            found.append((a, {"other_order": b}))
            found.append((b, {"other_order": a}))
    return _save(AnomalyKind.OVERLAP, found)


def detect_photo_reuse(*, start_at: datetime, end_at: datetime) -> int:
    """Photos of visits checked out in the range whose dHash is within the threshold of an
    earlier visit's photo (another visit, up to 90 days back).

    One pass to index the 90-day pool (verification.PhotoIndex: multi-index hashing on
    16-bit segments), then one lookup per new photo, each meeting about 1/964 of the
    pool. The match reported is the earliest earlier photo of another visit.
    """
    fields = ("work_order__checked_in_at", "id", "work_order_id", "phash")
    photos = (
        VisitPhoto.objects.exclude(kind=PhotoKind.SIGNATURE)
        .exclude(phash="")
        .filter(work_order__checked_in_at__isnull=False)
    )
    new = list(
        photos.filter(
            work_order__checked_out_at__gte=start_at, work_order__checked_out_at__lt=end_at
        ).values_list(*fields)
    )
    if not new:
        return 0
    index = verification.PhotoIndex()
    for row in (
        photos.filter(
            work_order__checked_out_at__gte=start_at - timedelta(days=PHOTO_LOOKBACK_DAYS),
            work_order__checked_out_at__lt=end_at,
        )
        .values_list(*fields)
        .iterator(chunk_size=10000)
    ):
        index.add(row[3], row[:3])
    index.freeze()
    found, flagged = [], set()
    for at, pid, oid, ph in new:
        if oid in flagged:
            continue
        best = None
        for distance, earlier in index.near(ph):
            # Sorted by (checked in, photo id): the first of another visit is the earliest.
            for item in earlier:
                if item >= (at, pid):
                    break
                if item[2] != oid:
                    if best is None or item < best[1]:
                        best = (distance, item)
                    break
        if best is not None:
            distance, (_at, other_pid, other_oid) = best
            flagged.add(oid)
            found.append(
                (
                    oid,
                    {
                        "photo": pid,
                        "same_as_photo": other_pid,
                        "other_order": other_oid,
                        "distance": distance,
                    },
                )
            )
    return _save(AnomalyKind.PHOTO_REUSED, found)


def detect_overdrawn(*, month: date) -> int:
    """Visits that take an elder beyond the month's service entitlement (yuan, or hours).

    An hours entitlement is drawn by time (verification.minutes_drawn): hourly items by
    their billable hours, per-visit items and meals by their planned minutes.
    """
    first, last = month_start(month), month_end(month)
    lo, hi = day_bounds(first, last + timedelta(days=1))
    ents = {
        e: (u, a)
        for e, u, a in ServiceEntitlement.objects.filter(month=first).values_list(
            "elder_id", "unit", "amount"
        )
    }
    minutes = Case(
        When(service__unit=Unit.HOUR, then=F("quantity") * 60),
        default=Cast("planned_minutes", DecimalField(max_digits=9, decimal_places=2)),
        output_field=DecimalField(max_digits=9, decimal_places=2),
    )
    used = (
        WorkOrder.objects.filter(planned_start__gte=lo, planned_start__lt=hi, status__in=DONE)
        .values("elder_id")
        .annotate(yuan=Sum("amount"), minutes=Sum(minutes))
    )

    def limit(unit: str, amount: Decimal) -> Decimal:
        return amount if unit == "yuan" else amount * 60

    over = []
    for row in used.iterator():
        ent = ents.get(row["elder_id"])
        if ent is None:
            continue
        unit, amount = ent
        total = row["yuan"] if unit == "yuan" else row["minutes"]
        if verification.overdrawn(used=Decimal(total or 0), entitled=limit(unit, amount)):
            over.append(row["elder_id"])
    found = []
    for elder_id in over:
        unit, amount = ents[elder_id]
        running = Decimal(0)
        for oid, amt, qty, planned, service_unit in (
            WorkOrder.objects.filter(
                elder_id=elder_id, planned_start__gte=lo, planned_start__lt=hi, status__in=DONE
            )
            .order_by("planned_start", "id")
            .values_list("id", "amount", "quantity", "planned_minutes", "service__unit")
        ):
            if unit == "yuan":
                running += amt
            else:
                running += verification.minutes_drawn(
                    unit=service_unit, quantity=qty, planned_minutes=planned
                )
            if running > limit(unit, amount):
                used_now = running if unit == "yuan" else running / 60
                found.append(
                    (
                        oid,
                        {
                            "entitled": str(amount),
                            "used": str(used_now.quantize(Decimal("0.01"))),
                            "unit": unit,
                        },
                    )
                )
    return _save(AnomalyKind.OVERDRAWN, found)


def anomalies_detect(*, start: date, end: date) -> dict[str, int]:
    """Run every rule over visits checked out in [start, end); returns new anomalies per kind."""
    lo, hi = day_bounds(start, end)
    orders = WorkOrder.objects.filter(
        checked_out_at__gte=lo, checked_out_at__lt=hi, status__in=DONE
    )
    result = {
        AnomalyKind.SHORT: detect_short(orders),
        AnomalyKind.GEOFENCE: detect_geofence(orders),
        AnomalyKind.OVERLAP: detect_overlap(orders),
        AnomalyKind.PHOTO_REUSED: detect_photo_reuse(start_at=lo, end_at=hi),
        AnomalyKind.OVERDRAWN: 0,
    }
    month = month_start(start)
    while month < end:
        result[AnomalyKind.OVERDRAWN] += detect_overdrawn(month=month)
        month = month_end(month) + timedelta(days=1)
    return {str(k): v for k, v in result.items()}


def anomaly_review(*, anomaly: Anomaly, actor, uphold: bool, note: str = "") -> Anomaly:
    """Clear an anomaly (the visit is paid) or uphold it (the visit is rejected and deducted)."""
    with transaction.atomic():
        anomaly = (
            Anomaly.objects.select_for_update(of=("self",))
            .select_related("work_order__statement")
            .get(pk=anomaly.pk)
        )
        if anomaly.status != AnomalyStatus.OPEN:
            raise Conflict(_("This anomaly has already been reviewed."), code="state_changed")
        if uphold and not note.strip():
            raise ValidationFailed.for_field(
                "note", _("Say why the visit is not paid; the provider will see it.")
            )
        order = anomaly.work_order
        if order.statement is not None and order.statement.status != StatementStatus.DRAFT:
            raise Conflict(
                _(
                    "The visit is on a statement that was already confirmed; record the correction on next month's statement."
                )
            )
        anomaly.status = AnomalyStatus.DEDUCTED if uphold else AnomalyStatus.CLEARED
        anomaly.reviewed_by, anomaly.reviewed_at, anomaly.note = actor, timezone.now(), note
        anomaly.save(update_fields=["status", "reviewed_by", "reviewed_at", "note", "updated_at"])
        if uphold and order.status != OrderStatus.REJECTED:
            WorkOrder.objects.filter(pk=order.pk).update(
                status=OrderStatus.REJECTED, updated_at=timezone.now()
            )
        audit_record(
            event_type="elderly_care.anomaly_review",
            actor=actor,
            target=anomaly,
            new={"status": anomaly.status, "order": order.pk},
        )
    return anomaly
