import pytest

from ..models import CommunityCoverage, RoadEdge, RoadNetwork
from ..services.coverage import coverage_recompute
from ..services.road_networks import road_network_import_osm
from . import factories as f

OSM = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6">
  <node id="1" lat="34.6000" lon="119.1800"/>
  <node id="2" lat="34.6090" lon="119.1800"/>
  <node id="3" lat="34.6180" lon="119.1800"/>
  <node id="9" lat="34.7000" lon="119.3000"/>
  <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="residential"/></way>
  <way id="11"><nd ref="3"/><nd ref="9"/><tag k="waterway" v="river"/></way>
  <way id="12"><nd ref="1"/><nd ref="3"/><tag k="highway" v="motorway"/><tag k="oneway" v="yes"/></way>
</osm>
"""


@pytest.mark.django_db
def test_osm_extract_becomes_the_network_used_for_coverage(tmp_path):
    path = tmp_path / "tiny.osm"
    path.write_text(OSM)
    old = RoadNetwork.objects.create(name="old")
    network = road_network_import_osm(path=path, name="tiny")
    assert network.nodes.count() == 3  # node 9 is only on a river
    assert RoadEdge.objects.filter(network=network).count() == 3
    motorway = RoadEdge.objects.get(network=network, oneway=True)
    assert motorway.walkable is False
    old.refresh_from_db()
    assert old.is_active is False

    town = f.town()
    f.region("320706001001", "community", parent=town, lat=34.618, lon=119.18, population=800, is_urban=True)
    f.point(lat=34.6, lon=119.18)
    coverage_recompute(trigger="test")
    row = CommunityCoverage.objects.get()
    assert row.method == "network"
    assert row.distance_m == pytest.approx(2001.5, rel=2e-3)  # two residential segments of ~1,000.8 m
    assert row.covered is False  # 2 km on foot at 4.5 km/h ≈ 26.7 min
