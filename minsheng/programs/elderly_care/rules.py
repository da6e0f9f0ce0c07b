"""Verification and anomaly rules as pure functions (no database).

The bulk detector in anomalies.py applies the same thresholds in SQL or in
one pass over sorted rows; these are the definitions the tests pin down.
"""

import math
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from PIL import Image

EARTH_RADIUS_M = 6_371_008.8  # mean radius, WGS-84 ellipsoid
SHORT_VISIT_RATIO = 0.8  # a visit under 80 % of the planned minutes is flagged
PHOTO_HAMMING_MAX = 6  # dHash bits that may differ for "the same photo"


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two WGS-84 points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def outside_geofence(distance_m: float | None, radius_m: float) -> bool:
    return distance_m is not None and distance_m > radius_m


def too_short(
    *, served_minutes: float, planned_minutes: float, ratio: float = SHORT_VISIT_RATIO
) -> bool:
    return served_minutes < planned_minutes * ratio


def intervals_overlap(
    a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime
) -> bool:
    """Half-open intervals [start, end) share time (touching ends do not count)."""
    return a_start < b_end and b_start < a_end


def overlapping_pairs(visits: Iterable[tuple]) -> list[tuple]:
    """(id_a, id_b) for visits of one caregiver that overlap, from (id, start, end) tuples.

    One sweep over the visits sorted by start: each visit is compared with the
    ones still running, so it is O(n log n + overlaps), not O(n²).
    """
    pairs = []
    running: list[tuple] = []
    for vid, start, end in sorted(visits, key=lambda v: (v[1], v[0])):
        running = [r for r in running if r[2] > start]
        pairs.extend((r[0], vid) for r in running)
        running.append((vid, start, end))
    return pairs


def dhash(image: Image.Image, size: int = 8) -> str:
    """Difference hash: 64 bits, as 16 hex digits. Survives re-encoding and resizing."""
    gray = image.convert("L").resize((size + 1, size), Image.Resampling.LANCZOS)
    px = gray.tobytes()
    bits = 0
    for row in range(size):
        for col in range(size):
            left = px[row * (size + 1) + col]
            right = px[row * (size + 1) + col + 1]
            bits = (bits << 1) | (1 if left > right else 0)
    return f"{bits:016x}"


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def same_photo(a: str, b: str, threshold: int = PHOTO_HAMMING_MAX) -> bool:
    return bool(a and b) and hamming(a, b) <= threshold


def overdrawn(*, used: Decimal, entitled: Decimal) -> bool:
    return used > entitled


def visit_quantity(*, unit: str, minutes: int | None, planned_minutes: int) -> Decimal:
    """Billable quantity: hours (to the quarter, of the planned time at most) or one visit/meal."""
    if unit != "hour":
        return Decimal(1)
    served = min(minutes or 0, planned_minutes)
    quarters = served // 15
    return Decimal(quarters) / Decimal(4)
