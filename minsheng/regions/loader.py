"""Reading the division files into rows (no database here; services.py writes them).

Files (see data/divisions/README.md): NBS 统计用区划代码 down to towns, data
cut-off 2022-10-31, plus python-stdnum's GB/T 2260 history (``loc.dat``) for
county codes that were abolished — ID numbers issued under them stay valid.
"""

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .models import PREFIX_LENGTH, RegionLevel

SOURCE_NBS = "NBS 2022-10-31"
SOURCE_CITY = "lianyungang_regions.csv"
SOURCE_HISTORY = "GB/T 2260 history (python-stdnum)"

# Abolished in the 2014 reform of Lianyungang (国函〔2014〕): 新浦区 merged into
# 海州区, 赣榆县 became 赣榆区. Our sources give only the year, so the code is
# treated as valid to the end of it.
LIANYUNGANG_ABOLISHED = [
    ("320705", "新浦区", date(1986, 1, 1), date(2014, 12, 31)),
    ("320721", "赣榆县", date(1983, 1, 1), date(2014, 12, 31)),
]


@dataclass(frozen=True)
class RegionRow:
    code: str
    name: str
    level: str
    parent_code: str | None
    source: str
    is_statistical: bool = False
    valid_from: date | None = None
    valid_to: date | None = None

    @property
    def prefix(self) -> str:
        return self.code[: PREFIX_LENGTH[RegionLevel(self.level)]]


def pad(code: str) -> str:
    """A province (2), city (4) or county (6) code as the full 6-digit code; towns keep 9."""
    return code.ljust(6, "0") if len(code) < 6 else code


def is_statistical_code(code: str) -> bool:
    """NBS-only units: county codes 71–79 (development zones, e.g. 320771 经开区) and the
    4xx town-level units (farms, parks, salt works), and everything below them."""
    if len(code) >= 6 and code[4] == "7" and code[5] != "0":
        return True
    return len(code) >= 9 and code[6] == "4"


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def nbs_rows(data_dir: Path, *, province: str | None = None) -> Iterator[RegionRow]:
    """Province → city → county → town rows, parents before children."""
    div = data_dir / "divisions"

    def wanted(code: str) -> bool:
        return province is None or code.startswith(province)

    provinces = [r for r in _read(div / "provinces.csv") if wanted(r["code"])]
    cities = [r for r in _read(div / "cities.csv") if wanted(r["code"])]
    areas = [r for r in _read(div / "areas.csv") if wanted(r["code"])]
    streets = [r for r in _read(div / "streets.csv") if wanted(r["code"])]
    for r in provinces:
        yield RegionRow(pad(r["code"]), r["name"], RegionLevel.PROVINCE, None, SOURCE_NBS)
    city_codes = set()
    for r in cities:
        code = pad(r["code"])
        city_codes.add(code)
        yield RegionRow(code, r["name"], RegionLevel.CITY, pad(r["provinceCode"]), SOURCE_NBS)
    for r in areas:
        # A city without counties (东莞 4419) also appears as "county" 441900:
        # that is the city row itself, so its towns hang directly under it.
        if r["code"] in city_codes:
            continue
        yield RegionRow(
            r["code"],
            r["name"],
            RegionLevel.COUNTY,
            pad(r["cityCode"]),
            SOURCE_NBS,
            is_statistical=is_statistical_code(r["code"]),
        )
    for r in streets:
        yield RegionRow(
            r["code"],
            r["name"],
            RegionLevel.TOWN,
            r["areaCode"],
            SOURCE_NBS,
            is_statistical=is_statistical_code(r["code"]),
        )


def city_extract_rows(path: Path) -> Iterator[RegionRow]:
    """data/lianyungang_regions.csv: code, name, level, parent_code."""
    for r in _read(path):
        yield RegionRow(
            r["code"],
            r["name"],
            r["level"],
            r["parent_code"] or None,
            SOURCE_CITY,
            is_statistical=is_statistical_code(r["code"]),
        )


_HISTORY_LINE = re.compile(r'^  (\d{4}) county="(?:\[(\d{4})?-(\d{4})?\])?(.*)"$')


def history_rows(*, province: str | None = None) -> Iterator[RegionRow]:
    """County-level codes with their GB/T 2260 validity years (python-stdnum's loc.dat).

    Yields each code once: the latest entry (codes were sometimes reused).
    """
    import stdnum.cn

    path = Path(stdnum.cn.__file__).parent / "loc.dat"
    latest: dict[str, RegionRow] = {}
    prov = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line[:2].isdigit() and " " in line:
            prov = line[:2]
            continue
        m = _HISTORY_LINE.match(line)
        if not m or not prov:
            continue
        code = prov + m.group(1)
        if code.endswith("00") or (province and not code.startswith(province)):
            continue  # province and city rows come from the NBS files
        start, end, name = m.group(2), m.group(3), m.group(4)
        row = RegionRow(
            code,
            name,
            RegionLevel.COUNTY,
            code[:4] + "00",
            SOURCE_HISTORY,
            valid_from=date(int(start), 1, 1) if start else None,
            valid_to=date(int(end), 12, 31) if end else None,
        )
        previous = latest.get(code)
        if previous is None or (previous.valid_to and not row.valid_to):
            latest[code] = row
    yield from latest.values()
