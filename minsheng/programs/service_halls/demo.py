"""Demo data: a county service centre per county, a station in every town,
points in some villages, windows and business types, yesterday's and
today's tickets, appointments, a small synthetic road network, and the
15-minute circle computed over it. Idempotent: existing rows are kept."""

import math
from datetime import datetime, time, timedelta

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from minsheng.access.models import Organisation, Role, RoleAssignment
from minsheng.demo.context import DEMO_PASSWORD
from minsheng.demo.geography import COUNTIES
from minsheng.identity.models import User

from .models import (
    Appointment,
    AppointmentSlot,
    AppointmentState,
    BusinessType,
    OpeningHours,
    PointLevel,
    RoadEdge,
    RoadNetwork,
    RoadNode,
    ServicePoint,
    Ticket,
    TicketCounter,
    TicketEvent,
    TicketState,
    Window,
)
from .services.coverage import coverage_recompute
from .services.travel import haversine_m

BUSINESSES = [
    ("insurance-registration", "参保登记", "A", 8),
    ("cross-region-medical", "异地就医备案", "B", 10),
    ("chronic-disease", "门诊慢特病", "C", 15),
    ("relationship-transfer", "关系转移接续", "D", 12),
    ("personal-account", "个人账户与家庭共济", "E", 6),
    ("manual-reimbursement", "零星报销", "F", 15),
]
NETWORK_NAME = "演示路网(合成)"


def _businesses() -> list[BusinessType]:
    out = []
    for order, (code, name, prefix, minutes) in enumerate(BUSINESSES):
        obj, _c = BusinessType.objects.update_or_create(
            code=code, defaults={"name": name, "prefix": prefix, "typical_minutes": minutes, "order": order}
        )
        out.append(obj)
    return out


def _point(*, name, level, region, lat, lon, parent=None) -> tuple[ServicePoint, bool]:
    org, _c = Organisation.objects.get_or_create(
        kind="service_point", name=name,
        defaults={"region": region, "latitude": lat, "longitude": lon, "parent": parent},
    )
    point = ServicePoint.objects.filter(organisation=org).first()
    if point:
        return point, False
    return ServicePoint.objects.create(
        organisation=org, name=name, level=level, region=region, latitude=lat, longitude=lon,
        address=name,
    ), True


def _hours(point: ServicePoint) -> list[OpeningHours]:
    if point.level == PointLevel.COUNTY_CENTRE:  # extended hours, all week (延时服务)
        return [OpeningHours(point=point, weekday=d, opens=time(8, 0), closes=time(20, 0)) for d in range(7)]
    rows = []
    for d in range(5):
        rows.append(OpeningHours(point=point, weekday=d, opens=time(8, 30), closes=time(12, 0)))
        rows.append(OpeningHours(point=point, weekday=d, opens=time(13, 30), closes=time(17, 30)))
    if point.level == PointLevel.TOWN_STATION:
        rows.append(OpeningHours(point=point, weekday=5, opens=time(9, 0), closes=time(12, 0)))
    return rows


