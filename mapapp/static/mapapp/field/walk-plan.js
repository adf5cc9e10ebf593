/* Planning a walk: draw the route by clicking on the map. The route goes to the form as a GeoJSON
 * LineString in WGS 84 (lon, lat) in the hidden field; Leaflet itself works in (lat, lon). */
(function () {
  "use strict";
  var el = document.getElementById("route-map");
  if (!el) { return; }
  var input = document.getElementById("id_route_geojson");
  var followUp = document.getElementById("id_follow_up_of");
  var copyButton = document.getElementById("route-copy");
  var lengthEl = document.getElementById("route-length");
  var earlierRoutes = JSON.parse(document.getElementById("earlier-routes").textContent || "{}");

  var map = Trygg.createMap(el);
  map.setView([59.52, 17.9], 13);
  var latlngs = [];
  var line = L.polyline([], { color: "#1f4e79", weight: 5 }).addTo(map);
  var vertices = L.layerGroup().addTo(map);

  function readInput() {
    latlngs = [];
    if (!input.value) { return; }
    try {
      var geo = JSON.parse(input.value);
      (geo.coordinates || []).forEach(function (c) { latlngs.push(L.latLng(c[1], c[0])); });
    } catch (e) { latlngs = []; }
  }

  function writeInput() {
    input.value = latlngs.length >= 2 ? JSON.stringify({
      type: "LineString",
      coordinates: latlngs.map(function (ll) { return [round(ll.lng), round(ll.lat)]; })
    }) : "";
  }

  function round(v) { return Math.round(v * 1e7) / 1e7; }

  function draw() {
    line.setLatLngs(latlngs);
    vertices.clearLayers();
    latlngs.forEach(function (ll, i) {
      L.circleMarker(ll, { radius: i === 0 ? 7 : 5, color: "#1f4e79", fillColor: i === 0 ? "#2e7d32" : "#fff", fillOpacity: 1, weight: 2 }).addTo(vertices);
    });
    var metres = 0;
    for (var i = 1; i < latlngs.length; i++) { metres += map.distance(latlngs[i - 1], latlngs[i]); }
    lengthEl.textContent = latlngs.length >= 2 ? el.dataset.labelLength + ": " + Math.round(metres) + " m" : "";
    el.dataset.points = String(latlngs.length);
    writeInput();
  }

  map.on("click", function (e) { latlngs.push(e.latlng); draw(); });
  document.getElementById("route-undo").addEventListener("click", function () { latlngs.pop(); draw(); });
  document.getElementById("route-clear").addEventListener("click", function () { latlngs = []; draw(); });

  function updateCopyButton() {
    var route = followUp && earlierRoutes[followUp.value];
    copyButton.hidden = !route;
  }
  if (followUp) { followUp.addEventListener("change", function () {
    updateCopyButton();
    if (!latlngs.length && earlierRoutes[followUp.value]) { copyButton.click(); }
  }); }
  copyButton.addEventListener("click", function () {
    var route = earlierRoutes[followUp.value];
    if (!route) { return; }
    latlngs = route.coordinates.map(function (c) { return L.latLng(c[1], c[0]); });
    draw();
    map.fitBounds(line.getBounds(), { padding: [20, 20] });
  });

  readInput();
  draw();
  updateCopyButton();
  Trygg.fetchJSON(el.dataset.districtsUrl).then(function (fc) {
    var layer = L.geoJSON(fc, { style: { color: "#6b7b8c", weight: 2, fill: false }, interactive: false }).addTo(map);
    layer.bringToBack();
    if (latlngs.length >= 2) { map.fitBounds(line.getBounds(), { padding: [20, 20] }); }
    else if (layer.getLayers().length) { map.fitBounds(layer.getBounds()); }
    el.dataset.ready = "true";
  }).catch(function () { el.dataset.ready = "true"; });
})();
