// The 15-minute circle's map (Leaflet, vendored): a base drawn from the platform's own data —
// the imported road network within the view, and the city's own raster tiles when loaded —
// with the towns' areas, the communities coloured by travel time and the service points; and
// "use my location", which asks the server for the nearest point (by road when it can).
(function () {
  var node = document.querySelector("[data-map]");
  if (!node || !window.L) return;
  var cfg = JSON.parse(document.getElementById(node.getAttribute("data-map")).textContent);
  var t = cfg.labels;
  node.style.height = Math.max(320, Math.min(560, Math.round(window.innerHeight * 0.6))) + "px";
  var map = L.map(node, { zoomControl: false, attributionControl: false, preferCanvas: true });
  L.control.zoom({ zoomInTitle: t.zoom_in, zoomOutTitle: t.zoom_out }).addTo(map);
  L.control.attribution({ prefix: text(t.attribution) }).addTo(map);
  map.setView([34.6, 119.2], 10);

  var bases = {};
  var roads = L.geoJSON(null, {
    style: function (f) { return { color: f.properties.walkable ? "#6e7781" : "#bc4c00", weight: 1, opacity: 0.7 }; },
    interactive: false
  });
  var blank = L.layerGroup();
  bases[t.base] = blank;
  if (cfg.tiles) {
    bases[cfg.tiles_title] = L.tileLayer(cfg.tiles, {
      minZoom: cfg.min_zoom, maxNativeZoom: cfg.max_zoom, maxZoom: 19, attribution: cfg.tiles_attribution
    });
    bases[cfg.tiles_title].addTo(map);
  } else {
    blank.addTo(map);
  }
  roads.addTo(map);

  var towns = L.geoJSON(null, {
    style: { color: "#0b5cab", weight: 1, fillOpacity: 0.04, dashArray: "4 3" },
    onEachFeature: function (f, layer) { layer.bindTooltip(f.properties.name, { sticky: true }); }
  });
  var communities = L.layerGroup();
  var points = L.layerGroup();

  function text(s) { var d = document.createElement("div"); d.textContent = s; return d.innerHTML; }

  fetch(cfg.layers).then(function (r) { return r.json(); }).then(function (data) {
    var bounds = L.latLngBounds([]);
    data.features.forEach(function (f) {
      var p = f.properties;
      if (p.kind === "town") { towns.addData(f); return; }
      var ll = [f.geometry.coordinates[1], f.geometry.coordinates[0]];
      bounds.extend(ll);
      if (p.kind === "community") {
        L.circleMarker(ll, { radius: 4, color: p.colour, fillColor: p.colour, fillOpacity: 0.85, weight: 1 })
          .bindTooltip(text(p.name) + (p.minutes !== null ? " · " + p.minutes + " " + t.minutes : ""))
          .addTo(communities);
      } else {
        L.circleMarker(ll, { radius: 7, color: "#ffffff", fillColor: "#0b5cab", fillOpacity: 1, weight: 2 })
          .bindPopup("<strong>" + text(p.name) + "</strong><br>" + text(p.address || "") +
                     '<br><a href="' + p.url + '">' + text(t.open) + "</a>")
          .addTo(points);
      }
    });
    towns.addTo(map); communities.addTo(map); points.addTo(map);
    if (bounds.isValid()) map.fitBounds(bounds.pad(0.05), { maxZoom: 16 });
    var overlays = {};
    overlays[t.towns] = towns; overlays[t.communities] = communities; overlays[t.points] = points;
    overlays[t.base] = roads;
    var layers = L.control.layers(cfg.tiles ? bases : null, overlays, { collapsed: true }).addTo(map);
    var toggle = layers.getContainer().querySelector(".leaflet-control-layers-toggle");
    if (toggle) { toggle.title = t.layers; toggle.setAttribute("aria-label", t.layers); }
    node.setAttribute("data-loaded", "1");
  });

  // Roads only where one looks closely: the view's edges, fetched again when it moves.
  var pending = null;
  function loadRoads() {
    if (map.getZoom() < 13) { roads.clearLayers(); return; }
    var b = map.getBounds();
    var url = cfg.roads + "?bbox=" + [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) {
      return v.toFixed(4); }).join(",");
    if (pending) pending.abort();
    pending = new AbortController();
    fetch(url, { signal: pending.signal }).then(function (r) { return r.json(); }).then(function (data) {
      roads.clearLayers(); roads.addData(data);
    }).catch(function () {});
  }
  map.on("moveend", loadRoads);

  // Nearest point to the browser's position.
  var result = document.querySelector("[data-nearest-result]");
  var locate = document.querySelector("[data-locate]");
  var marks = L.layerGroup().addTo(map);
  if (locate && navigator.geolocation) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      result.textContent = t.locating;
      navigator.geolocation.getCurrentPosition(function (pos) {
        var lat = pos.coords.latitude, lon = pos.coords.longitude;
        fetch(cfg.nearest + "?format=json&lat=" + lat + "&lon=" + lon).then(function (r) { return r.json(); })
          .then(function (n) {
            marks.clearLayers();
            if (!n.name) { result.textContent = n.message || ""; return; }
            L.circleMarker([lat, lon], { radius: 6, color: "#cf222e", fillOpacity: 1 }).bindTooltip(t.you).addTo(marks);
            L.polyline([[lat, lon], [n.lat, n.lon]], { color: "#cf222e", dashArray: "6 4" }).addTo(marks);
            map.fitBounds(L.latLngBounds([[lat, lon], [n.lat, n.lon]]).pad(0.3));
            result.innerHTML = "<strong>" + text(t.nearest) + ":</strong> " + '<a href="' + n.url + '">' +
              text(n.name) + "</a> · " + n.distance_m + " m" + (n.by_road ? " (" + text(t.by_road) + ")" : "") +
              " · " + n.minutes + " " + text(t.minutes) + (n.reason ? '<br><small>' + text(n.reason) + "</small>" : "");
            result.setAttribute("data-found", "1");
          });
      }, function () { result.textContent = t.denied; }, { enableHighAccuracy: false, timeout: 10000 });
    });
  }
})();
