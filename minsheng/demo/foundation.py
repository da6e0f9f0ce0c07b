"""The foundation's part of the demo city: places, organisations, staff and residents.

Everything a program generator builds on. Runs inside one transaction
(services.demo_build), so it is either wholly there or absent.

Past 500 lines on purpose (a demo builder): places, organisations, staff and residents are
built in order, each from the rows the one before it made.
"""

from collections import defaultdict

from django.contrib.auth.hashers import make_password
from django.utils import translation

from minsheng.access.models import Organisation, OrganisationKind, Role, RoleAssignment
from minsheng.core.creditcode import credit_code_generate
from minsheng.core.registry import registry
from minsheng.identity.crypto import keyed_hash
from minsheng.identity.models import Person, User
from minsheng.regions.models import Region, RegionLevel

from .context import DEMO_PASSWORD, DemoContext
from .geography import CITY_CODE, COUNTIES, COUNTY_BY_CODE, clamp
from .names import (
    BANKS,
    COMMUNITY_STEMS,
    INDUSTRIES,
    SCHOOL_TYPES,
    SCHOOL_VARIANTS,
    TRADE_NAMES,
    VILLAGE_PREFIXES,
    VILLAGE_SUFFIXES,
)

SCHOOLS = 364
RESIDENTS_WITH_ACCOUNTS = 200_000  # citizens signed up on the portal, at scale 1
DEPARTMENTS = [
    ("civil_affairs", "民政局"),
    ("education", "教育局"),
    ("medical_insurance", "医疗保障局"),
    ("market_regulation", "市场监督管理局"),
    ("housing", "住房和城乡建设局"),
    ("public_security", "公安局"),
    ("tax", "税务局"),
    ("human_resources", "人力资源和社会保障局"),
    ("housing_fund", "住房公积金管理中心"),
    ("people_congress", "人大常委会"),
    ("administrative_approval", "行政审批局"),
]
KNOWN_CITIZENS = [
    ("13900000001", "张伟", "M"),
    ("13900000002", "王芳", "F"),
    ("13900000003", "李娜", "F"),
]


