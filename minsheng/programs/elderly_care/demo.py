"""Demo data: ~150,000 elders and 700,000 visits at scale 1, with realistic anomalies.

Idempotent: a second run finds the elders already there and returns.
Everything is bulk-inserted in large batches.

Past 500 lines on purpose (a demo builder, outside the program's production paths): one
builder that makes the elders, entitlements, providers, orders and visits in order, each
step reading the rows the one before it made; the bulk path for a full-size city
(issue 23) is where it will be split.
"""

import hashlib
import io
import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

from minsheng.access.models import Organisation, Role, RoleAssignment
from minsheng.attachments.models import Attachment
from minsheng.identity.models import PersonRelation, User

from .catalogue import ASSESSMENT_ITEMS, COMA_CODE, SERVICE_ITEMS
from .models import (
    AbilityAssessment,
    AlarmDevice,
    AlarmEvent,
    Anomaly,
    AnomalyStatus,
    Caregiver,
    ContractPrice,
    DeviceVendor,
    Elder,
    EntitlementRule,
    OrderStatus,
    ProviderContract,
    RetrofitFile,
    ServiceEntitlement,
    ServiceItem,
    VisitPhoto,
    WorkOrder,
)
from .services import assessment, verification

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


def _services() -> dict[str, ServiceItem]:
    for code, title, unit, price, minutes, checklist in SERVICE_ITEMS:
        ServiceItem.objects.get_or_create(
            code=code,
            defaults={
                "title": str(title),
                "unit": unit,
                "default_price": Decimal(price),
                "default_minutes": minutes,
                "checklist": [str(c) for c in checklist],
            },
        )
    return {s.code: s for s in ServiceItem.objects.all()}


def _rules() -> None:
    if EntitlementRule.objects.exists():
        return
    start = date(2025, 1, 1)
    for name, cat, lo, hi, unit, amount, prio in [
        ("高龄老人", "advanced_age", 0, 4, "hours", 4, 1),
        ("低保老人", "minimum_living", 0, 4, "yuan", 200, 3),
        ("特困老人", "extreme_poverty", 0, 4, "yuan", 300, 5),
        ("特困失能老人", "extreme_poverty", 2, 4, "yuan", 600, 9),
        ("低保失能老人", "minimum_living", 2, 4, "yuan", 500, 8),
        ("计划生育特殊家庭", "family_planning", 0, 4, "yuan", 300, 4),
        ("独居空巢", "living_alone", 0, 4, "hours", 6, 2),
    ]:
        EntitlementRule.objects.create(
            name=name,
            category=cat,
            min_level=lo,
            max_level=hi,
            unit=unit,
            amount=Decimal(amount),
            effective_from=start,
            priority=prio,
        )


WORK_ORDER_COLUMNS = [
    "id", "created_at", "updated_at", "elder_id", "region_id", "provider_id", "caregiver_id",
    "service_id", "schedule_id", "on_request", "planned_start", "planned_minutes", "status",
    "checked_in_at", "check_in_lat", "check_in_lon", "check_in_distance_m", "checked_out_at",
    "check_out_lat", "check_out_lon", "check_out_distance_m", "minutes_served", "checklist_done",
    "confirm_code_hash", "confirm_code_sent_at", "confirm_attempts", "confirmed_by",
    "confirmed_at", "quantity", "unit_price", "amount", "statement_id",
]  # fmt: skip
_C = {c: i for i, c in enumerate(WORK_ORDER_COLUMNS)}


def next_id(model) -> int:
    return (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1


def copy_rows(model, columns: list[str], rows, *, batch: int = BATCH) -> int:
    """Insert ``rows`` (sequences in ``columns`` order, ids included): COPY on PostgreSQL
    (about 20× bulk_create), bulk_create elsewhere. Moves the id sequence past the rows."""
    table = model._meta.db_table
    json_cols = [
        i
        for i, c in enumerate(columns)
        if model._meta.get_field(c.removesuffix("_id") if c != "id" else c).get_internal_type()
        == "JSONField"
    ]
    n = 0
    if connection.vendor == "postgresql":
        from psycopg.types.json import Jsonb

        cols = ", ".join(connection.ops.quote_name(c) for c in columns)
        with connection.cursor() as cur:
            with cur.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as cp:
                for row in rows:
                    if json_cols:
                        row = list(row)
                        for i in json_cols:
                            row[i] = Jsonb(row[i])
                    cp.write_row(row)
                    n += 1
            if "id" in columns:
                # the table name comes from the model's Meta, not from input
                cur.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), "  # noqa: S608
                    f"(SELECT coalesce(max(id), 1) FROM {connection.ops.quote_name(table)}))",
                    [table],
                )
        return n
    chunk = []
    for row in rows:
        chunk.append(model(**dict(zip(columns, row, strict=True))))
        if len(chunk) >= batch:
            model.objects.bulk_create(chunk)
            n, chunk = n + len(chunk), []
    model.objects.bulk_create(chunk)
    return n + len(chunk)


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


