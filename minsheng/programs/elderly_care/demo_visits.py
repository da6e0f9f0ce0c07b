"""The elderly-care demo's visits: who is served by which provider on which days, caregivers,
the work orders (checked in and out, with the anomalies put in on purpose) and their photos.
Written provider by provider through core's BulkWriter, so only one provider's visits are
held at a time."""

import hashlib
import io
import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from minsheng.access.models import Role, RoleAssignment
from minsheng.attachments.models import Attachment
from minsheng.core.bulk import BulkWriter
from minsheng.identity.models import User

from .models import Anomaly, AnomalyStatus, Caregiver, Elder, OrderStatus, VisitPhoto, WorkOrder
from .services import verification

ELDERS_FULL = 150_000
VISITS_FULL = 700_000
MONTHS = 3  # this month (to date, plus the week ahead) and the two before
FUTURE_DAYS = 7  # visits already dispatched for the coming week
BATCH = 10_000
USERS_PER_CAREGIVER = 25  # elders a caregiver looks after (one main caregiver, one stand-in)
# Start times a caregiver can take, two hours apart: the longest visit (90 min,
# overrun ≤ 10, check-in up to 10 late) ends before the next slot's earliest check-in.
SLOTS = [time(7, 30), time(9, 30), time(11, 30), time(14, 0), time(16, 0)]
MEAL_SLOT = 2
SERVICE_WEIGHTS = {
    "meal": 30,
    "cleaning": 25,
    "bathing": 6,
    "medical": 6,
    "mobility": 5,
    "errands": 10,
    "companionship": 12,
    "nursing": 6,
}
# Anomalies put in on purpose; everything else stays within the rules, so the
# detector finds a few percent of visits, each rule represented.
RATE_SHORT = 0.012  # of done visits: left early (< 80 % of the planned time)
RATE_GEOFENCE = 0.008  # of done visits: checked in away from the home
RATE_OVERLAP = 0.003  # of done visits: checked in while still at another home (flags both)
RATE_OVERDRAWN = 0.02  # of elder-months: one visit beyond the month's entitlement
PHOTO_SHARE = 0.05  # of verified visits with an "after" photo kept
RATE_PHOTO_REUSE = 0.06  # of those photos: an earlier photo of the same caregiver again
RATE_CANCELLED = 0.01
PHOTO_POOL = 12



WORK_ORDER_COLUMNS = [
    "id", "created_at", "updated_at", "elder_id", "region_id", "provider_id", "caregiver_id",
    "service_id", "schedule_id", "on_request", "planned_start", "planned_minutes", "status",
    "checked_in_at", "check_in_lat", "check_in_lon", "check_in_distance_m", "checked_out_at",
    "check_out_lat", "check_out_lon", "check_out_distance_m", "minutes_served", "checklist_done",
    "confirm_code_hash", "confirm_code_sent_at", "confirm_attempts", "confirmed_by",
    "confirmed_at", "quantity", "unit_price", "amount", "statement_id",
]  # fmt: skip
_C = {c: i for i, c in enumerate(WORK_ORDER_COLUMNS)}


def copy_rows(model, columns: list[str], rows) -> int:
    """Insert ``rows`` (sequences in ``columns`` order) through core's BulkWriter: COPY on
    PostgreSQL, batched INSERTs elsewhere."""
    with transaction.atomic(), BulkWriter(model, batch=BATCH) as writer:
        for row in rows:
            writer.insert(**dict(zip(columns, row, strict=True)))
    return writer.written