def _points(ctx, businesses) -> tuple[list[ServicePoint], int]:
    from minsheng.regions.models import Region

    rng = ctx.rng
    made = 0
    points = []
    towns = [t for t in ctx.towns() if t.latitude is not None]
    counties = {c.code: c for c in COUNTIES}
    for code, county in counties.items():
        region = Region.objects.filter(code=code).first()
        if region is None:
            continue
        p, new = _point(name=f"{county.org_prefix}医疗保障服务中心", level=PointLevel.COUNTY_CENTRE,
                        region=region, lat=county.seat[0], lon=county.seat[1])
        points.append(p)
        made += new
    offices = {o.region_id: o for o in Organisation.objects.filter(kind="street", region__in=towns)}
    for town in towns:
        county = counties.get(town.code[:6])
        prefix = county.org_prefix if county else ""
        p, new = _point(name=f"{prefix}{town.name}医保服务站", level=PointLevel.TOWN_STATION, region=town,
                        lat=town.latitude + rng.gauss(0, 0.002), lon=town.longitude + rng.gauss(0, 0.002),
                        parent=offices.get(town.code))
        points.append(p)
        made += new
    by_town = {t.code: t for t in towns}
    for village in ctx.communities():
        if village.is_urban or village.latitude is None or village.parent_id not in by_town:
            continue
        if rng.random() < 0.22:  # about one village in five has a point (村医保服务点)
            town = by_town[village.parent_id]
            county = counties.get(town.code[:6])
            p, new = _point(name=f"{county.org_prefix if county else ''}{town.name}{village.name}医保服务点",
                            level=PointLevel.VILLAGE_POINT, region=village,
                            lat=village.latitude, lon=village.longitude)
            points.append(p)
            made += new
    new_points = [p for p in points if not p.windows.exists()]
    hours, windows = [], []
    for p in new_points:
        hours += _hours(p)
        n = {PointLevel.COUNTY_CENTRE: 6, PointLevel.TOWN_STATION: 3}.get(p.level, 1)
        windows += [Window(point=p, number=i + 1) for i in range(n)]
    OpeningHours.objects.bulk_create(hours)
    Window.objects.bulk_create(windows)
    through_p = ServicePoint.business_types.through
    through_w = Window.business_types.through
    through_p.objects.bulk_create(
        [through_p(servicepoint_id=p.pk, businesstype_id=b.pk) for p in new_points
         for b in (businesses if p.level != PointLevel.VILLAGE_POINT else businesses[:1] + businesses[4:5])]
    )
    links = []
    for w in Window.objects.filter(point__in=new_points).select_related("point"):
        if w.point.level == PointLevel.COUNTY_CENTRE:
            served = businesses if w.number > 4 else [businesses[(w.number - 1) % 6], businesses[(w.number + 3) % 6]]
        elif w.point.level == PointLevel.TOWN_STATION:
            served = businesses
        else:
            served = businesses[:1] + businesses[4:5]
        links += [through_w(window_id=w.pk, businesstype_id=b.pk) for b in served]
    through_w.objects.bulk_create(links)
    return points, made


def _staff(ctx, points) -> int:
    for code, title in (("window_clerk", "窗口人员"), ("hall_manager", "服务大厅负责人")):
        Role.objects.get_or_create(code=code, defaults={"title": title})
    password = make_password(DEMO_PASSWORD)
    made = 0
    centres = [p for p in points if p.level == PointLevel.COUNTY_CENTRE]
    for i, p in enumerate(centres):
        county = next((c for c in COUNTIES if c.code == p.region_id), None)
        slug = county.slug if county else str(i)
        for username, role in ((f"hall_{slug}", "hall_manager"),
                               *((f"clerk_{slug}_{n}", "window_clerk") for n in (1, 2))):
            user, new = User.objects.get_or_create(
                username=username,
                defaults={"name": ctx.person_name("F" if ctx.rng.random() < 0.6 else "M"), "is_staff": True,
                          "password": password},
            )
            made += new
            RoleAssignment.objects.get_or_create(user=user, role_id=role, organisation=p.organisation,
                                                 region_id=p.region_id)
            if role == "window_clerk":
                number = int(username.rsplit("_", 1)[1])
                Window.objects.filter(point=p, number=number, clerk__isnull=True).update(clerk=user)
    return made


