"""Plain geometry and graph search for the 15-minute circle — no database here.

Distances in metres on WGS-84 coordinates. Shortest paths are a multi-source
Dijkstra with a binary heap (heapq) over an adjacency list: at the demo
city's size (tens of thousands of road nodes) it runs in well under a second,
so networkx/scipy are not needed. Nearest-node lookups use a uniform grid of
cells (~1 km), which serves the same purpose as a KD-tree here.
"""

import heapq
import math
from collections import defaultdict

EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


class GridIndex:
    """Nearest neighbour and radius queries over points, bucketed in square cells."""

    def __init__(self, coords: list[tuple[float, float]], cell_deg: float = 0.01) -> None:
        self.coords = coords
        self.cell = cell_deg
        self.buckets: dict[tuple[int, int], list[int]] = defaultdict(list)
        for i, (lat, lon) in enumerate(coords):
            self.buckets[self._key(lat, lon)].append(i)

    def _key(self, lat: float, lon: float) -> tuple[int, int]:
        return (math.floor(lat / self.cell), math.floor(lon / self.cell))

    def nearest(self, lat: float, lon: float, max_m: float = math.inf) -> tuple[int | None, float]:
        if not self.coords:
            return None, math.inf
        ky, kx = self._key(lat, lon)
        # One cell is at least this many metres wide at this latitude.
        cell_m = self.cell * 111_320 * max(0.2, math.cos(math.radians(lat)))
        best, best_d = None, math.inf
        ring = 0
        max_ring = int(max_m / cell_m) + 1 if max_m != math.inf else 10_000
        while ring <= max_ring:
            for dy in range(-ring, ring + 1):
                for dx in range(-ring, ring + 1):
                    if max(abs(dy), abs(dx)) != ring:
                        continue
                    for i in self.buckets.get((ky + dy, kx + dx), ()):
                        d = haversine_m(lat, lon, *self.coords[i])
                        if d < best_d:
                            best, best_d = i, d
            # Anything in ring r+1 or beyond is at least r cells away.
            if best is not None and best_d <= ring * cell_m:
                break
            if ring > 0 and ring * cell_m > max_m:
                break
            if ring > 2 * len(self.buckets) + 400:  # far outside the data
                break
            ring += 1
        if best_d > max_m:
            return None, math.inf
        return best, best_d

    def within(self, lat: float, lon: float, radius_m: float) -> list[tuple[int, float]]:
        ky, kx = self._key(lat, lon)
        cell_m = self.cell * 111_320 * max(0.2, math.cos(math.radians(lat)))
        r = int(radius_m / cell_m) + 1
        out = []
        for dy in range(-r, r + 1):
            for dx in range(-r, r + 1):
                for i in self.buckets.get((ky + dy, kx + dx), ()):
                    d = haversine_m(lat, lon, *self.coords[i])
                    if d <= radius_m:
                        out.append((i, d))
        return out


class RoadGraph:
    """Road nodes (index 0..n-1) with two adjacency lists: ``walk`` (walkable
    edges, both ways — used for walking and cycling) and ``drive_rev`` (every
    edge reversed, one-way streets respected — distances *to* a source)."""

    def __init__(self, coords: list[tuple[float, float]]) -> None:
        self.coords = coords
        self.walk: list[list[tuple[int, float]]] = [[] for _ in coords]
        self.drive_rev: list[list[tuple[int, float]]] = [[] for _ in coords]
        self.index = GridIndex(coords, cell_deg=0.01)

    def add_edge(self, u: int, v: int, length: float, *, oneway=False, walkable=True) -> None:
        if walkable:
            self.walk[u].append((v, length))
            self.walk[v].append((u, length))
        # Reversed graph: travelling u→v is allowed, so from v's view u reaches it.
        self.drive_rev[v].append((u, length))
        if not oneway:
            self.drive_rev[u].append((v, length))

    def snap(self, lat: float, lon: float, max_m: float) -> tuple[int | None, float]:
        return self.index.nearest(lat, lon, max_m=max_m)


def multi_source_dijkstra(
    adj: list[list[tuple[int, float]]],
    sources: dict[int, tuple[float, int]],
    limit: float = math.inf,
) -> tuple[dict[int, float], dict[int, int]]:
    """Shortest distance from the nearest source to every node within ``limit``.

    ``sources`` maps node → (starting distance, origin label); returns
    (distance by node, origin label by node)."""
    dist: dict[int, float] = {}
    origin: dict[int, int] = {}
    heap = [(d, node, label) for node, (d, label) in sources.items()]
    heapq.heapify(heap)
    while heap:
        d, u, label = heapq.heappop(heap)
        if u in dist:
            continue
        dist[u] = d
        origin[u] = label
        for v, w in adj[u]:
            nd = d + w
            if v not in dist and nd <= limit:
                heapq.heappush(heap, (nd, v, label))
    return dist, origin
