"""The 15-minute circle on tiny hand-computed examples (no database needed)."""

import pytest

from ..services.coverage import Params, Place, compute, recommend
from ..services.travel import GridIndex, RoadGraph, haversine_m, multi_source_dijkstra

# Along a meridian one degree of latitude is ≈111,195 m; 0.009° ≈ 1,000.8 m.
DEG_M = haversine_m(34.0, 119.0, 35.0, 119.0)


def params(**kw):
    base = dict(urban_mode="walk", rural_mode="bike", urban_threshold_min=15, rural_threshold_min=15,
                walk_kmh=6.0, elderly_walk_kmh=3.0, bike_kmh=12.0, drive_kmh=30.0,
                detour_factor=1.5, max_snap_m=200.0)
    base.update(kw)
    return Params(**base)


def test_estimate_mode_uses_straight_line_times_detour():
    # walking 6 km/h = 100 m/min; 15 min = 1,500 m of route = 1,000 m straight at factor 1.5
    point = Place("P", 34.0, 119.0)
    near = Place("near", 34.0 + 900 / DEG_M, 119.0, population=100, is_urban=True)   # 900 m → 13.5 min
    far = Place("far", 34.0 + 1100 / DEG_M, 119.0, population=300, is_urban=True)    # 1,100 m → 16.5 min
    rows = {r.key: r for r in compute(points=[point], communities=[near, far], params=params())}
    assert rows["near"].minutes == pytest.approx(13.5, abs=0.01) and rows["near"].covered
    assert rows["far"].minutes == pytest.approx(16.5, abs=0.01) and not rows["far"].covered
    assert rows["near"].method == "estimate"
    # the elderly walk at 3 km/h: twice as long
    assert rows["near"].elderly_minutes == pytest.approx(27.0, abs=0.01)


def test_rural_villages_use_their_own_mode():
    point = Place("P", 34.0, 119.0)
    village = Place("v", 34.0 + 1500 / DEG_M, 119.0, population=50, is_urban=False)
    (row,) = compute(points=[point], communities=[village], params=params())
    # bike 12 km/h = 200 m/min; 1,500 m × 1.5 = 2,250 m → 11.25 min
    assert row.mode == "bike" and row.minutes == pytest.approx(11.25, abs=0.01) and row.covered


def _line_graph(n=5, spacing_m=500.0):
    """Nodes on a north-south line every ``spacing_m``; edges between neighbours."""
    coords = [(34.0 + i * spacing_m / DEG_M, 119.0) for i in range(n)]
    g = RoadGraph(coords)
    for i in range(n - 1):
        g.add_edge(i, i + 1, haversine_m(*coords[i], *coords[i + 1]))
    return g, coords


def test_network_mode_follows_the_roads():
    g, coords = _line_graph()
    # A long detour: the direct link from node 0 to 4 does not exist, but add a
    # winding road making the graph distance longer than straight-line × 1.5 would say.
    point = Place("P", *coords[0])
    c = Place("c", *coords[4], population=10, is_urban=True)   # 2,000 m along the road
    (row,) = compute(points=[point], communities=[c], params=params(detour_factor=1.0), graph=g)
    assert row.method == "network"
    assert row.distance_m == pytest.approx(2000, rel=1e-3)
    assert row.minutes == pytest.approx(20.0, rel=1e-3) and not row.covered


def test_one_way_street_counts_for_driving_only():
    coords = [(34.0, 119.0), (34.0 + 1000 / DEG_M, 119.0)]
    g = RoadGraph(coords)
    g.add_edge(0, 1, 1000.0, oneway=True)  # traffic may go 0 → 1 only
    # distance *to* the point at node 1: from node 0 drivable, ...
    assert multi_source_dijkstra(g.drive_rev, {1: (0.0, 0)})[0] == {1: 0.0, 0: 1000.0}
    # ... to a point at node 0 from node 1: not by car, but on foot
    assert multi_source_dijkstra(g.drive_rev, {0: (0.0, 0)})[0] == {0: 0.0}
    assert multi_source_dijkstra(g.walk, {0: (0.0, 0)})[0] == {0: 0.0, 1: 1000.0}


def test_community_off_the_network_falls_back_to_an_estimate():
    g, coords = _line_graph()
    point = Place("P", *coords[0])
    lonely = Place("x", 34.0, 119.05, population=5, is_urban=True)  # ~4.6 km east, far from any node
    (row,) = compute(points=[point], communities=[lonely], params=params(), graph=g)
    assert row.method == "estimate"


def test_greedy_mclp_picks_the_site_covering_most_people_first():
    p = params(detour_factor=1.0)  # walking 100 m/min, 1,500 m in 15 minutes
    west = [Place(f"w{i}", 34.0, 119.0 + i * 0.001, population=100, is_urban=True) for i in range(3)]
    east = [Place("e0", 34.0, 119.2, population=250, is_urban=True)]
    candidates = [Place("W", 34.0, 119.001), Place("E", 34.0, 119.2), Place("nowhere", 35.0, 118.0)]
    picks = recommend(uncovered=west + east, candidates=candidates, params=p, k=3)
    assert [(x["key"], x["added_population"]) for x in picks] == [("W", 300), ("E", 250)]
    assert picks[0]["added_communities"] == 3


def test_grid_index_finds_the_true_nearest():
    coords = [(34.0 + i * 0.013, 119.0 + (i % 7) * 0.011) for i in range(60)]
    index = GridIndex(coords, cell_deg=0.01)
    for q in [(34.05, 119.03), (34.4, 119.07), (33.9, 118.9)]:
        i, d = index.nearest(*q)
        assert d == pytest.approx(min(haversine_m(*q, *c) for c in coords))
