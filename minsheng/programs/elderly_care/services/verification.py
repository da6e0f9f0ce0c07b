"""What a visit's evidence must satisfy, as pure functions (no database): distance from
the home, duration, overlapping visits, photo reuse, and what a visit bills and draws.

The visit services use them one visit at a time; the bulk detector (anomalies.py)
applies the same thresholds in SQL or in one pass over sorted rows.
"""

import math
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from itertools import combinations

from django.conf import settings
from PIL import Image

EARTH_RADIUS_M = 6_371_008.8  # mean radius, WGS-84 ellipsoid
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


def short_visit_share() -> float:
    """The share of its planned minutes under which a visit is flagged as short
    (settings.ELDERLY_CARE_SHORT_VISIT_SHARE, 0.8 by default)."""
    return float(settings.ELDERLY_CARE_SHORT_VISIT_SHARE)


def too_short(*, served_minutes: float, planned_minutes: float, ratio: float | None = None) -> bool:
    share = short_visit_share() if ratio is None else ratio
    return served_minutes < planned_minutes * share


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


class PhotoIndex:
    """Earlier photos by dHash, for "is this photo within ``threshold`` bits of an earlier one".

    Multi-index hashing: the 64 bits are cut into four 16-bit segments. If two
    hashes differ in at most ``threshold`` bits, by the pigeonhole principle at least
    one segment differs in at most ``threshold // 4`` bits (≤ 1 for the default 6).
    So a lookup probes, per segment, the exact segment value and its neighbours
    within that radius (1 + 16 values) in a table keyed by segment value, and
    compares the full hashes found there. With hashes spread over 65,536 values per
    segment a lookup meets about 68 × n / 65,536 strangers (n distinct hashes in
    the index); ADR 0012 has the measured cost. Photos with the same full hash share
    one entry.
    """

    SEGMENTS = 4
    BITS = 16
    MASK = (1 << BITS) - 1

    def __init__(self, threshold: int = PHOTO_HAMMING_MAX) -> None:
        self.threshold = threshold
        self.by_hash: dict[int, list[tuple]] = {}
        self.tables: list[dict[int, list[int]]] = [{} for _ in range(self.SEGMENTS)]
        # Segment values within the radius: XOR masks with up to ``radius`` bits set.
        self._probes = [
            sum(1 << b for b in bits)
            for r in range(threshold // self.SEGMENTS + 1)
            for bits in combinations(range(self.BITS), r)
        ]

    def add(self, phash: str, item: tuple) -> None:
        """Index ``item`` (any tuple; ordered by the caller's "earlier") under ``phash``."""
        h = int(phash, 16)
        entries = self.by_hash.get(h)
        if entries is not None:
            entries.append(item)
            return
        self.by_hash[h] = [item]
        for s, table in enumerate(self.tables):
            table.setdefault((h >> (s * self.BITS)) & self.MASK, []).append(h)

    def freeze(self) -> None:
        """Sort each hash's items so that the earliest come first (call once, after adding)."""
        for entries in self.by_hash.values():
            entries.sort()

    def near(self, phash: str) -> list[tuple[int, list[tuple]]]:
        """(distance, items) for each indexed hash within the threshold of ``phash``;
        the items are sorted once ``freeze`` was called."""
        h, limit = int(phash, 16), self.threshold
        found: set[int] = set()
        for s, table in enumerate(self.tables):
            seg = (h >> (s * self.BITS)) & self.MASK
            for flip in self._probes:
                bucket = table.get(seg ^ flip)
                if bucket:
                    found.update(o for o in bucket if (h ^ o).bit_count() <= limit)
        return [((h ^ o).bit_count(), self.by_hash[o]) for o in found]


def overdrawn(*, used: Decimal, entitled: Decimal) -> bool:
    return used > entitled


def minutes_drawn(*, unit: str, quantity: Decimal, planned_minutes: int) -> Decimal:
    """Minutes of service a visit draws from an hours entitlement.

    Hourly items draw their billable hours (the quantity, in quarter hours).
    Items priced per visit or per meal have no billable hours: they draw the
    visit's planned time (a delivered meal, 20 minutes, draws 20 minutes — not
    an hour per meal). Counted in minutes so that sums stay exact.
    """
    if unit == "hour":
        return Decimal(quantity) * 60
    return Decimal(planned_minutes)


def visit_quantity(*, unit: str, minutes: int | None, planned_minutes: int) -> Decimal:
    """Billable quantity: hours (to the quarter, of the planned time at most) or one visit/meal."""
    if unit != "hour":
        return Decimal(1)
    served = min(minutes or 0, planned_minutes)
    quarters = served // 15
    return Decimal(quarters) / Decimal(4)