def _stem(name: str) -> str:
    for suffix in ("街道", "镇", "乡"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _county_of(code: str):
    return COUNTY_BY_CODE[code[:6]]


# --- places ---------------------------------------------------------------
def build_places(ctx: DemoContext) -> dict[str, int]:
    """Place every town, and give each its communities/villages (about 1,600 in all)."""
    rng = ctx.rng
    towns = [t for t in ctx.towns() if t.code[:6] in COUNTY_BY_CODE]
    by_county = defaultdict(list)
    for t in towns:
        by_county[t.code[:6]].append(t)
    existing = set(
        Region.objects.filter(level=RegionLevel.COMMUNITY, prefix__startswith="3207").values_list(
            "code", flat=True
        )
    )
    new_communities: list[Region] = []
    for county in COUNTIES:
        members = by_county[county.code]
        weights = []
        for t in members:
            kind = t.code[6]
            weight = {"0": 1.3, "1": 1.0, "2": 0.5}.get(kind, 0.08)
            weights.append(weight * rng.uniform(0.7, 1.3))
        total = sum(weights)
        lat0, lon0 = county.seat
        la1, la2, lo1, lo2 = county.box
        for t, w in zip(members, weights, strict=True):
            t.population = round(county.population * w / total)
            if t.code[6] == "0":  # 街道: around the county seat
                t.latitude, t.longitude = clamp(
                    lat0 + rng.uniform(-0.04, 0.04), lon0 + rng.uniform(-0.05, 0.05)
                )
                t.is_urban = True
            else:
                t.latitude, t.longitude = clamp(rng.uniform(la1, la2), rng.uniform(lo1, lo2))
            new_communities.extend(_communities_of(ctx, t, existing))
    Region.objects.bulk_update(towns, ["population", "latitude", "longitude", "is_urban"])
    Region.objects.bulk_create(new_communities, batch_size=1000)
    return {"towns placed": len(towns), "communities": len(new_communities)}


def _communities_of(ctx: DemoContext, town: Region, existing: set[str]) -> list[Region]:
    rng = ctx.rng
    kind = town.code[6]
    if kind == "0":
        plan = [(True, rng.randint(10, 18))]
    elif kind == "1":
        plan = [(True, rng.randint(1, 3)), (False, rng.randint(14, 24))]
    elif kind == "2":
        plan = [(False, rng.randint(5, 10))]
    else:  # farms, parks, salt works: one community each
        plan = [(kind == "4" and "园" in town.name, 1)]
    names: set[str] = set()
    rows: list[tuple[bool, str]] = []
    for urban, n in plan:
        for _ in range(n):
            for _try in range(100):
                if urban:
                    name = rng.choice(COMMUNITY_STEMS) + "社区"
                else:
                    name = (
                        rng.choice(VILLAGE_PREFIXES)
                        + ctx.person_name("M")[0]
                        + rng.choice(VILLAGE_SUFFIXES)
                        + "村"
                    )
                if name not in names:
                    break
            names.add(name)
            rows.append((urban, name))
    if kind == "4":
        rows = [(rows[0][0], _stem(town.name) + "社区")]
    shares = [rng.uniform(0.5, 1.5) for _ in rows]
    total = sum(shares)
    result = []
    urban_no, village_no = 1, 200
    for (urban, name), share in zip(rows, shares, strict=True):
        if urban:
            code, urban_no = f"{town.code}{urban_no:03d}", urban_no + 1
        else:
            code, village_no = f"{town.code}{village_no:03d}", village_no + 1
        if code in existing:
            continue
        spread = 0.012 if urban else 0.03
        lat, lon = clamp(
            town.latitude + rng.uniform(-spread, spread),
            town.longitude + rng.uniform(-spread, spread),
        )
        result.append(
            Region(
                code=code,
                prefix=code,
                name=name,
                level=RegionLevel.COMMUNITY,
                parent_id=town.code,
                is_urban=urban,
                is_statistical=town.is_statistical,
                population=max(50, round((town.population or 1000) * share / total)),
                latitude=lat,
                longitude=lon,
                source="demo",
            )
        )
    return result


# --- organisations ----------------------------------------------------------
class _Orgs:
    """Creates organisations by natural key (kind, name): a rerun adds only what is missing."""

    def __init__(self, ctx: DemoContext) -> None:
        self.ctx = ctx
        self.existing = {
            (o.kind, o.name): o
            for o in Organisation.objects.filter(region__prefix__startswith="3207")
        }
        self.created = 0

    def add(
        self,
        *,
        kind,
        name,
        region_code,
        parent=None,
        department_code="",
        credit=("1", "1"),
        near: Region | None = None,
        address="",
    ) -> Organisation:
        key = (str(kind), name)
        if key in self.existing:
            return self.existing[key]
        rng = self.ctx.rng
        lat = lon = None
        if near is not None and near.latitude is not None:
            lat, lon = clamp(
                near.latitude + rng.gauss(0, 0.006), near.longitude + rng.gauss(0, 0.006)
            )
        org = Organisation.objects.create(
            kind=kind,
            name=name,
            region_id=region_code,
            parent=parent,
            department_code=department_code,
            credit_code=credit_code_generate(
                rng=rng, region_code=region_code[:6], authority=credit[0], entity_class=credit[1]
            ),
            address=address or (f"江苏省{name}" if near is None else f"江苏省连云港市{near.name}"),
            latitude=lat,
            longitude=lon,
            office_hours={"am": ["08:30", "12:00"], "pm": ["13:30", "17:30"]},
        )
        self.existing[key] = org
        self.created += 1
        return org


def _department_name(code: str, title: str, county) -> str:
    if county is None:
        return {
            "tax": "国家税务总局连云港市税务局",
            "people_congress": "连云港市人民代表大会常务委员会",
        }.get(code, f"连云港市{title}")
    district = county.org_prefix.startswith("连云港市")
    short = county.org_prefix.removeprefix("连云港市")
    if code == "tax":
        return f"国家税务总局{county.org_prefix}税务局"
    if code == "public_security" and district:
        return f"连云港市公安局{short.removesuffix('区')}分局"
    if code == "housing_fund":
        return f"连云港市住房公积金管理中心{short}分中心"
    return f"{county.org_prefix}{title}"


def build_organisations(ctx: DemoContext) -> dict[str, int]:
    orgs = _Orgs(ctx)
    city = ctx.city
    seat = Region(name="海州区", latitude=34.60, longitude=119.18)
    gov = orgs.add(
        kind=OrganisationKind.DEPARTMENT,
        name="连云港市人民政府",
        region_code=CITY_CODE,
        department_code="government",
        near=seat,
    )
    city_depts = {}
    for code, title in DEPARTMENTS:
        city_depts[code] = orgs.add(
            kind=OrganisationKind.DEPARTMENT,
            name=_department_name(code, title, None),
            region_code=CITY_CODE,
            department_code=code,
            parent=gov,
            near=seat,
        )
    county_seats = {}
    for county in COUNTIES:
        county_seats[county.code] = anchor = Region(
            name=county.org_prefix, latitude=county.seat[0], longitude=county.seat[1]
        )
        for code, title in DEPARTMENTS:
            if code == "people_congress" and county.code == "320771":
                continue  # a functional zone has no people's congress
            orgs.add(
                kind=OrganisationKind.DEPARTMENT,
                name=_department_name(code, title, county),
                region_code=county.code,
                department_code=code,
                parent=city_depts[code],
                near=anchor,
            )
    towns = {t.code: t for t in ctx.towns() if t.code[:6] in COUNTY_BY_CODE}
    offices = {}
    for town in towns.values():
        suffix = "办事处" if town.name.endswith("街道") else "人民政府"
        if town.code[6] not in "012":
            suffix = "管理委员会"
        offices[town.code] = orgs.add(
            kind=OrganisationKind.STREET_OFFICE,
            name=f"{_county_of(town.code).org_prefix}{town.name}{suffix}",
            region_code=town.code,
            department_code="street_office",
            near=town,
        )
    for community in ctx.communities():
        committee = "居民委员会" if community.is_urban else "村民委员会"
        town = towns.get(community.parent_id)
        if town is None:
            continue
        orgs.add(
            kind=OrganisationKind.COMMUNITY,
            name=f"{_county_of(town.code).org_prefix}{town.name}{community.name}{committee}",
            region_code=community.code,
            parent=offices[town.code],
            near=community,
            credit=("5", "9"),
        )
    _schools(ctx, orgs, towns)
    _providers_banks_companies(ctx, orgs, county_seats, city)
    return {"organisations": orgs.created}


def _largest_remainder(total: int, weights: list[float]) -> list[int]:
    raw = [total * w / sum(weights) for w in weights]
    counts = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)[
        : total - sum(counts)
    ]:
        counts[i] += 1
    return counts


