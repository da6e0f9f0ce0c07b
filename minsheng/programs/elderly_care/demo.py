"""Demo data: ~150,000 elders and 700,000 visits at scale 1, with realistic anomalies.

Idempotent: a second run finds the elders already there and returns.
Everything is bulk-inserted in large batches.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from minsheng.access.models import Organisation, Role, RoleAssignment
from minsheng.identity.models import PersonRelation, User

from . import assessment as gb
from .catalogue import SERVICE_ITEMS
from .models import (
    AbilityAssessment,
    AlarmDevice,
    AlarmEvent,
    Caregiver,
    ContractPrice,
    DeviceVendor,
    Elder,
    EntitlementRule,
    OrderStatus,
    ProviderContract,
    RetrofitFile,
    ServiceItem,
    WorkOrder,
)

ELDERS_FULL = 150_000
VISITS_FULL = 700_000
MONTHS = 3
BATCH = 10_000


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
        items_scores = {i.code: i.maximum for i in gb.ITEMS}
        for _ in range(rng.randint(0, 50)):
            code = rng.choice(gb.ITEMS).code
            if code != gb.COMA_CODE and items_scores[code] > 0:
                items_scores[code] -= 1
        result = gb.score(items_scores)
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

    # Caregivers (one per ~12 elders), with accounts and the caregiver role
    Role.objects.get_or_create(code="caregiver", defaults={"title": "居家护理员"})
    n_cg = max(len(providers), n_elders // 12)
    cg_people = ctx.new_people(count=n_cg, birth_between=(date(1965, 1, 1), date(2000, 12, 31)))
    users = User.objects.bulk_create(
        [
            User(name=p.name, username=f"cg{p.pk}", is_staff=True, password="!demo")
            for p in cg_people
        ],
        batch_size=BATCH,
    )
    caregivers = []
    assignments = []
    for i, u in enumerate(users):
        prov = providers[i % len(providers)]
        caregivers.append(
            Caregiver(
                user=u,
                provider=prov,
                qualification=rng.choice(["carer_5", "carer_4", "carer_3", "nurse"]),
            )
        )
        assignments.append(
            RoleAssignment(user=u, role_id="caregiver", organisation=prov, region_id=prov.region_id)
        )
    Caregiver.objects.bulk_create(caregivers, batch_size=BATCH)
    RoleAssignment.objects.bulk_create(assignments, batch_size=BATCH, ignore_conflicts=True)
    cg_by_provider: dict[int, list] = {}
    for c in caregivers:
        cg_by_provider.setdefault(c.provider_id, []).append(c)

    # Visits over the last MONTHS months
    n_visits = ctx.scaled(VISITS_FULL, minimum=50)
    tz = timezone.get_current_timezone()
    start_day = (today.replace(day=1) - timedelta(days=31 * (MONTHS - 1))).replace(day=1)
    span = (today - start_day).days or 1
    served_elders = [e for e in elders if e.ability_level >= 1 or rng.random() < 0.3] or elders
    codes = list(items)
    created = 0
    batch = []
    for _i in ctx.progress(range(n_visits), total=n_visits, label="visits"):
        e = rng.choice(served_elders)
        provs = by_county.get(e.region_id[:6]) or providers
        prov = provs[hash(e.pk) % len(provs)]
        cg = rng.choice(cg_by_provider.get(prov.pk) or caregivers)
        svc = items[rng.choices(codes, [25, 25, 8, 8, 8, 10, 10, 6])[0]]
        day = start_day + timedelta(days=rng.randrange(span))
        start = datetime.combine(
            day, time(rng.randint(7, 17), rng.choice([0, 15, 30, 45])), tzinfo=tz
        )
        planned = svc.default_minutes
        roll = rng.random()
        served = (
            planned + rng.randint(-5, 15) if roll > 0.04 else int(planned * rng.uniform(0.2, 0.7))
        )
        distance = rng.uniform(5, 120) if rng.random() > 0.02 else rng.uniform(400, 3000)
        status = (
            OrderStatus.VERIFIED
            if day < today
            else rng.choice([OrderStatus.DISPATCHED, OrderStatus.VERIFIED])
        )
        checked = status == OrderStatus.VERIFIED
        quantity = Decimal(max(served, 0) // 15) / 4 if svc.unit == "hour" else Decimal(1)
        quantity = min(quantity, Decimal(planned) / 60) if svc.unit == "hour" else quantity
        price = svc.default_price
        batch.append(
            WorkOrder(
                elder_id=e.pk,
                region_id=e.region_id,
                provider_id=prov.pk,
                caregiver_id=cg.pk,
                service_id=svc.pk,
                planned_start=start,
                planned_minutes=planned,
                status=status,
                checked_in_at=start if checked else None,
                checked_out_at=start + timedelta(minutes=served) if checked else None,
                minutes_served=served if checked else None,
                check_in_distance_m=distance if checked else None,
                confirmed_by="code"
                if checked and rng.random() < 0.7
                else ("signature" if checked else ""),
                confirmed_at=start + timedelta(minutes=served + 1) if checked else None,
                quantity=quantity,
                unit_price=price,
                amount=(price * quantity).quantize(Decimal("0.01")) if checked else 0,
            )
        )
        if len(batch) >= BATCH:
            WorkOrder.objects.bulk_create(batch, batch_size=BATCH)
            created += len(batch)
            batch = []
    WorkOrder.objects.bulk_create(batch, batch_size=BATCH)
    created += len(batch)

    # Anomalies over the visits, the rollup
    from .services.anomalies import anomalies_detect
    from .services.registry import entitlements_apply
    from .services.settlement import rollup_refresh

    for m in range(MONTHS):
        month = (start_day + timedelta(days=31 * m)).replace(day=1)
        entitlements_apply(month=month)
    found = anomalies_detect(start=start_day, end=today + timedelta(days=1))
    rollup_refresh(start=start_day, end=today)

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
    return {
        "elders": len(elders),
        "caregivers": len(caregivers),
        "visits": created,
        "anomalies": sum(found.values()),
        "devices": len(devices),
    }
