"""The 15-minute service circle: who lives within the threshold of a service point,
and where new points would cover the most people left out.

Travel time is computed over the active road network when one is loaded
(communities and points snapped to the nearest road node), and as
straight-line distance × a detour factor otherwise — such rows are labelled
"estimate". Coverage is per community/village (its population and centre),
not per household.
"""

import math
import time
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from ..models import (
    CommunityCoverage,
    CoverageRun,
    CoverageSettings,
    Method,
    Mode,
    RoadEdge,
    RoadNetwork,
    RoadNode,
    ServicePoint,
)
from .travel import GridIndex, RoadGraph, multi_source_dijkstra


@dataclass
class Place:
    key: int | str
    lat: float
    lon: float
    population: int = 0
    is_urban: bool = False


@dataclass
class Result:
    key: int | str
    mode: str
    method: str
    threshold: int
    distance_m: float | None
    minutes: float | None
    elderly_minutes: float | None
    nearest: int | str | None
    covered: bool
    population: int = 0
    is_urban: bool = False


@dataclass
class Params:
    urban_mode: str = Mode.WALK
    rural_mode: str = Mode.BIKE
    urban_threshold_min: int = 15
    rural_threshold_min: int = 15
    walk_kmh: float = 4.5
    elderly_walk_kmh: float = 3.0
    bike_kmh: float = 12.0
    drive_kmh: float = 30.0
    detour_factor: float = 1.3
    max_snap_m: float = 1500.0
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_settings(cls, s: CoverageSettings) -> "Params":
        return cls(**{f: getattr(s, f) for f in cls.__dataclass_fields__ if f != "extra"})

    def speed_mpm(self, mode: str) -> float:
        kmh = {Mode.WALK: self.walk_kmh, Mode.BIKE: self.bike_kmh, Mode.DRIVE: self.drive_kmh}[mode]
        return kmh * 1000 / 60

    def mode_for(self, is_urban: bool) -> str:
        return self.urban_mode if is_urban else self.rural_mode

    def threshold_for(self, is_urban: bool) -> int:
        return self.urban_threshold_min if is_urban else self.rural_threshold_min

    def snapshot(self) -> dict:
        return {f: getattr(self, f) for f in self.__dataclass_fields__ if f != "extra"}


def compute(
    *, points: list[Place], communities: list[Place], params: Params, graph: RoadGraph | None = None
) -> list[Result]:
    """Travel time from every community to its nearest point, in its own mode."""
    point_index = GridIndex([(p.lat, p.lon) for p in points], cell_deg=0.02)
    modes = {params.mode_for(c.is_urban) for c in communities}
    # Network distances from all points at once, per adjacency (walk/bike share one).
    network: dict[str, tuple[dict, dict]] = {}
    off_network: list[int] = list(range(len(points)))
    if graph is not None and graph.coords:
        seeds: dict[int, tuple[float, int]] = {}
        off_network = []
        for i, p in enumerate(points):
            node, d = graph.snap(p.lat, p.lon, params.max_snap_m)
            if node is None:
                off_network.append(i)
            elif node not in seeds or d < seeds[node][0]:
                seeds[node] = (d, i)
        for adj_name in {"drive" if m == Mode.DRIVE else "walk" for m in modes}:
            adj = graph.drive_rev if adj_name == "drive" else graph.walk
            network[adj_name] = multi_source_dijkstra(adj, seeds) if seeds else ({}, {})
    off_index = (
        point_index
        if len(off_network) == len(points)
        else GridIndex([(points[i].lat, points[i].lon) for i in off_network], cell_deg=0.02)
    )
    results = []
    for c in communities:
        mode = params.mode_for(c.is_urban)
        threshold = params.threshold_for(c.is_urban)
        speed = params.speed_mpm(mode)
        best_d, best_point, method = math.inf, None, Method.ESTIMATE
        if network:
            dist, origin = network["drive" if mode == Mode.DRIVE else "walk"]
            node, snap_d = graph.snap(c.lat, c.lon, params.max_snap_m)
            if node is not None and node in dist:
                best_d, best_point, method = snap_d + dist[node], origin[node], Method.NETWORK
        # Points not on the network (or no network): straight line × detour factor.
        j, straight = off_index.nearest(c.lat, c.lon)
        if j is not None:
            est = straight * params.detour_factor
            if est < best_d:
                best_d = est
                best_point = off_network[j] if off_index is not point_index else j
                method = Method.ESTIMATE
        if best_point is None:
            results.append(Result(c.key, mode, Method.ESTIMATE, threshold, None, None, None, None,
                                  False, c.population, c.is_urban))
            continue
        minutes = best_d / speed
        elderly = best_d / (params.elderly_walk_kmh * 1000 / 60) if mode == Mode.WALK else None
        results.append(
            Result(c.key, mode, method, threshold, best_d, minutes, elderly, points[best_point].key,
                   minutes <= threshold, c.population, c.is_urban)
        )
    return results


