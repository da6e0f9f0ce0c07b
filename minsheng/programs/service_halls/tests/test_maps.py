"""The circle's map: GeoJSON of points, communities (coloured by travel time) and towns' areas,
the road network within a view, the city's own tiles loaded from a folder and served, and the
nearest point by road or, with the reason said, in a straight line."""

import io

import pytest
from django.core.management import call_command
from django.utils import translation
from PIL import Image

from ..models import MapTileLayer, RoadNetwork
from ..selectors import nearest as nearest_module
from ..selectors.nearest import nearest_point
from ..services.coverage import coverage_recompute
from ..services.road_networks import road_network_import_osm
from . import factories as f
from .test_road_networks import OSM

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_graph():
    nearest_module._cache.clear()


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):  # the reasons and refusals are asserted in their message ids
        yield


@pytest.fixture
def city(tmp_path):
    """A road north–south (34.600 → 34.618 at 119.18), a point at each end, three communities."""
    path = tmp_path / "tiny.osm"
    path.write_text(OSM)
    road_network_import_osm(path=path, name="tiny")
    town = f.town()
    f.region("320706001001", "community", parent=town, name="北村", lat=34.618, lon=119.18, population=800)
    f.region("320706001002", "community", parent=town, name="中村", lat=34.609, lon=119.181, population=500)
    f.region("320706001003", "community", parent=town, name="东村", lat=34.61, lon=119.2, population=300)
    south = f.point(name="南站", lat=34.6, lon=119.18)
    return town, south


def test_layers_are_geojson_of_points_communities_with_travel_time_and_town_areas(client, city):
    coverage_recompute(trigger="test")
    data = client.get("/p/service_halls/map/layers.geojson").json()
    kinds = [x["properties"]["kind"] for x in data["features"]]
    assert kinds.count("point") == 1 and kinds.count("community") == 3 and kinds.count("town") == 1
    north = next(x for x in data["features"] if x["properties"].get("name") == "北村")
    assert north["geometry"]["coordinates"] == [119.18, 34.618]
    assert north["properties"]["minutes"] == pytest.approx(10.0, abs=0.1)  # a village: 2 km by bicycle on the road
    assert north["properties"]["colour"] == "#7ab648"  # within the 15-minute threshold, beyond half of it
    town = next(x for x in data["features"] if x["properties"]["kind"] == "town")
    ring = town["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1] and len(ring) == 4  # the hull of three communities, closed


def test_roads_within_a_view_and_none_for_a_view_too_large_or_malformed(client, city):
    near = client.get("/p/service_halls/map/roads.geojson?bbox=119.17,34.59,119.19,34.62").json()
    assert len(near["features"]) == 3
    assert near["features"][0]["geometry"]["type"] == "LineString"
    assert client.get("/p/service_halls/map/roads.geojson?bbox=118,33,120,35").json()["features"] == []
    assert client.get("/p/service_halls/map/roads.geojson?bbox=x").status_code == 400


def test_nearest_follows_the_roads_and_says_when_it_uses_a_straight_line(city):
    _town, south = city
    north = f.point(name="北站", lat=34.618, lon=119.18)
    found = nearest_point(lat=34.614, lon=119.1801)  # by the road, nearer its northern end
    assert found.by_road and found.point == north and found.reason == ""
    assert found.distance_m == pytest.approx(445, abs=10)
    off_road = nearest_point(lat=34.6, lon=119.25)  # ~6.4 km east of any road
    assert not off_road.by_road and off_road.point == south and "m from the roads" in off_road.reason
    RoadNetwork.objects.update(is_active=False)
    nearest_module._cache.clear()
    no_roads = nearest_point(lat=34.6095, lon=119.1801)
    assert not no_roads.by_road and "No road network" in no_roads.reason


def test_nearest_by_choosing_a_community_and_by_position_as_json(client, city):
    page = client.get("/p/service_halls/nearest/?community=320706001001", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert 'data-test="nearest"' in html and "南站" in html and "along the roads" in html
    answer = client.get("/p/service_halls/nearest/?format=json&lat=34.6&lon=119.25").json()
    assert answer["name"] == "南站" and answer["by_road"] is False and answer["reason"]
    assert client.get("/p/service_halls/nearest/?community=999").status_code == 200  # the form says what is wrong


def _write_tiles(root, zooms=(10, 11)) -> dict:
    made = {}
    for z in zooms:
        for x, y in ((854, 410), (855, 410)):
            folder = root / str(z) / str(x)
            folder.mkdir(parents=True, exist_ok=True)
            buf = io.BytesIO()
            Image.new("RGB", (256, 256), (z * 10, x % 256, y % 256)).save(buf, format="PNG")
            (folder / f"{y}.png").write_bytes(buf.getvalue())
            made[(z, x, y)] = buf.getvalue()
    return made


def test_a_citys_own_tiles_are_loaded_into_storage_and_served(client, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    made = _write_tiles(tmp_path / "tiles")
    out = io.StringIO()
    call_command("service_halls_load_tiles", str(tmp_path / "tiles"), "--name", "lyg", "--title", "连云港底图",
                 "--attribution", "连云港市自然资源和规划局", stdout=out)
    layer = MapTileLayer.objects.get()
    assert (layer.tiles, layer.min_zoom, layer.max_zoom, layer.extension) == (4, 10, 11, "png")
    response = client.get("/p/service_halls/map/tiles/lyg/11/855/410.png")
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == made[(11, 855, 410)]
    assert client.get("/p/service_halls/map/tiles/lyg/12/855/410.png").status_code == 404  # beyond its zooms
    assert client.get("/p/service_halls/map/tiles/lyg/11/1/1.png").status_code == 404
    html = client.get("/p/service_halls/coverage/").content.decode()
    assert "/p/service_halls/map/tiles/lyg/{z}/{x}/{y}.png" in html  # offered to the map as a base layer


def test_loading_refuses_a_folder_without_tiles_or_with_a_fake_image(tmp_path, settings):
    from django.core.management.base import CommandError

    settings.MEDIA_ROOT = str(tmp_path / "media")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CommandError, match="No tiles"):
        call_command("service_halls_load_tiles", str(tmp_path / "empty"), "--name", "x")
    bad = tmp_path / "bad" / "3" / "1"
    bad.mkdir(parents=True)
    (bad / "2.png").write_bytes(b"not a png")
    with pytest.raises(CommandError, match="not a png image"):
        call_command("service_halls_load_tiles", str(tmp_path / "bad"), "--name", "x")
    assert not MapTileLayer.objects.exists()