def next_id(model) -> int:
    return (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1


def _months_back(day: date, k: int) -> date:
    y, m = divmod(day.year * 12 + day.month - 1 - k, 12)
    return date(y, m + 1, 1)


def _days_of(month: date) -> list[date]:
    nxt = _months_back(month, -1)
    return [month + timedelta(days=i) for i in range((nxt - month).days)]


def _planned_quantity(svc) -> Decimal:
    return Decimal(svc.default_minutes) / 60 if svc.unit == "hour" else Decimal(1)


@dataclass
class _Plan:
    elder: Elder
    provider_id: int
    visits: list  # (day, service) in day order
    caregivers: list = field(default_factory=list)  # main, stand-in


def _plan_visits(
    ctx, *, elders, ents, months, today, items, by_county, providers, prices, target
) -> list[_Plan]:
    """Which entitled elders use services, from which provider, on which days.

    Each elder draws a few visits a month within the month's entitlement
    (hours, or yuan at the provider's prices); on RATE_OVERDRAWN of the
    elder-months the provider books one visit beyond it.
    """
    rng = ctx.rng
    codes = list(items)
    weights = [SERVICE_WEIGHTS.get(c, 5) for c in codes]
    last_day = today + timedelta(days=FUTURE_DAYS)
    candidates = [e for e in elders if any((e.pk, m) in ents for m in months)]
    rng.shuffle(candidates)
    plans, total = [], 0
    for e in candidates:
        if total >= target:
            break
        provs = by_county.get(e.region_id[:6]) or providers
        prov = provs[rng.randrange(len(provs))]
        mine = sorted(set(rng.choices(codes, weights, k=rng.choice([1, 1, 2]))))
        wanted = rng.choice([2, 3, 4, 4, 5, 6, 8])
        visits = []
        for month in months:
            ent = ents.get((e.pk, month))
            if ent is None:
                continue
            unit, budget = ent
            all_days = _days_of(month)
            days = [d for d in all_days if d <= last_day]
            overdraw = rng.random() < RATE_OVERDRAWN
            if not days:
                continue
            # Only part of the month is scheduled yet: as many visits as that part's share.
            share = wanted * len(days) / len(all_days)
            k = int(share) + (rng.random() < share - int(share))
            used, month_visits = Decimal(0), []
            # Random days (not sorted first, so the month is evenly covered).
            for d in rng.sample(days, len(days) if overdraw else min(len(days), k)):
                svc = items[rng.choice(mine)]
                qty = _planned_quantity(svc)
                if unit == "hours":  # drawn by time: meals and per-visit items by planned minutes
                    cost = (
                        verification.minutes_drawn(
                            unit=svc.unit, quantity=qty, planned_minutes=svc.default_minutes
                        )
                        / 60
                    )
                else:
                    cost = prices[(prov.pk, svc.pk)] * qty
                if used + cost > budget:
                    if overdraw:
                        month_visits.append((d, svc))
                    break
                used += cost
                month_visits.append((d, svc))
            visits.extend(sorted(month_visits, key=lambda v: v[0]))
        if visits:
            plans.append(_Plan(elder=e, provider_id=prov.pk, visits=visits))
            total += len(visits)
    return plans


def _caregivers(ctx, *, plans, providers) -> list[Caregiver]:
    """About one caregiver per USERS_PER_CAREGIVER elders served, per provider."""
    rng = ctx.rng
    Role.objects.get_or_create(code="caregiver", defaults={"title": "居家护理员"})
    by_provider: dict[int, list[_Plan]] = {}
    for plan in plans:
        by_provider.setdefault(plan.provider_id, []).append(plan)
    prov_by_id = {p.pk: p for p in providers}
    wanted = [
        (pid, max(1, math.ceil(len(ps) / USERS_PER_CAREGIVER))) for pid, ps in by_provider.items()
    ]
    n_cg = sum(n for _pid, n in wanted)
    cg_people = ctx.new_people(count=n_cg, birth_between=(date(1966, 1, 1), date(2000, 12, 31)))
    users = User.objects.bulk_create(
        [
            User(name=p.name, username=f"cg{p.pk}", is_staff=True, password="!demo")
            for p in cg_people
        ],
        batch_size=BATCH,
    )
    caregivers, assignments = [], []
    it = iter(users)
    for pid, n in wanted:
        prov = prov_by_id[pid]
        for _ in range(n):
            u = next(it)
            caregivers.append(
                Caregiver(
                    user=u,
                    provider=prov,
                    qualification=rng.choices(
                        ["carer_5", "carer_4", "carer_3", "nurse", "therapist", "none"],
                        [35, 30, 12, 10, 3, 10],
                    )[0],
                )
            )
            assignments.append(
                RoleAssignment(
                    user=u, role_id="caregiver", organisation=prov, region_id=prov.region_id
                )
            )
    Caregiver.objects.bulk_create(caregivers, batch_size=BATCH)
    RoleAssignment.objects.bulk_create(assignments, batch_size=BATCH, ignore_conflicts=True)
    pool: dict[int, list[Caregiver]] = {}
    for c in caregivers:
        pool.setdefault(c.provider_id, []).append(c)
    for pid, ps in by_provider.items():
        cgs = pool[pid]
        for i, plan in enumerate(ps):
            main = cgs[i % len(cgs)]
            stand_in = cgs[(i + 1) % len(cgs)]
            plan.caregivers = [main] if stand_in is main else [main, stand_in]
    return caregivers


def _offset(lat, lon, distance_m, rng) -> tuple[float | None, float | None]:
    if lat is None or lon is None:
        return None, None
    a = rng.uniform(0, 2 * math.pi)
    dlat = distance_m * math.cos(a) / 111_320
    dlon = distance_m * math.sin(a) / (111_320 * math.cos(math.radians(lat)))
    return lat + dlat, lon + dlon


def _schedule(ctx, *, plans, prices, hourly, orders: BulkWriter) -> list[list]:
    """Work-order rows: each visit in a free slot of the elder's caregiver (the stand-in
    when the main one is taken), checked in and out for the past ones."""
    rng = ctx.rng
    tz = timezone.get_current_timezone()
    now = timezone.now()
    busy: dict[tuple[int, date], set[int]] = {}
    rows: list[list] = []
    for plan in plans:
        e = plan.elder
        for day, svc in plan.visits:
            order = (
                [MEAL_SLOT] + [i for i in range(len(SLOTS)) if i != MEAL_SLOT]
                if svc.code == "meal"
                else rng.sample(range(len(SLOTS)), len(SLOTS))
            )
            spot = None
            for d in (day, day + timedelta(days=1), day + timedelta(days=2)):
                for cg in plan.caregivers:
                    taken = busy.setdefault((cg.pk, d), set())
                    free = [s for s in order if s not in taken]
                    if free:
                        spot = (cg, d, free[0])
                        taken.add(free[0])
                        break
                if spot:
                    break
            if spot is None:
                continue
            cg, d, slot = spot
            start = datetime.combine(d, SLOTS[slot], tzinfo=tz)
            planned = svc.default_minutes
            row = [None] * len(WORK_ORDER_COLUMNS)
            row[_C["id"]] = orders.reserve_key()
            created = start - timedelta(days=rng.randint(3, 20))
            row[_C["created_at"]] = row[_C["updated_at"]] = created
            row[_C["elder_id"]] = e.pk
            row[_C["region_id"]] = e.region_id
            row[_C["provider_id"]] = plan.provider_id
            row[_C["caregiver_id"]] = cg.pk
            row[_C["service_id"]] = svc.pk
            row[_C["on_request"]] = rng.random() < 0.15
            row[_C["planned_start"]] = start
            row[_C["planned_minutes"]] = planned
            row[_C["checklist_done"]] = []
            row[_C["confirm_code_hash"]] = ""
            row[_C["confirm_attempts"]] = 0
            row[_C["confirmed_by"]] = ""
            row[_C["quantity"]] = _planned_quantity(svc).quantize(Decimal("0.01"))
            row[_C["unit_price"]] = prices[(plan.provider_id, svc.pk)]
            row[_C["amount"]] = Decimal("0.00")
            done = start + timedelta(minutes=planned + 30) < now
            if not done:
                row[_C["status"]] = OrderStatus.DISPATCHED
            elif rng.random() < RATE_CANCELLED:
                row[_C["status"]] = OrderStatus.CANCELLED
            else:
                row[_C["status"]] = OrderStatus.VERIFIED
                roll = rng.random()
                served = planned + rng.randint(-2, 10)
                distance = min(150.0, abs(rng.gauss(0, 40)) + 3)
                if roll < RATE_SHORT:
                    served = int(planned * rng.uniform(0.3, 0.75))
                elif roll < RATE_SHORT + RATE_GEOFENCE:
                    distance = rng.uniform(e.geofence_m + 150, 3000)
                checked_in = start + timedelta(minutes=rng.randint(-5, 10))
                row[_C["checked_in_at"]] = checked_in
                row[_C["minutes_served"]] = served
                row[_C["check_in_distance_m"]] = round(distance, 1)
                row[_C["check_in_lat"]], row[_C["check_in_lon"]] = _offset(
                    e.latitude, e.longitude, distance, rng
                )
                out_distance = abs(rng.gauss(0, 30)) + 3
                row[_C["check_out_distance_m"]] = round(out_distance, 1)
                row[_C["check_out_lat"]], row[_C["check_out_lon"]] = _offset(
                    e.latitude, e.longitude, out_distance, rng
                )
                row[_C["checklist_done"]] = list(range(len(svc.checklist)))
                row[_C["confirmed_by"]] = "code" if rng.random() < 0.7 else "signature"
            rows.append(row)
    _overlaps(ctx, rows)
    for row in rows:
        if row[_C["status"]] != OrderStatus.VERIFIED:
            continue
        served = row[_C["minutes_served"]]
        out = row[_C["checked_in_at"]] + timedelta(minutes=served)
        row[_C["checked_out_at"]] = out
        row[_C["confirmed_at"]] = row[_C["updated_at"]] = out + timedelta(
            minutes=ctx.rng.randint(1, 5)
        )
        if row[_C["confirmed_by"]] == "code":
            row[_C["confirm_code_sent_at"]] = out
            row[_C["confirm_attempts"]] = 1
        row[_C["quantity"]] = _served_quantity(row, served, hourly)
        row[_C["amount"]] = (row[_C["unit_price"]] * row[_C["quantity"]]).quantize(Decimal("0.01"))
    return rows


def _served_quantity(row, served: int, hourly: set[int]) -> Decimal:
    """Hourly items: the quarter hours served, the planned time at most; else one."""
    if row[_C["service_id"]] not in hourly:
        return Decimal(1)
    planned = Decimal(row[_C["planned_minutes"]]) / 60
    return min(Decimal(max(served, 0) // 15) / 4, planned).quantize(Decimal("0.01"))


def _overlaps(ctx, rows) -> None:
    """On RATE_OVERLAP of the done visits the caregiver checks in while still at
    another home that day (the detector flags both visits)."""
    rng = ctx.rng
    by_day: dict[tuple[int, date], list] = {}
    for row in rows:
        if row[_C["status"]] == OrderStatus.VERIFIED:
            key = (row[_C["caregiver_id"]], row[_C["planned_start"]].date())
            by_day.setdefault(key, []).append(row)
    for same_day in by_day.values():
        if len(same_day) < 2:
            continue
        for row in same_day:
            if rng.random() >= RATE_OVERLAP:
                continue
            other = rng.choice([r for r in same_day if r is not row])
            row[_C["checked_in_at"]] = other[_C["checked_in_at"]] + timedelta(
                minutes=max(1, other[_C["minutes_served"]] // 2)
            )


def _photo_files(ctx) -> list[tuple[str, int, str]]:
    """A few real JPEGs the demo photos point at: (name, size, sha256)."""
    from PIL import Image, ImageDraw

    rng = ctx.rng
    out = []
    for i in range(PHOTO_POOL):
        img = Image.new("RGB", (320, 240), (rng.randint(120, 230),) * 3)
        draw = ImageDraw.Draw(img)
        for _ in range(6):
            x, y = rng.randint(0, 280), rng.randint(0, 200)
            colour = tuple(rng.randint(40, 220) for _c in range(3))
            draw.rectangle([x, y, x + rng.randint(20, 120), y + rng.randint(20, 90)], fill=colour)
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=70)
        data = buf.getvalue()
        name = default_storage.save(f"attachments/demo/visit-{i + 1}.jpg", ContentFile(data))
        out.append((name, len(data), hashlib.sha256(data).hexdigest()))
    return out


def _photos(ctx, *, rows, caregivers, files) -> int:
    """An "after" photo on PHOTO_SHARE of the verified visits; RATE_PHOTO_REUSE of them
    are an earlier photo of the same caregiver again (re-encoded: a few hash bits differ)."""
    rng = ctx.rng
    done = [r for r in rows if r[_C["status"]] == OrderStatus.VERIFIED]
    chosen = sorted(
        (r for r in done if rng.random() < PHOTO_SHARE), key=lambda r: r[_C["checked_in_at"]]
    )
    if not chosen:
        return 0
    owner = {c.pk: c.user_id for c in caregivers}
    ct = ContentType.objects.get_for_model(WorkOrder)
    earlier: dict[int, list[tuple[str, int]]] = {}
    attachments, hashes = [], []
    for r in chosen:
        cg = r[_C["caregiver_id"]]
        mine = earlier.setdefault(cg, [])
        if mine and rng.random() < RATE_PHOTO_REUSE:
            ph, f = rng.choice(mine[-40:])
            bits = int(ph, 16)
            for b in rng.sample(range(64), rng.randint(0, 3)):
                bits ^= 1 << b
            ph = f"{bits:016x}"
        else:
            ph, f = f"{rng.getrandbits(64):016x}", rng.randrange(len(files))
            mine.append((ph, f))
        name, size, sha = files[f]
        attachments.append(
            Attachment(
                file=name,
                original_name="photo.jpg",
                content_type="image/jpeg",
                size=size,
                sha256=sha,
                owner_id=owner.get(cg),
                target_type=ct,
                target_id=str(r[_C["id"]]),
            )
        )
        hashes.append(ph)
    Attachment.objects.bulk_create(attachments, batch_size=BATCH)
    VisitPhoto.objects.bulk_create(
        [
            VisitPhoto(work_order_id=r[_C["id"]], kind="after", attachment=a, phash=ph)
            for r, a, ph in zip(chosen, attachments, hashes, strict=True)
        ],
        batch_size=BATCH,
    )
    return len(chosen)


def _review_old_anomalies(ctx, *, before: date) -> None:
    """Anomalies of visits before ``before`` were reviewed: most cleared, a quarter upheld."""
    rng = ctx.rng
    lo = datetime.combine(before, time.min, tzinfo=timezone.get_current_timezone())
    rows = list(
        Anomaly.objects.filter(work_order__planned_start__lt=lo).values_list("id", "work_order_id")
    )
    upheld = [r for r in rows if rng.random() < 0.25]
    upheld_ids = {a for a, _o in upheld}
    now = timezone.now()
    Anomaly.objects.filter(pk__in=[a for a, _o in rows if a not in upheld_ids]).update(
        status=AnomalyStatus.CLEARED, reviewed_at=now, note="回访核实，服务属实"
    )
    Anomaly.objects.filter(pk__in=upheld_ids).update(
        status=AnomalyStatus.DEDUCTED, reviewed_at=now, note="核查不属实，不予结算"
    )
    WorkOrder.objects.filter(pk__in={o for _a, o in upheld}).update(
        status=OrderStatus.REJECTED, updated_at=now
    )