def recommend(
    *, uncovered: list[Place], candidates: list[Place], params: Params, k: int,
    graph: RoadGraph | None = None,
) -> list[dict]:
    """Maximal covering location, greedily: pick the candidate covering the most
    still-uncovered population, k times. Greedy is within (1 − 1/e) of the
    optimum for this problem and is what we use; it says so on the page."""
    covers: list[set[int]] = []
    max_thr = max((params.threshold_for(u.is_urban) * params.speed_mpm(params.mode_for(u.is_urban))
                   for u in uncovered), default=0)
    u_index = GridIndex([(u.lat, u.lon) for u in uncovered], cell_deg=0.02)
    u_nodes: list[tuple[int | None, float]] = []
    if graph is not None and graph.coords:
        u_nodes = [graph.snap(u.lat, u.lon, params.max_snap_m) for u in uncovered]
    for cand in candidates:
        reach: set[int] = set()
        network_dist = {}
        if u_nodes:
            node, snap_d = graph.snap(cand.lat, cand.lon, params.max_snap_m)
            if node is not None:
                for adj_name in {"drive" if params.mode_for(u.is_urban) == Mode.DRIVE else "walk"
                                 for u in uncovered}:
                    adj = graph.drive_rev if adj_name == "drive" else graph.walk
                    network_dist[adj_name] = multi_source_dijkstra(adj, {node: (snap_d, 0)}, limit=max_thr)[0]
        for i, straight in u_index.within(cand.lat, cand.lon, max_thr):
            u = uncovered[i]
            mode = params.mode_for(u.is_urban)
            limit = params.threshold_for(u.is_urban) * params.speed_mpm(mode)
            d = straight * params.detour_factor
            if network_dist and u_nodes[i][0] is not None:
                nd = network_dist["drive" if mode == Mode.DRIVE else "walk"].get(u_nodes[i][0])
                if nd is not None:
                    d = nd + u_nodes[i][1]
            if d <= limit:
                reach.add(i)
        covers.append(reach)
    remaining = set(range(len(uncovered)))
    picks = []
    for _round in range(k):
        best, best_gain = None, 0
        for j, reach in enumerate(covers):
            gain = sum(uncovered[i].population for i in reach & remaining)
            if gain > best_gain:
                best, best_gain = j, gain
        if best is None:
            break
        newly = covers[best] & remaining
        remaining -= newly
        cand = candidates[best]
        picks.append({
            "key": cand.key, "latitude": cand.lat, "longitude": cand.lon,
            "added_population": best_gain, "added_communities": len(newly),
            "communities": sorted(str(uncovered[i].key) for i in newly),
        })
    return picks


# --- database side ------------------------------------------------------------
def load_graph(network: RoadNetwork) -> RoadGraph:
    nodes = list(RoadNode.objects.filter(network=network).values_list("id", "latitude", "longitude"))
    index = {pk: i for i, (pk, _la, _lo) in enumerate(nodes)}
    graph = RoadGraph([(la, lo) for _pk, la, lo in nodes])
    for s, t, length, oneway, walkable in RoadEdge.objects.filter(network=network).values_list(
        "source_id", "target_id", "length_m", "oneway", "walkable"
    ).iterator(chunk_size=5000):
        graph.add_edge(index[s], index[t], length, oneway=oneway, walkable=walkable)
    return graph


