"""The 15-minute circle's map, drawn from what the platform holds: GeoJSON of the service points,
the communities coloured by their travel time (the current coverage run), the towns' areas (the
hull of their communities' points — the platform holds no boundaries), the imported road
network within the view, the city's own raster tiles, and “the nearest point to me”."""

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control

from minsheng.access.decorators import public
from minsheng.regions.models import Region, RegionLevel

from ..forms import NearestForm
from ..models import MapTileLayer, RoadEdge, ServicePoint
from ..selectors.coverage import coverage_current, coverage_rows
from ..selectors.nearest import nearest_point
from ..services.coverage import active_network

MAX_ROAD_SPAN_DEG = 0.25  # a view larger than this gets no roads (too many to draw usefully)
MAX_EDGES = 20_000


def _colour(minutes, threshold) -> str:
    if minutes is None:
        return "#8c959f"
    share = minutes / max(1, threshold)
    return "#1a7f37" if share <= 0.5 else "#7ab648" if share <= 1 else "#d4a72c" if share <= 1.5 else "#cf222e"


def _hull(coords: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Convex hull (Andrew's monotone chain) of (lon, lat) pairs, closed."""
    pts = sorted(set(coords))
    if len(pts) < 3:
        return []

    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower, upper = [], []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    ring = lower[:-1] + upper[:-1]
    return [*ring, ring[0]]


def _feature(geometry: dict, **properties) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


@public
@cache_control(max_age=300, public=True)
def layers(request):
    """Service points, communities (with their travel time) and towns' areas as GeoJSON."""
    run = coverage_current()
    rows = {r.community_id: r for r in coverage_rows(run=run)} if run else {}
    points = [
        _feature({"type": "Point", "coordinates": [p.longitude, p.latitude]}, kind="point", name=p.name,
                 address=p.address, url=reverse("service_halls:point", args=[p.pk]))
        for p in ServicePoint.objects.filter(is_active=True, latitude__isnull=False, longitude__isnull=False)
    ]
    communities, by_town = [], {}
    for code, name, lat, lon, parent in Region.objects.filter(
        level=RegionLevel.COMMUNITY, valid_to__isnull=True, latitude__isnull=False, longitude__isnull=False,
    ).values_list("code", "name", "latitude", "longitude", "parent_id"):
        row = rows.get(code)
        minutes = round(row.minutes, 1) if row and row.minutes is not None else None
        communities.append(_feature(
            {"type": "Point", "coordinates": [lon, lat]}, kind="community", code=code, name=name, minutes=minutes,
            covered=bool(row and row.covered), colour=_colour(minutes, row.threshold_min if row else 15),
            method=row.get_method_display() if row else ""))
        by_town.setdefault(parent, []).append((lon, lat))
    names = dict(Region.objects.filter(code__in=list(by_town)).values_list("code", "name"))
    areas = [
        _feature({"type": "Polygon", "coordinates": [[list(c) for c in ring]]}, kind="town", code=code,
                 name=names.get(code, code))
        for code, coords in by_town.items() if (ring := _hull(coords))
    ]
    return JsonResponse({"type": "FeatureCollection", "features": areas + communities + points})


@public
@cache_control(max_age=3600, public=True)
def roads(request):
    """The imported road network's edges inside ``?bbox=west,south,east,north`` as GeoJSON lines."""
    try:
        west, south, east, north = (float(v) for v in request.GET.get("bbox", "").split(","))
    except ValueError:
        return JsonResponse({"code": "invalid", "message": _("Give bbox=west,south,east,north in degrees.")},
                            status=400)
    network = active_network()
    lines = []
    if network is not None and 0 < east - west <= MAX_ROAD_SPAN_DEG and 0 < north - south <= MAX_ROAD_SPAN_DEG:
        edges = RoadEdge.objects.filter(
            network=network, source__latitude__range=(south, north), source__longitude__range=(west, east),
        ).values_list("source__longitude", "source__latitude", "target__longitude", "target__latitude",
                      "walkable")[:MAX_EDGES]
        lines = [_feature({"type": "LineString", "coordinates": [[x1, y1], [x2, y2]]}, walkable=walkable)
                 for x1, y1, x2, y2, walkable in edges]
    return JsonResponse({"type": "FeatureCollection", "features": lines})


@public
@cache_control(max_age=86400, public=True)
def tile(request, name: str, z: int, x: int, y: int, ext: str):
    layer = MapTileLayer.objects.filter(name=name, is_active=True).first()
    if layer is None or ext != layer.extension or not layer.min_zoom <= z <= layer.max_zoom:
        raise Http404
    path = layer.tile_path(z, x, y)
    if not default_storage.exists(path):
        raise Http404
    content_type = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}[layer.extension]
    return FileResponse(default_storage.open(path, "rb"), content_type=content_type)


def _float(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


@public
def nearest(request):
    """The nearest service point to a chosen community (a form, works without JavaScript) or to the
    browser's position (``lat``/``lon``, sent by the map's “use my location”; ``format=json``)."""
    form = NearestForm(request.GET or None)
    lat, lon, place = _float(request.GET.get("lat")), _float(request.GET.get("lon")), None
    if form.is_valid():
        community = form.cleaned_data["community"]
        lat, lon, place = community.latitude, community.longitude, community.name
    elif lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180:
        place = _("your location")
    else:
        lat = lon = None
    found = nearest_point(lat=lat, lon=lon) if lat is not None else None
    if request.GET.get("format") == "json":
        if found is None:
            return JsonResponse({"code": "not_found", "message": _("No service point could be found.")}, status=404)
        return JsonResponse({
            "name": found.point.name, "address": found.point.address,
            "url": reverse("service_halls:point", args=[found.point.pk]),
            "lat": found.point.latitude, "lon": found.point.longitude,
            "distance_m": round(found.distance_m), "straight_m": round(found.straight_m),
            "minutes": round(found.minutes, 1), "by_road": found.by_road, "reason": found.reason,
        })
    return render(request, "service_halls/nearest.html", {"form": form, "found": found, "place": place,
                                                          "map": map_settings()})


def map_settings() -> dict:
    """What the map script needs: where its layers come from and the city's own tiles, if any."""
    layer = MapTileLayer.objects.filter(is_active=True).order_by("-created_at").first()
    return {
        "layers": reverse("service_halls:map_layers"),
        "roads": reverse("service_halls:map_roads"),
        "nearest": reverse("service_halls:nearest"),
        "tiles": reverse("service_halls:map_tile", args=[layer.name, 0, 0, 0, layer.extension])
        .replace("/0/0/0.", "/{z}/{x}/{y}.") if layer else "",
        "tiles_title": layer.title if layer else "",
        "tiles_attribution": layer.attribution if layer else "",
        "min_zoom": layer.min_zoom if layer else 0,
        "max_zoom": layer.max_zoom if layer else 18,
        "labels": {
            "base": _("Roads (OpenStreetMap import)"), "communities": _("Communities by travel time"),
            "points": _("Service points"), "towns": _("Towns (hull of their communities)"),
            "nearest": _("Nearest service point"), "you": _("You are here"),
            "minutes": _("min"), "by_road": _("along the roads"), "open": _("Open"),
            "locating": _("Finding your position…"), "denied": _("Your position is not available. Choose your community instead."),
            # Leaflet's own controls speak English; the page gives them the reader's words.
            "zoom_in": _("Zoom in"), "zoom_out": _("Zoom out"), "layers": _("Map layers"),
            "attribution": _("Map drawn from the platform's own data"),
        },
    }
