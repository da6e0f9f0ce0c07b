"""Demo data: ~150,000 elders and 700,000 visits at scale 1, with realistic anomalies.

Idempotent: a second run finds the elders already there and returns. The elders, their
assessments and families here; the visits in demo_visits.py. Everything is written through
core's BulkWriter (COPY on PostgreSQL, batched INSERTs on SQLite); the real services then
detect anomalies, settle the months and refresh the rollup.
"""


from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from minsheng.access.models import Organisation
from minsheng.core.bulk import BulkWriter

from .catalogue import ASSESSMENT_ITEMS, COMA_CODE, SERVICE_ITEMS
from .demo_visits import (
    BATCH,
    ELDERS_FULL,
    FUTURE_DAYS,
    MONTHS,
    SLOTS,
    VISITS_FULL,
    WORK_ORDER_COLUMNS,
    _caregivers,
    _months_back,
    _photo_files,
    _photos,
    _plan_visits,
    _review_old_anomalies,
    _schedule,
)
from .models import (
    AbilityAssessment,
    AlarmDevice,
    AlarmEvent,
    ContractPrice,
    DeviceVendor,
    Elder,
    EntitlementRule,
    ProviderContract,
    RetrofitFile,
    ServiceEntitlement,
    ServiceItem,
    WorkOrder,
)
from .services import assessment

CATEGORIES = [
    "advanced_age", "minimum_living", "extreme_poverty", "near_poverty", "disabled", "semi_disabled",
    "living_alone", "empty_nest", "family_planning", "entitled_group", "severe_disability",
]  # fmt: skip
CATEGORY_WEIGHTS = [40, 15, 6, 6, 5, 9, 10, 12, 2, 2, 3]


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

    # Elders, each with a first assessment of abilities; a quarter with a child on record.
    n_elders = ctx.scaled(ELDERS_FULL, minimum=20)
    people = ctx.iter_people(
        count=n_elders, birth_between=(date(1926, 1, 1), date(today.year - 60, 12, 31)), label="elders"
    )
    elders, with_family = [], []
    with BulkWriter(Elder, batch=BATCH) as elder_rows, BulkWriter(AbilityAssessment, batch=BATCH) as assessed:
        for person in people:
            cats = sorted(set(rng.choices(CATEGORIES, weights=CATEGORY_WEIGHTS, k=rng.choice([1, 1, 2, 2, 3]))))
            elder = Elder(
                person_id=person.pk,
                region_id=person.residence_region_id,
                household=f"H{person.pk:010d}",
                living_arrangement=rng.choice(["alone", "spouse", "spouse", "children", "relatives"]),
                categories=cats,
                address=person.address,
                latitude=person.latitude,
                longitude=person.longitude,
                enrolled_on=today - timedelta(days=rng.randint(30, 1500)),
            )
            items_scores = {i.code: i.maximum for i in ASSESSMENT_ITEMS}
            for _ in range(rng.randint(0, 50)):
                code = rng.choice(ASSESSMENT_ITEMS).code
                if code != COMA_CODE and items_scores[code] > 0:
                    items_scores[code] -= 1
            result = assessment.score(items_scores)
            elder.ability_level = result["level"]
            elders.append(elder_rows.add(elder))
            assessed.insert(elder_id=elder.pk, assessed_on=elder.enrolled_on, reason="first", items=items_scores,
                            total=result["total"], base_level=result["base_level"], level=result["level"],
                            adjustments=result["adjustments"])
            if len(with_family) < max(1, n_elders // 4):
                with_family.append(person)
    relatives = ctx.people_writer()
    for fam, person in zip(ctx.iter_people(count=max(1, n_elders // 4), label="families"), with_family,
                           strict=False):
        relatives.relation(person=fam, relative=person, kind="family", detail="子女")
    ctx.flush_people()

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
    # Provider by provider (caregivers work for one), so one provider's visits are in memory.
    by_provider: dict[int, list] = {}
    for plan in plans:
        by_provider.setdefault(plan.provider_id, []).append(plan)
    files = _photo_files(ctx) if plans else []
    photos = 0
    with BulkWriter(WorkOrder, batch=BATCH) as orders:
        for provider_plans in ctx.progress(list(by_provider.values()), label="visits"):
            rows = _schedule(ctx, plans=provider_plans, prices=prices, hourly=hourly, orders=orders)
            for row in rows:
                orders.insert(**dict(zip(WORK_ORDER_COLUMNS, row, strict=True)))
            orders.flush()
            photos += _photos(ctx, rows=rows, caregivers=caregivers, files=files)
    created = orders.written + _visit_to_dispatch(ctx)

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
    counts["applications"] = _applications(ctx)
    return counts


def _visit_to_dispatch(ctx) -> int:
    """A visit tomorrow afternoon that a family booked and no caregiver has yet: the demo
    provider's dispatch page has one to give out, whatever the hour the demo is built or
    looked at (the generated visits are all dispatched)."""
    from .demo_accounts import demo_provider
    from .services.orders import order_create

    provider = demo_provider(ctx)
    visit = WorkOrder.objects.filter(provider=provider).select_related("elder__region", "service").first()
    if visit is None:
        return 0
    tomorrow = timezone.localdate() + timedelta(days=1)
    taken = {timezone.localtime(s).time() for s in WorkOrder.objects.filter(
        elder=visit.elder, planned_start__date=tomorrow).values_list("planned_start", flat=True)}
    slot = next((s for s in reversed(SLOTS) if s not in taken), None)
    if slot is None:
        return 0
    order_create(elder=visit.elder, provider=provider, service=visit.service, on_request=True,
                 planned_start=datetime.combine(tomorrow, slot, tzinfo=timezone.get_current_timezone()))
    return 1


def _applications(ctx) -> int:
    """Two applications for home care in the demo community, made by the demo citizen
    13900000001 for a parent: one waiting for civil affairs, one approved."""
    from minsheng.demo.accounts import demo_account

    from .demo_accounts import demo_community
    from .services.applications import application_decide, application_submit

    community = demo_community(ctx)
    if community is None:
        return 0
    citizen = demo_account(ctx, "13900000001")
    today = timezone.localdate()
    rows = ctx.new_people(count=2, regions=[community.region_id], label="applicants",
                          birth_between=(date(1935, 1, 1), date(today.year - 80, 12, 31)))
    made = []
    for person in ctx.people_objects(rows):
        made.append(application_submit(person=person, submitted_by=citizen, categories=["advanced_age"],
                                       living_arrangement="alone", reason="子女在外地工作，老人独居",
                                       on_behalf=True))
    try:
        application_decide(application=made[-1], actor=demo_account(ctx, "civil_affairs_elderly"),
                           approve=True, note="")
    except Exception as exc:  # noqa: BLE001 — demo data must not stop the build; log and go on
        ctx.log(f"the demo application was not decided: {exc}")
    return len(made)

