"""Demo geography of Lianyungang: county seats, spreads and populations.

Approximate (programs.md §2.3, general knowledge): good enough to place a
synthetic city on a map, never for geofencing real visits. All WGS-84.
"""

from dataclasses import dataclass

CITY_CODE = "320700"
CITY_POPULATION = 4_600_000
# Mainland bounding box (the eastern tail beyond 119.80E is islands).
LAT_MIN, LAT_MAX, LON_MIN, LON_MAX = 33.98, 35.14, 118.40, 119.80


@dataclass(frozen=True)
class County:
    code: str
    slug: str  # for demo usernames
    org_prefix: str  # how its bodies are named: 连云港市海州区民政局, 东海县民政局
    seat: tuple[float, float]  # (lat, lon) of the county seat
    box: tuple[float, float, float, float]  # lat min, lat max, lon min, lon max for its towns
    population: int


COUNTIES = [
    County(
        "320703",
        "lianyun",
        "连云港市连云区",
        (34.74, 119.37),
        (34.60, 34.80, 119.30, 119.55),
        220_000,
    ),
    County(
        "320706",
        "haizhou",
        "连云港市海州区",
        (34.60, 119.18),
        (34.45, 34.70, 119.00, 119.30),
        950_000,
    ),
    County(
        "320707",
        "ganyu",
        "连云港市赣榆区",
        (34.84, 119.13),
        (34.72, 35.10, 118.75, 119.20),
        940_000,
    ),
    County("320722", "donghai", "东海县", (34.53, 118.77), (34.30, 34.75, 118.42, 119.00), 950_000),
    County("320723", "guanyun", "灌云县", (34.29, 119.25), (34.10, 34.55, 119.05, 119.60), 780_000),
    County(
        "320724", "guannan", "灌南县", (34.094, 119.346), (33.98, 34.25, 119.10, 119.60), 612_345
    ),
    County(
        "320771",
        "jingkai",
        "连云港经济技术开发区",
        (34.63, 119.30),
        (34.58, 34.70, 119.22, 119.38),
        147_655,
    ),
]
COUNTY_BY_CODE = {c.code: c for c in COUNTIES}
# ID numbers carry a GB/T 2260 county code; the development zone (statistics
# only) issues none, its residents' numbers carry 海州区's.
ID_AREA_FOR = {c.code: c.code for c in COUNTIES} | {"320771": "320706"}


def clamp(lat: float, lon: float) -> tuple[float, float]:
    return (
        round(min(max(lat, LAT_MIN), LAT_MAX), 6),
        round(min(max(lon, LON_MIN), LON_MAX), 6),
    )