def _tickets(ctx, points, businesses) -> int:
    """Yesterday, finished; today, a queue in progress at the county centres and a few stations."""
    rng = ctx.rng
    tz = timezone.get_current_timezone()
    now = timezone.now()
    today = timezone.localdate()
    busy = [p for p in points if p.level == PointLevel.COUNTY_CENTRE] + [
        p for p in points if p.level == PointLevel.TOWN_STATION][:ctx.scaled(40, minimum=3)]
    windows = {}
    for w in Window.objects.filter(point__in=busy).prefetch_related("business_types"):
        windows.setdefault(w.point_id, []).append(w)
    tickets, counters = [], []
    for day, full in ((today - timedelta(days=1), True), (today, False)):
        for p in busy:
            if Ticket.objects.filter(point=p, service_date=day).exists():
                continue
            n = ctx.scaled(180 if p.level == PointLevel.COUNTY_CENTRE else 40, minimum=8)
            start = datetime.combine(day, time(8, 30), tz)
            end = datetime.combine(day, time(17, 0), tz) if full else min(now, datetime.combine(day, time(17, 0), tz))
            if end <= start:  # before opening today: issue the morning's first numbers just now
                start, end = now - timedelta(minutes=40), now
            seq = {}
            for k in range(n):
                issued = start + (end - start) * (k + rng.random()) / n
                biz = rng.choices(businesses, weights=[30, 15, 12, 8, 25, 10])[0]
                seq[biz.prefix] = seq.get(biz.prefix, 0) + 1
                priority = "elderly" if rng.random() < 0.12 else ""
                t = Ticket(point=p, business_type=biz, service_date=day, number=f"{biz.prefix}{seq[biz.prefix]:03d}",
                           channel=rng.choice(["kiosk", "kiosk", "phone"]), is_priority=bool(priority),
                           priority_reason=priority, issued_at=issued)
                wait = timedelta(minutes=rng.expovariate(1 / 14))
                service = timedelta(minutes=max(2.0, rng.gauss(biz.typical_minutes, 3)))
                serving = [w for w in windows.get(p.pk, []) if biz in w.business_types.all()] or windows.get(p.pk, [])
                if issued + wait + service < (now if not full else end + timedelta(hours=1)) and (full or k < n - 6):
                    t.window = rng.choice(serving) if serving else None
                    t.first_called_at = t.called_at = issued + wait
                    if rng.random() < 0.05:
                        t.state = TicketState.NO_SHOW
                    else:
                        t.state = TicketState.DONE
                        t.started_at = t.called_at + timedelta(minutes=1)
                        t.finished_at = t.started_at + service
                tickets.append(t)
            counters += [TicketCounter(point=p, prefix=k, service_date=day, last=v) for k, v in seq.items()]
    Ticket.objects.bulk_create(tickets, batch_size=2000)
    TicketCounter.objects.bulk_create(counters, ignore_conflicts=True)
    events = []  # as the services write them: the ticket row records its issue, events start at the call
    for t in tickets:
        if t.called_at:
            events.append(TicketEvent(point_id=t.point_id, ticket=t, kind="called", at=t.called_at, window=t.window))
        if t.finished_at:
            events.append(TicketEvent(point_id=t.point_id, ticket=t, kind="finished", at=t.finished_at, window=t.window))
    TicketEvent.objects.bulk_create(events, batch_size=5000)
    return len(tickets)


def _citizen_ticket(ctx, points, businesses) -> int:
    """The demo citizen 13900000003 holds a number at the Haizhou centre today, waiting: 我的
    links to the ticket's page (how many are ahead, cancel). Written as the queue above is
    (the service refuses a number outside opening hours, and the demo is built at any hour)."""
    from minsheng.demo.accounts import demo_account

    centre = next((p for p in points if p.level == PointLevel.COUNTY_CENTRE and p.region_id == "320706"), None)
    if centre is None or not businesses:
        return 0
    citizen = demo_account(ctx, "13900000003")
    biz, today = businesses[0], timezone.localdate()
    counter, _new = TicketCounter.objects.get_or_create(point=centre, prefix=biz.prefix, service_date=today,
                                                        defaults={"last": 0})
    counter.last += 1
    counter.save(update_fields=["last"])
    Ticket.objects.create(point=centre, business_type=biz, service_date=today, number=f"{biz.prefix}{counter.last:03d}",
                          channel="phone", user=citizen, person=getattr(citizen, "person", None),
                          issued_at=timezone.now())
    return 1


def _appointments(ctx, points, businesses) -> int:
    rng = ctx.rng
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    centres = [p for p in points if p.level == PointLevel.COUNTY_CENTRE]
    if AppointmentSlot.objects.filter(point__in=centres).exists():
        return 0
    slots = []
    for p in centres:
        for offset in range(-1, 6):
            day = today + timedelta(days=offset)
            for biz in businesses[1:3]:
                for h in (9, 10, 14, 15):
                    s = datetime.combine(day, time(h, 0), tz)
                    slots.append(AppointmentSlot(point=p, business_type=biz, starts_at=s,
                                                 ends_at=s + timedelta(minutes=30), capacity=3))
    AppointmentSlot.objects.bulk_create(slots)
    citizens = list(User.objects.filter(is_staff=False, person__isnull=False)[:60])
    if not citizens:
        return len(slots)
    appointments = []
    for s in slots:
        if timezone.localdate(s.starts_at) == today - timedelta(days=1):
            for _k in range(rng.randint(1, 3)):
                u = rng.choice(citizens)
                state = AppointmentState.NO_SHOW if rng.random() < 0.15 else AppointmentState.CHECKED_IN
                appointments.append(Appointment(slot=s, user=u, state=state))
                s.booked += 1
    Appointment.objects.bulk_create(appointments)
    AppointmentSlot.objects.bulk_update([s for s in slots if s.booked], ["booked"])
    return len(slots)


