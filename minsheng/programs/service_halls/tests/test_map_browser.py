"""The map in a real browser at phone width: Leaflet draws the platform's layers, and “use my
location” shows the nearest point the server found along the roads."""

import os

import pytest

from ..selectors import nearest as nearest_module
from . import factories as f
from .test_browser import browser  # noqa: F401 — the Chromium fixture
from .test_road_networks import OSM

pytestmark = pytest.mark.browser
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.mark.django_db(transaction=True)
def test_map_draws_layers_and_finds_the_nearest_point_to_my_position(browser, live_server, tmp_path):  # noqa: F811
    from ..services.road_networks import road_network_import_osm

    nearest_module._cache.clear()
    path = tmp_path / "tiny.osm"
    path.write_text(OSM)
    road_network_import_osm(path=path, name="tiny")
    town = f.town()
    f.region("320706001001", "community", parent=town, name="北村", lat=34.618, lon=119.18, population=800)
    f.point(name="南站", lat=34.6, lon=119.18)
    f.point(name="北站", lat=34.618, lon=119.18)
    context = browser.new_context(locale="zh-CN", viewport={"width": 375, "height": 800},
                                  permissions=["geolocation"], geolocation={"latitude": 34.614, "longitude": 119.1801})
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server.url}/p/service_halls/coverage/")
    page.wait_for_selector("[data-map][data-loaded]", timeout=10000)
    assert not [e for e in errors if "Error" in e or "is not" in e]
    # two points and a community drawn on the canvas; at this zoom the view's roads are fetched and drawn
    assert page.evaluate("document.querySelectorAll('.leaflet-overlay-pane canvas').length") >= 1
    page.click("[data-test=locate]")
    page.wait_for_selector("[data-nearest-result][data-found]", timeout=10000)
    assert "北站" in page.inner_text("[data-test=nearest-result]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