def active_network() -> RoadNetwork | None:
    return RoadNetwork.objects.filter(is_active=True).order_by("-created_at").first()


def community_places() -> list[Place]:
    from minsheng.regions.models import Region, RegionLevel

    rows = Region.objects.filter(
        level=RegionLevel.COMMUNITY, valid_to__isnull=True,
        latitude__isnull=False, longitude__isnull=False,
    ).values_list("code", "latitude", "longitude", "population", "is_urban")
    return [Place(code, la, lo, pop or 0, urban) for code, la, lo, pop, urban in rows]


def point_places() -> list[Place]:
    rows = ServicePoint.objects.filter(
        is_active=True, latitude__isnull=False, longitude__isnull=False
    ).values_list("id", "latitude", "longitude")
    return [Place(pk, la, lo) for pk, la, lo in rows]


def coverage_recompute(*, trigger: str = "") -> CoverageRun:
    """Compute the circle for the whole city and store it as the current run."""
    started = time.perf_counter()
    params = Params.from_settings(CoverageSettings.current())
    network = active_network()
    graph = load_graph(network) if network else None
    communities = community_places()
    results = compute(points=point_places(), communities=communities, params=params, graph=graph)
    with transaction.atomic():
        run = CoverageRun.objects.create(
            trigger=trigger[:100], network=network, settings_snapshot=params.snapshot()
        )
        CommunityCoverage.objects.bulk_create(
            [
                CommunityCoverage(
                    run=run, community_id=r.key, population=r.population, is_urban=r.is_urban,
                    mode=r.mode, method=r.method, nearest_point_id=r.nearest,
                    distance_m=r.distance_m, minutes=r.minutes, elderly_minutes=r.elderly_minutes,
                    threshold_min=r.threshold, covered=r.covered,
                )
                for r in results
            ],
            batch_size=2000,
        )
        run.population = sum(r.population for r in results)
        run.covered_population = sum(r.population for r in results if r.covered)
        run.communities = len(results)
        run.covered_communities = sum(1 for r in results if r.covered)
        run.finished_at = timezone.now()
        run.seconds = time.perf_counter() - started
        run.save(update_fields=["population", "covered_population", "communities",
                                "covered_communities", "finished_at", "seconds"])
        # Keep the last few runs only: each holds one row per community.
        old = CoverageRun.objects.order_by("-id").values_list("id", flat=True)[5:]
        CoverageRun.objects.filter(id__in=list(old)).delete()
    return run


def recommend_for_run(*, run: CoverageRun, k: int, candidates: list[Place] | None = None) -> list[dict]:
    """k new points for the population ``run`` left uncovered; candidates default
    to the centres of the uncovered communities."""
    from minsheng.regions.models import Region

    rows = list(run.rows.filter(covered=False).values_list("community_id", "population", "is_urban"))
    centres = {
        r.code: r for r in Region.objects.filter(code__in=[c for c, _p, _u in rows])
        .only("code", "name", "latitude", "longitude")
    }
    uncovered = [
        Place(code, centres[code].latitude, centres[code].longitude, pop, urban)
        for code, pop, urban in rows
        if code in centres and centres[code].latitude is not None
    ]
    if candidates is None:
        candidates = [Place(u.key, u.lat, u.lon) for u in uncovered]
    params = Params(**run.settings_snapshot) if run.settings_snapshot else Params.from_settings(
        CoverageSettings.current()
    )
    graph = load_graph(run.network) if run.network_id else None
    picks = recommend(uncovered=uncovered, candidates=candidates, params=params, k=k, graph=graph)
    total = run.population or 1
    cumulative = run.covered_population
    for pick in picks:
        cumulative += pick["added_population"]
        pick["share_after"] = cumulative / total
        region = centres.get(pick["key"])
        pick["label"] = region.name if region else str(pick["key"])
    return picks
