"""“Which service point is nearest to me?” — from a browser's position or a chosen community.

By the road network when one is loaded (OpenStreetMap import, ``services.road_networks``): the
place and every point are snapped to the nearest road node within the coverage settings'
``max_snap_m``, then a Dijkstra over the walkable roads from the place stops at the first
point's node it reaches. Otherwise, or when the place is too far from any road, or no point
can be reached on the roads held, the straight-line distance, and the answer says which
and why. The graph is read once per process and network (a city's roads are a few MB).
"""

import heapq
import math
from dataclasses import dataclass
from threading import Lock

from django.utils.translation import gettext as _

from ..models import CoverageSettings, RoadNetwork, ServicePoint
from ..services.coverage import active_network, load_graph
from ..services.travel import RoadGraph, haversine_m

MAX_ROAD_M = 50_000  # farther than any service point a walker would be sent to
_cache: dict[str, tuple] = {}
_lock = Lock()


@dataclass
class Nearest:
    point: ServicePoint
    distance_m: float  # along the roads, or the straight line
    straight_m: float
    minutes: float  # walking, at the coverage settings' speed
    by_road: bool
    reason: str  # why the straight line was used ("" when by road)


def _graph(network: RoadNetwork) -> RoadGraph:
    key = (network.pk, network.updated_at)
    with _lock:
        cached = _cache.get("graph")
        if cached is None or cached[0] != key:
            cached = (key, load_graph(network))
            _cache["graph"] = cached
        return cached[1]


def _walk(graph: RoadGraph, start: int, targets: dict[int, tuple[float, ServicePoint]]):
    """Dijkstra from ``start`` over walkable roads, stopping at the first target node reached."""
    dist: dict[int, float] = {}
    heap = [(0.0, start)]
    while heap:
        d, u = heapq.heappop(heap)
        if u in dist:
            continue
        dist[u] = d
        if u in targets:
            return u, d
        for v, w in graph.walk[u]:
            nd = d + w
            if v not in dist and nd <= MAX_ROAD_M:
                heapq.heappush(heap, (nd, v))
    return None, math.inf


def nearest_point(*, lat: float, lon: float) -> Nearest | None:
    """The active service point nearest to (lat, lon), or None when there is none with a position."""
    points = list(ServicePoint.objects.filter(is_active=True, latitude__isnull=False, longitude__isnull=False)
                  .select_related("region"))
    if not points:
        return None
    settings = CoverageSettings.current()
    speed = settings.walk_kmh * 1000 / 60
    straight = {p.pk: haversine_m(lat, lon, p.latitude, p.longitude) for p in points}
    closest = min(points, key=lambda p: straight[p.pk])

    def by_line(reason: str) -> Nearest:
        d = straight[closest.pk]
        return Nearest(closest, d, d, d * settings.detour_factor / speed, False, reason)

    network = active_network()
    if network is None:
        return by_line(_("No road network is loaded, so this is the straight-line distance."))
    graph = _graph(network)
    start, start_snap = graph.snap(lat, lon, settings.max_snap_m)
    if start is None:
        return by_line(_("This place is more than %(m)d m from the roads the platform holds, so this is the "
                         "straight-line distance.") % {"m": settings.max_snap_m})
    targets: dict[int, tuple[float, ServicePoint]] = {}
    for p in points:
        node, snap = graph.snap(p.latitude, p.longitude, settings.max_snap_m)
        if node is not None and (node not in targets or snap < targets[node][0]):
            targets[node] = (snap, p)
    node, along = _walk(graph, start, targets)
    if node is None:
        return by_line(_("No service point can be reached on the roads the platform holds, so this is the "
                         "straight-line distance."))
    snap, point = targets[node]
    d = start_snap + along + snap
    return Nearest(point, d, straight[point.pk], d / speed, True, "")