def _road_network(ctx) -> int:
    """A grid of streets (600 m apart, 3 km out) around every town, and roads
    linking each town to its two nearest neighbours, with a node every ~1 km."""
    if RoadNetwork.objects.filter(name=NETWORK_NAME).exists():
        return 0
    network = RoadNetwork.objects.create(name=NETWORK_NAME, source="synthetic (demo)")
    towns = [t for t in ctx.towns() if t.latitude is not None]
    spacing, half = 600.0, 5
    nodes: list[RoadNode] = []
    grid_ids: dict[tuple[int, int, int], int] = {}
    for ti, t in enumerate(towns):
        dlat = spacing / 111_195
        dlon = spacing / (111_195 * math.cos(math.radians(t.latitude)))
        for i in range(-half, half + 1):
            for j in range(-half, half + 1):
                grid_ids[(ti, i, j)] = len(nodes)
                nodes.append(RoadNode(network=network, latitude=t.latitude + i * dlat, longitude=t.longitude + j * dlon))
    edges: list[tuple[int, int]] = []
    for (ti, i, j), n in grid_ids.items():
        for di, dj in ((1, 0), (0, 1)):
            m = grid_ids.get((ti, i + di, j + dj))
            if m is not None:
                edges.append((n, m))
    seen = set()
    for ti, t in enumerate(towns):
        near = sorted(range(len(towns)), key=lambda k: haversine_m(t.latitude, t.longitude, towns[k].latitude, towns[k].longitude))[1:3]
        for tk in near:
            if (tk, ti) in seen:
                continue
            seen.add((ti, tk))
            a, b = grid_ids[(ti, 0, 0)], grid_ids[(tk, 0, 0)]
            dist = haversine_m(t.latitude, t.longitude, towns[tk].latitude, towns[tk].longitude)
            steps = max(1, int(dist // 1000))
            prev = a
            for s in range(1, steps):
                f = s / steps
                nodes.append(RoadNode(network=network,
                                      latitude=t.latitude + (towns[tk].latitude - t.latitude) * f,
                                      longitude=t.longitude + (towns[tk].longitude - t.longitude) * f))
                edges.append((prev, len(nodes) - 1))
                prev = len(nodes) - 1
            edges.append((prev, b))
    RoadNode.objects.bulk_create(nodes, batch_size=5000)
    RoadEdge.objects.bulk_create(
        [RoadEdge(network=network, source=nodes[a], target=nodes[b],
                  length_m=haversine_m(nodes[a].latitude, nodes[a].longitude, nodes[b].latitude, nodes[b].longitude))
         for a, b in edges],
        batch_size=5000,
    )
    RoadNetwork.objects.exclude(pk=network.pk).update(is_active=False)
    return len(nodes)


def run(ctx) -> dict[str, int]:
    businesses = _businesses()
    ctx.bar.step("service points and windows")
    points, made = _points(ctx, businesses)
    staff = _staff(ctx, points)
    ctx.bar.step("tickets and appointments")
    tickets = _tickets(ctx, points, businesses)
    slots = _appointments(ctx, points, businesses)
    tickets += _citizen_ticket(ctx, points, businesses)
    ctx.bar.step("road network and the 15-minute circle")
    road_nodes = _road_network(ctx)
    run_ = coverage_recompute(trigger="demo")
    ctx.bar.step(f"coverage {run_.share:.1%} of {run_.population} residents in {run_.seconds:.2f} s")
    return {"service points": made, "hall staff": staff, "queue tickets": tickets,
            "appointment slots": slots, "road nodes": road_nodes}