def _schedule(ctx, *, plans, prices, hourly) -> list[list]:
    """Work-order rows: each visit in a free slot of the elder's caregiver (the stand-in
    when the main one is taken), checked in and out for the past ones."""
    rng = ctx.rng
    tz = timezone.get_current_timezone()
    now = timezone.now()
    busy: dict[tuple[int, date], set[int]] = {}
    rows: list[list] = []
    oid = next_id(WorkOrder)
    for plan in ctx.progress(plans, total=len(plans), label="visits"):
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
            row[_C["id"]] = oid
            oid += 1
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


def _photos(ctx, *, rows, caregivers) -> int:
    """An "after" photo on PHOTO_SHARE of the verified visits; RATE_PHOTO_REUSE of them
    are an earlier photo of the same caregiver again (re-encoded: a few hash bits differ)."""
    rng = ctx.rng
    done = [r for r in rows if r[_C["status"]] == OrderStatus.VERIFIED]
    chosen = sorted(
        (r for r in done if rng.random() < PHOTO_SHARE), key=lambda r: r[_C["checked_in_at"]]
    )
    if not chosen:
        return 0
    files = _photo_files(ctx)
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


def run(ctx) -> dict[str, int]:
    if Elder.objects.exists():
        ctx.log("elders already present; nothing to do")
        return {"elders": Elder.objects.count(), "visits": WorkOrder.objects.count()}
    rng = ctx.rng
    items = _services()
    _rules()
    counties = sorted({c.code[:6] for c in ctx.communities()})
    providers = [o for o in ctx.organisations("provider")]
    if not providers:
        providers = Organisation.objects.bulk_create(
            [
                Organisation(
                    name=f"{ctx.faker.city_name()}颐养居家养老服务中心{i + 1}",
                    kind="provider",
                    region_id=county,
                )
                for i, county in enumerate(counties * 3)
            ]
        )
    today = timezone.localdate()
    for p in providers:
        contract = ProviderContract.objects.create(
            provider=p,
            region_id=p.region_id[:6] if len(p.region_id) > 6 else p.region_id,
            number=f"YL-{p.pk:06d}",
            valid_from=date(today.year - 1, 1, 1),
            valid_to=date(today.year + 1, 12, 31),
        )
        ContractPrice.objects.bulk_create(
            [
                ContractPrice(
                    contract=contract,
                    service=s,
                    price=s.default_price * Decimal(rng.choice(["0.9", "1", "1.1"])),
                )
                for s in items.values()
            ]
        )
    by_county: dict[str, list] = {}
    for p in providers:
        by_county.setdefault(p.region_id[:6], []).append(p)

    # Elders
    n_elders = ctx.scaled(ELDERS_FULL, minimum=20)
    people = ctx.new_people(
        count=n_elders, birth_between=(date(1926, 1, 1), date(today.year - 60, 12, 31))
    )
    cats_pool = [
        "advanced_age",
        "minimum_living",
        "extreme_poverty",
        "near_poverty",
        "disabled",
        "semi_disabled",
        "living_alone",
        "empty_nest",
        "family_planning",
        "entitled_group",
        "severe_disability",
    ]
    weights = [40, 15, 6, 6, 5, 9, 10, 12, 2, 2, 3]
    elders = []
    for person in ctx.progress(people, total=len(people), label="elders"):
        cats = sorted(set(rng.choices(cats_pool, weights=weights, k=rng.choice([1, 1, 2, 2, 3]))))
        elders.append(
            Elder(
                person=person,
                region_id=person.residence_region_id,
                household=f"H{person.pk:010d}",
                living_arrangement=rng.choice(
                    ["alone", "spouse", "spouse", "children", "relatives"]
                ),
                categories=cats,
                address=person.address,
                latitude=person.latitude,
                longitude=person.longitude,
                ability_level=rng.choices([0, 1, 2, 3, 4], [30, 35, 18, 10, 7])[0],
                enrolled_on=today - timedelta(days=rng.randint(30, 1500)),
            )
        )
    Elder.objects.bulk_create(elders, batch_size=BATCH)
    assessments = []
    for e in elders:
        items_scores = {i.code: i.maximum for i in ASSESSMENT_ITEMS}
        for _ in range(rng.randint(0, 50)):
            code = rng.choice(ASSESSMENT_ITEMS).code
            if code != COMA_CODE and items_scores[code] > 0:
                items_scores[code] -= 1
        result = assessment.score(items_scores)
        e.ability_level = result["level"]
        assessments.append(
            AbilityAssessment(
                elder=e,
                assessed_on=e.enrolled_on,
                reason="first",
                items=items_scores,
                total=result["total"],
                base_level=result["base_level"],
                level=result["level"],
                adjustments=result["adjustments"],
            )
        )
    AbilityAssessment.objects.bulk_create(assessments, batch_size=BATCH)
    Elder.objects.bulk_update(elders, ["ability_level"], batch_size=BATCH)
    family = ctx.new_people(count=max(1, n_elders // 4))
    PersonRelation.objects.bulk_create(
        [
            PersonRelation(person=fam, relative=e.person, kind="family", detail="子女")
            for fam, e in zip(family, elders, strict=False)
        ],
        batch_size=BATCH,
        ignore_conflicts=True,
    )

    # Entitlements first: who may draw how much each month drives the visits.
    from .services.entitlements import entitlements_apply

    start_day = _months_back(today, MONTHS - 1)
    months = [_months_back(today, k) for k in range(MONTHS - 1, -1, -1)]
    if today + timedelta(days=FUTURE_DAYS) >= _months_back(today, -1):
        months.append(_months_back(today, -1))  # the week ahead reaches into next month
    for month in months:
        entitlements_apply(month=month)
    ents = {
        (elder_id, month): (unit, amount)
        for elder_id, month, unit, amount in ServiceEntitlement.objects.filter(
            month__gte=start_day
        ).values_list("elder_id", "month", "unit", "amount")
    }
    prices = {
        (contract.provider_id, cp.service_id): cp.price
        for contract in ProviderContract.objects.filter(provider__in=providers)
        for cp in contract.prices.all()
    }
    n_visits = ctx.scaled(VISITS_FULL, minimum=50)
    plans = _plan_visits(
        ctx,
        elders=elders,
        ents=ents,
        months=months,
        today=today,
        items=items,
        by_county=by_county,
        providers=providers,
        prices=prices,
        target=n_visits,
    )
    caregivers = _caregivers(ctx, plans=plans, providers=providers)
    hourly = {s.pk for s in items.values() if s.unit == "hour"}
    rows = _schedule(ctx, plans=plans, prices=prices, hourly=hourly)
    created = copy_rows(WorkOrder, WORK_ORDER_COLUMNS, rows)
    photos = _photos(ctx, rows=rows, caregivers=caregivers)
    del rows

    # The real detector over the visits, then a review of the older months'
    # anomalies, the settlement of the months before last, and the rollup.
    from .services.anomalies import anomalies_detect
    from .services.settlement import rollup_refresh, settlement_run

    found = anomalies_detect(start=start_day, end=today + timedelta(days=1))
    last_month = _months_back(today, 1)
    _review_old_anomalies(ctx, before=last_month)
    for month in (m for m in months if m < last_month):
        settlement_run(month=month)
    rollup_refresh(start=start_day, end=today + timedelta(days=FUTURE_DAYS))

    # Retrofits, devices and alarms
    vendor, _ = DeviceVendor.objects.get_or_create(
        code="demo-gas", defaults={"name": "港城安燃科技", "secret": "demo-secret"}
    )
    alone = [e for e in elders if "living_alone" in e.categories or "advanced_age" in e.categories]
    picked = rng.sample(alone, min(len(alone), ctx.scaled(5000, minimum=3)))
    with transaction.atomic():
        RetrofitFile.objects.bulk_create(
            [
                RetrofitFile(
                    elder=e,
                    household=e.household,
                    region_id=e.region_id,
                    status=rng.choice(["assessing", "approved", "accepted", "subsidised"]),
                    assessment="卫生间无扶手，地面湿滑",
                    subsidy=Decimal(rng.randint(8, 30) * 100),
                )
                for e in picked[: len(picked) // 2]
            ],
            batch_size=BATCH,
        )
        devices = AlarmDevice.objects.bulk_create(
            [
                AlarmDevice(
                    kind=rng.choice(["gas", "gas", "smoke"]),
                    imei=f"86{e.pk:013d}",
                    vendor=vendor,
                    elder=e,
                    region_id=e.region_id,
                    installed_on=today - timedelta(days=rng.randint(10, 400)),
                    last_seen_at=timezone.now() - timedelta(hours=rng.randint(0, 48)),
                )
                for e in picked
            ],
            batch_size=BATCH,
        )
        now = timezone.now()
        AlarmEvent.objects.bulk_create(
            [
                AlarmEvent(
                    device=d,
                    elder_id=d.elder_id,
                    region_id=d.region_id,
                    raised_at=now - timedelta(days=rng.randint(0, 60)),
                    status="closed",
                    closed_at=now,
                    acknowledged_at=now,
                    closing_note="炉灶未关，已关闭并开窗通风",
                )
                for d in rng.sample(devices, max(1, len(devices) // 20))
            ]
        )
    counts = {
        "elders": len(elders),
        "elders served": len({p.elder.pk for p in plans}),
        "caregivers": len(caregivers),
        "visits": created,
        "visit photos": photos,
        "anomalies": sum(found.values()),
    }
    counts.update({f"anomalies {kind}": n for kind, n in found.items()})
    counts["devices"] = len(devices)
    return counts
