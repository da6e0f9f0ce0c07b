"""Import a road network from an OpenStreetMap XML extract (.osm), offline.

Streams the file with ``xml.etree.ElementTree.iterparse``: nodes first, then
ways tagged ``highway``; consecutive way nodes become edges with their
great-circle length. Motorways are not walkable; ``oneway=yes`` counts for
driving. The new network becomes the active one.
"""

import xml.etree.ElementTree as ET

from django.db import transaction

from ..models import RoadEdge, RoadNetwork, RoadNode
from .travel import haversine_m

ROADS = {
    "motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link", "secondary",
    "secondary_link", "tertiary", "tertiary_link", "unclassified", "residential", "living_street",
    "service", "road", "track", "path", "footway", "cycleway", "pedestrian", "steps",
}
NOT_WALKABLE = {"motorway", "motorway_link"}


def road_network_import_osm(*, path, name: str) -> RoadNetwork:
    coords: dict[int, tuple[float, float]] = {}
    ways: list[tuple[list[int], bool, bool]] = []
    for _event, el in ET.iterparse(path, events=("end",)):
        if el.tag == "node":
            coords[int(el.get("id"))] = (float(el.get("lat")), float(el.get("lon")))
            el.clear()
        elif el.tag == "way":
            tags = {t.get("k"): t.get("v") for t in el.findall("tag")}
            highway = tags.get("highway")
            if highway in ROADS:
                refs = [int(nd.get("ref")) for nd in el.findall("nd")]
                oneway = tags.get("oneway") in ("yes", "1", "true") or highway in ("motorway",)
                ways.append((refs, oneway, highway not in NOT_WALKABLE))
            el.clear()
    used = sorted({r for refs, _o, _w in ways for r in refs if r in coords})
    with transaction.atomic():
        network = RoadNetwork.objects.create(name=name, source=str(path))
        nodes = RoadNode.objects.bulk_create(
            [RoadNode(network=network, osm_id=r, latitude=coords[r][0], longitude=coords[r][1]) for r in used],
            batch_size=5000,
        )
        by_osm = {n.osm_id: n for n in nodes}
        edges = []
        for refs, oneway, walkable in ways:
            refs = [r for r in refs if r in by_osm]
            for a, b in zip(refs, refs[1:], strict=False):
                if a == b:
                    continue
                length = haversine_m(*coords[a], *coords[b])
                edges.append(RoadEdge(network=network, source=by_osm[a], target=by_osm[b],
                                      length_m=length, oneway=oneway, walkable=walkable))
        RoadEdge.objects.bulk_create(edges, batch_size=5000)
        RoadNetwork.objects.exclude(pk=network.pk).update(is_active=False)
    return network
