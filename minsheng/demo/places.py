"""The demo city's places: every town placed, and its communities and villages made."""

from collections import defaultdict

from minsheng.regions.models import Region, RegionLevel

from .context import DemoContext
from .geography import COUNTIES, COUNTY_BY_CODE, clamp
from .names import COMMUNITY_STEMS, VILLAGE_PREFIXES, VILLAGE_SUFFIXES


def name_stem(name: str) -> str:
    for suffix in ("街道", "镇", "乡"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name



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
        rows = [(rows[0][0], name_stem(town.name) + "社区")]
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