def _schools(ctx: DemoContext, orgs: _Orgs, towns: dict[str, Region]) -> None:
    """364 schools, spread by population: counties first, then towns."""
    rng = ctx.rng
    per_county = _largest_remainder(SCHOOLS, [c.population for c in COUNTIES])
    types, type_weights = zip(*SCHOOL_TYPES, strict=True)
    for county, n in zip(COUNTIES, per_county, strict=True):
        bureau = ctx.department("education", county.code)
        members = [
            t for t in towns.values() if t.code.startswith(county.code) and t.code[6] in "012"
        ]
        per_town = _largest_remainder(n, [t.population or 1 for t in members])
        for town, k in zip(members, per_town, strict=True):
            for _ in range(k):
                for _try in range(200):
                    name = (
                        f"{county.org_prefix}{_stem(town.name)}{rng.choice(SCHOOL_VARIANTS)}"
                        f"{rng.choices(types, weights=type_weights)[0]}"
                    )
                    if (OrganisationKind.SCHOOL, name) not in orgs.existing:
                        break
                orgs.add(
                    kind=OrganisationKind.SCHOOL,
                    name=name,
                    region_code=town.code,
                    parent=bureau,
                    credit=("1", "2"),
                    near=town,
                )


def _providers_banks_companies(ctx, orgs: _Orgs, seats: dict[str, Region], city) -> None:
    rng = ctx.rng
    for county in COUNTIES:
        seat = seats[county.code]
        civil = ctx.department("civil_affairs", county.code)
        short = county.org_prefix.removeprefix("连云港市")[:2]
        for i, stem in enumerate(rng.sample(TRADE_NAMES, 3)):
            if i == 0:
                name, credit = f"{county.org_prefix}{stem}居家养老服务中心", ("5", "2")
            elif i == 1:
                name, credit = f"连云港{stem}家政服务有限公司{short}分公司", ("9", "1")
            else:
                name, credit = f"{county.org_prefix}{stem}社会工作服务社", ("5", "2")
            orgs.add(
                kind=OrganisationKind.PROVIDER,
                name=name,
                region_code=county.code,
                parent=civil,
                credit=credit,
                near=seat,
            )
    haizhou = seats["320706"]
    for bank, has_branches in BANKS:
        head = orgs.add(
            kind=OrganisationKind.BANK,
            name=f"{bank}连云港分行",
            region_code="320706",
            credit=("9", "1"),
            near=haizhou,
        )
        if has_branches:
            for county in COUNTIES:
                if county.code in ("320706", "320771"):
                    continue
                orgs.add(
                    kind=OrganisationKind.BANK,
                    name=f"{bank}{county.org_prefix.removeprefix('连云港市')[:2]}支行",
                    region_code=county.code,
                    parent=head,
                    credit=("9", "1"),
                    near=seats[county.code],
                )
    for stem in rng.sample(TRADE_NAMES, 12):
        county = rng.choice(COUNTIES)
        orgs.add(
            kind=OrganisationKind.COMPANY,
            name=f"连云港{stem}{rng.choice(INDUSTRIES)}有限公司",
            region_code=county.code,
            credit=("9", "1"),
            near=seats[county.code],
        )


