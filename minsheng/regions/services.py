"""Writes to the division tree: the national import and the community (居委会/村委会) import.

Codes are never deleted (docs/adr/0002-regions-codes.md): an import adds and
updates, and an abolished code keeps its row with ``valid_to`` set.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from .loader import (
    LIANYUNGANG_ABOLISHED,
    SOURCE_HISTORY,
    RegionRow,
    city_extract_rows,
    history_rows,
    is_statistical_code,
    nbs_rows,
)
from .models import PREFIX_LENGTH, Region, RegionLevel

LEVEL_ORDER = [
    RegionLevel.PROVINCE,
    RegionLevel.CITY,
    RegionLevel.COUNTY,
    RegionLevel.TOWN,
    RegionLevel.COMMUNITY,
]
_SYNCED_FIELDS = [
    "prefix",
    "name",
    "level",
    "parent_id",
    "is_statistical",
    "valid_from",
    "valid_to",
]


def _upsert(rows: list[RegionRow]) -> dict[str, int]:
    """Create missing regions, update changed ones, never delete. Parents first."""
    existing = {r["code"]: r for r in Region.objects.values("code", *_SYNCED_FIELDS, "source")}
    known = set(existing) | {r.code for r in rows}
    to_create: list[Region] = []
    to_update: list[Region] = []
    unchanged = 0
    rows = sorted(rows, key=lambda r: (LEVEL_ORDER.index(RegionLevel(r.level)), r.code))
    for row in rows:
        parent = row.parent_code
        if parent is not None and parent not in known:
            # An abolished county whose city is gone too hangs under its province.
            fallback = parent[:2] + "0000"
            parent = fallback if fallback in known and fallback != row.code else None
        values = {
            "prefix": row.prefix,
            "name": row.name,
            "level": str(row.level),
            "parent_id": parent,
            "is_statistical": row.is_statistical,
            "valid_from": row.valid_from,
            "valid_to": row.valid_to,
        }
        current = existing.get(row.code)
        if current is None:
            to_create.append(Region(code=row.code, source=row.source, **values))
        elif any(current[k] != v for k, v in values.items()):
            to_update.append(
                Region(code=row.code, source=current["source"] or row.source, **values)
            )
        else:
            unchanged += 1
    Region.objects.bulk_create(to_create, batch_size=2000)
    Region.objects.bulk_update(to_update, [*_SYNCED_FIELDS, "source"], batch_size=2000)
    return {"created": len(to_create), "updated": len(to_update), "unchanged": unchanged}


def regions_load(
    *, data_dir: Path | None = None, province: str | None = None, history: bool = True
) -> dict[str, int]:
    """Load the national division tree (or one province: ``province="32"``).

    Idempotent: a second run creates nothing. Rows set by a city's own
    imports (population, coordinates, communities) are left alone.
    """
    data_dir = Path(data_dir or settings.SHARED_DATA_DIR)
    rows: dict[str, RegionRow] = {r.code: r for r in nbs_rows(data_dir, province=province)}
    extract = data_dir / "lianyungang_regions.csv"
    if extract.exists() and (province is None or "3207".startswith(province[:4])):
        for r in city_extract_rows(extract):
            rows.setdefault(r.code, r)
    if history:
        for h in history_rows(province=province):
            current = rows.get(h.code)
            if current is not None:
                if current.level == RegionLevel.COUNTY and h.valid_to is None:
                    rows[h.code] = RegionRow(**{**current.__dict__, "valid_from": h.valid_from})
            elif h.valid_to is not None:
                rows[h.code] = h
    for code, name, valid_from, valid_to in LIANYUNGANG_ABOLISHED:
        if province is None or code.startswith(province):
            rows[code] = RegionRow(
                code,
                name,
                RegionLevel.COUNTY,
                "320700",
                SOURCE_HISTORY,
                valid_from=valid_from,
                valid_to=valid_to,
            )
    with transaction.atomic():
        return _upsert(list(rows.values()))


# --- communities (居委会 / 村委会), the level below towns, added by a city ---------

# Mainland China with a margin (WGS-84).
CHINA_BBOX = (3.5, 54.0, 73.0, 136.0)  # lat min, lat max, lon min, lon max


@dataclass
class RowError:
    row: int  # 1-based data row number (the header is row 0)
    field: str
    message: str


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def _parse_float(value: str) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


_TRUE = {"1", "true", "yes", "y", "是", "t"}
_FALSE = {"0", "false", "no", "n", "否", "f", ""}


def communities_import(*, rows: Iterable[dict], dry_run: bool = False) -> ImportReport:
    """Import communities/villages (code(12), name, town_code, population, latitude,
    longitude, is_urban). Every row is checked; if any row is wrong nothing is
    saved and the report lists each problem by row and column."""
    report = ImportReport(dry_run=dry_run)
    towns = {
        r.code: r for r in Region.objects.filter(level=RegionLevel.TOWN).only("code", "prefix")
    }
    existing = {r.code: r for r in Region.objects.filter(level=RegionLevel.COMMUNITY)}
    seen: set[str] = set()
    valid: list[tuple[dict, Region | None]] = []
    lat_min, lat_max, lon_min, lon_max = CHINA_BBOX
    for number, raw in enumerate(rows, start=1):
        row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        errors: list[RowError] = []

        def fail(column: str, message: str, number=number, errors=errors) -> None:
            errors.append(RowError(number, column, message))

        code, town_code = row.get("code", ""), row.get("town_code", "")
        if not (code.isdigit() and len(code) == 12):
            fail("code", _("The community code must have exactly 12 digits."))
        elif code in seen:
            fail("code", _("This code appears twice in the file. Keep one of the rows."))
        if town_code not in towns:
            fail(
                "town_code",
                _(
                    "No town or street has the code %(code)s. Load the regions first or correct the code."
                )
                % {"code": town_code or "-"},
            )
        elif code.isdigit() and len(code) == 12 and not code.startswith(town_code):
            fail(
                "code",
                _("The community code must begin with its town's code %(town)s.")
                % {"town": town_code},
            )
        if not row.get("name"):
            fail("name", _("Enter the community's name."))
        elif len(row["name"]) > 100:
            fail("name", _("The name is too long: use at most 100 characters."))
        population = row.get("population", "")
        if population and not (population.isdigit() and int(population) <= 2_000_000):
            fail("population", _("The population must be a whole number of people."))
        lat, lon = _parse_float(row.get("latitude", "")), _parse_float(row.get("longitude", ""))
        if row.get("latitude") or row.get("longitude"):
            if lat is None or lon is None:
                fail("latitude", _("Enter latitude and longitude as decimal degrees (WGS-84)."))
            elif not (lat_min <= lat <= lat_max and lon_min <= lon <= lon_max):
                fail(
                    "latitude",
                    _(
                        "The coordinates lie outside China. Check that latitude and longitude are not swapped."
                    ),
                )
        urban = row.get("is_urban", "").lower()
        if urban not in _TRUE | _FALSE:
            fail("is_urban", _("Write 1 for an urban community or 0 for a village."))
        if errors:
            report.errors.extend(errors)
            continue
        seen.add(code)
        valid.append(
            (
                {
                    "code": code,
                    "prefix": code[: PREFIX_LENGTH[RegionLevel.COMMUNITY]],
                    "name": row["name"],
                    "level": RegionLevel.COMMUNITY,
                    "parent_id": town_code,
                    "population": int(population) if population else None,
                    "latitude": lat,
                    "longitude": lon,
                    "is_urban": urban in _TRUE,
                    "is_statistical": is_statistical_code(code),
                },
                existing.get(code),
            )
        )
    if report.errors or dry_run:
        if not report.errors:
            report.created = sum(1 for _v, old in valid if old is None)
            report.updated = len(valid) - report.created
        return report
    fields = [
        "prefix",
        "name",
        "level",
        "parent_id",
        "population",
        "latitude",
        "longitude",
        "is_urban",
        "is_statistical",
    ]
    new = [Region(source="community import", **v) for v, old in valid if old is None]
    changed = []
    for values, old in valid:
        if old is not None:
            for k in fields:
                setattr(old, k, values[k])
            changed.append(old)
    with transaction.atomic():
        Region.objects.bulk_create(new, batch_size=2000)
        Region.objects.bulk_update(changed, fields, batch_size=2000)
    report.created, report.updated = len(new), len(changed)
    return report


def communities_import_csv(*, path: Path, dry_run: bool = False) -> ImportReport:
    import csv

    with Path(path).open(encoding="utf-8-sig", newline="") as fh:
        return communities_import(rows=list(csv.DictReader(fh)), dry_run=dry_run)