# --- roles, staff and residents --------------------------------------------
def ensure_roles() -> int:
    try:
        from minsheng.access.services import roles_sync
    except ImportError:
        roles_sync = None
    if roles_sync is not None:
        return roles_sync()
    from minsheng.access.roles import CORE_ROLES

    declared = {
        code: (spec["title"], spec.get("permissions", [])) for code, spec in CORE_ROLES.items()
    }
    for program in registry.programs():
        for code, title in program.roles.items():
            declared.setdefault(code, (title, []))
    with translation.override("zh-hans"):
        for code, (title, permissions) in declared.items():
            Role.objects.get_or_create(
                code=code, defaults={"title": str(title), "permissions": permissions}
            )
    return len(declared)


def build_staff(ctx: DemoContext) -> dict[str, int]:
    ensure_roles()
    password = make_password(DEMO_PASSWORD)  # hashed once: a hash costs ~0.2 CPU-seconds
    existing = {u.username: u for u in User.objects.filter(username__isnull=False)}
    new_users, grants = [], []

    def staff(username: str, *, roles, org: Organisation, region_code: str, superuser=False):
        user = existing.get(username)
        if user is None:
            user = User(
                username=username,
                name=ctx.person_name("M" if ctx.rng.random() < 0.5 else "F"),
                is_staff=True,
                is_superuser=superuser,
                password=password,
            )
            new_users.append(user)
            existing[username] = user
        for role in roles:
            grants.append((user, role, org, region_code))
        return user

    gov = Organisation.objects.get(
        kind="department", department_code="government", region_id=CITY_CODE
    )
    staff("admin", roles=["admin"], org=gov, region_code=CITY_CODE, superuser=True)
    staff("leader", roles=["supervisor"], org=gov, region_code=CITY_CODE)
    for code, _title in DEPARTMENTS:
        city_dept = ctx.department(code)
        staff(f"{code}_city", roles=["case_officer"], org=city_dept, region_code=CITY_CODE)
        staff(
            f"{code}_supervisor",
            roles=["supervisor", "department_head"],
            org=city_dept,
            region_code=CITY_CODE,
        )
        for county in COUNTIES:
            if code == "people_congress" and county.code == "320771":
                continue
            staff(
                f"{code}_{county.slug}",
                roles=["case_officer"],
                org=ctx.department(code, county.code),
                region_code=county.code,
            )
    staff(
        "civil_affairs_pii",
        roles=["case_officer", "pii_viewer"],
        org=ctx.department("civil_affairs"),
        region_code=CITY_CODE,
    )
    User.objects.bulk_create(new_users)
    known_roles = set(Role.objects.values_list("code", flat=True))
    have = set(
        RoleAssignment.objects.values_list("user_id", "role_id", "organisation_id", "region_id")
    )
    assignments = [
        RoleAssignment(user=u, role_id=r, organisation=o, region_id=reg)
        for u, r, o, reg in grants
        if r in known_roles and (u.pk, r, o.pk, reg) not in have
    ]
    RoleAssignment.objects.bulk_create(assignments)
    return {"staff accounts": len(new_users), "role assignments": len(assignments)}


def build_residents(ctx: DemoContext) -> dict[str, int]:
    count = ctx.scaled(RESIDENTS_WITH_ACCOUNTS, minimum=20)
    known_phones = [phone for phone, _name, _sex in KNOWN_CITIZENS]
    ctx._shared.phones.update(known_phones)
    # The first few become the known demo citizens, with a phone and a password to sign in.
    candidates, written = [], 0
    for person in ctx.iter_people(count=count, with_accounts=True, label="residents"):
        written += 1
        if len(candidates) < 2 * len(KNOWN_CITIZENS):
            candidates.append(person)
    password = make_password(DEMO_PASSWORD)
    for phone, name, sex in KNOWN_CITIZENS:
        row = next((p for p in candidates if p.sex == sex), None)
        if row is None or User.objects.filter(phone_hash=keyed_hash(phone)).exists():
            continue
        candidates.remove(row)
        person = Person.objects.select_related("user").get(pk=row.pk)
        user = person.user
        user.name = person.name = name
        user.phone = person.phone = phone
        user.phone_hash = person.phone_hash = keyed_hash(phone)
        user.password = password
        user.save(update_fields=["name", "phone", "phone_hash", "password"])
        person.save(update_fields=["name", "phone", "phone_hash"])
    return {"residents": written, "citizen accounts": written}


def run(ctx: DemoContext) -> dict[str, int]:
    counts: dict[str, int] = {}
    for step in (build_places, build_organisations, build_staff, build_residents):
        ctx.bar.step(step.__name__.replace("build_", "building "))
        counts.update(step(ctx))
    counts["people"] = Person.objects.count()
    return counts
