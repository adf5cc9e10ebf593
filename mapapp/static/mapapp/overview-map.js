/* The overview map at /: districts and NYKO areas as background, incidents as vector tiles (counts per
 * square when zoomed out, points when zoomed in) and walk observations on top; the Gi* hot spots of the
 * last twelve months as vector tiles, off until chosen in the layer list. Labels come translated
 * from the page. */
(function () {
  "use strict";
  var el = document.getElementById("map");
  var label = el.dataset;
  var map = Trygg.createMap(el);
  map.setView([59.52, 17.9], 12);
  map.createPane("hotspots").style.zIndex = 420;  // above the areas, below the incidents
  map.createPane("incidents").style.zIndex = 450;  // above the areas (overlay pane, 400)
  map.createPane("observations").style.zIndex = 650;  // above the incident tiles

  var feelingColors = { 1: "#b2182b", 2: "#ef8a62", 3: "#bdbdbd", 4: "#67a9cf", 5: "#2166ac" };

  var areas = Trygg.fetchJSON(el.dataset.areasUrl).then(function (fc) {
    return L.geoJSON(fc, {
      style: { color: "#6b7b8c", weight: 0.7, fillColor: "#f4f1ea", fillOpacity: 0.8 },
      onEachFeature: function (f, l) {
        l.bindTooltip(Trygg.escapeHtml(f.properties.code + " " + f.properties.name), { sticky: true });
      }
    }).addTo(map);
  });

  var districts = areas.then(function () { return Trygg.fetchJSON(el.dataset.districtsUrl); }).then(function (fc) {
    var layer = L.geoJSON(fc, {
      style: { color: "#1f4e79", weight: 3, fill: false },
      interactive: false
    }).addTo(map);
    if (layer.getLayers().length) { map.fitBounds(layer.getBounds()); }
    el.dataset.districtsDrawn = String(layer.getLayers().length);
    return layer;
  });

  // Incidents come as vector tiles (/tiles/incidents/{z}/{x}/{y}.mvt): points from zoom 14, counts per
  // fixed square below that. The server leaves out what the user may not see as points.
  // Leaflet.VectorGrid 1.3 calls L.DomEvent.fakeStop, which Leaflet 1.9 no longer has.
  if (!L.DomEvent.fakeStop) { L.DomEvent.fakeStop = function (e) { e._stopped = true; }; }
  var tilesLoaded = 0, tileErrors = 0;
  var incidentTiles = L.vectorGrid.protobuf(el.dataset.incidentTilesUrl, {
    rendererFactory: L.canvas.tile,
    pane: "incidents",
    interactive: true,
    maxNativeZoom: 22,
    vectorTileLayerStyles: {
      incidents: function (p) {
        if (p.count) {  // a square's count, drawn at its centre
          // Squares are ~16 px apart: the size grows a little, the colour carries the count.
          return { radius: Math.min(3 + Math.sqrt(p.count), 8), color: "#4a0048", weight: 0.5,
                   fill: true, fillColor: "#7a0177", fillOpacity: Math.min(0.2 + p.count / 30, 0.9) };
        }
        return { radius: 5, color: "#7a0177", weight: 1, fill: true, fillColor: "#7a0177", fillOpacity: 0.7 };
      }
    }
  });
  incidentTiles.on("tileload", function () { tilesLoaded += 1; el.dataset.incidentTilesLoaded = String(tilesLoaded); });
  incidentTiles.on("tileerror", function () { tileErrors += 1; el.dataset.incidentTileErrors = String(tileErrors); });
  incidentTiles.on("click", function (e) {
    var p = e.layer.properties || {};
    var html = p.count
      ? "<strong>" + Trygg.escapeHtml(p.count) + " " + Trygg.escapeHtml(label.labelIncidentsInSquare) + "</strong><br><small>" +
        Trygg.escapeHtml(p.cell_size_m) + " m</small>"
      : "<strong>" + Trygg.escapeHtml(p.category_label) + "</strong><br>" + Trygg.escapeHtml(String(p.occurred_from || "").replace("T", " ")) +
        (p.generated ? "<br><em>" + Trygg.escapeHtml(label.labelGenerated) + "</em>" : "");
    L.popup().setLatLng(e.latlng).setContent(html).openOn(map);
  });
  incidentTiles.addTo(map);
  // The count in the legend comes from the OGC API (numberMatched), under the same permission as the tiles.
  var incidents = Trygg.fetchJSON(el.dataset.incidentCountUrl).then(function (fc) {
    document.getElementById("incident-count").textContent = "(" + fc.numberMatched + ")";
    return incidentTiles;
  });

  // Hot and cold spots (Gi*, 200 m squares, the last twelve months) as the BRÅ page computes them by
  // default, from /tiles/hotspots/: only drawn when chosen, since the first tile runs the analysis.
  var giColours = { "3": "#b2182b", "2": "#ef8a62", "1": "#fddbc7", "-1": "#d1e5f0", "-2": "#67a9cf", "-3": "#2166ac" };
  var hotspotTilesLoaded = 0;
  var hotspotTiles = L.vectorGrid.protobuf(el.dataset.hotspotTilesUrl, {
    rendererFactory: L.canvas.tile,
    pane: "hotspots",
    interactive: true,
    maxNativeZoom: 22,
    vectorTileLayerStyles: {
      hotspots: function (p) {
        var c = giColours[String(p["class"])] || "#999999";
        return { color: c, weight: 1, fill: true, fillColor: c, fillOpacity: 0.45 };
      }
    }
  });
  hotspotTiles.on("tileload", function () { hotspotTilesLoaded += 1; el.dataset.hotspotTilesLoaded = String(hotspotTilesLoaded); });
  hotspotTiles.on("click", function (e) {
    var p = e.layer.properties || {};
    L.popup().setLatLng(e.latlng).setContent(
      "<strong>" + Trygg.escapeHtml(p.label) + "</strong><br>" + Trygg.escapeHtml(p.count) + " " +
      Trygg.escapeHtml(label.labelIncidentsInSquare) + " (" + Trygg.escapeHtml(p.cell_size_m) + " m), z = " +
      Trygg.escapeHtml(Number(p.z).toFixed(2))
    ).openOn(map);
  });

  var observations = Trygg.fetchJSON(el.dataset.observationsUrl).then(function (fc) {
    var layer = L.geoJSON(fc, {
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, {
          pane: "observations", radius: 7, color: "#222", weight: 1,
          fillColor: feelingColors[f.properties.feeling] || "#888", fillOpacity: 0.9
        });
      },
      onEachFeature: function (f, l) {
        var p = f.properties;
        l.bindPopup("<strong>" + Trygg.escapeHtml(p.category_label) + "</strong> – " + Trygg.escapeHtml(p.feeling_label) +
          "<br>" + Trygg.escapeHtml(p.note) + "<br><small>" + Trygg.escapeHtml(p.walk) + "</small>" +
          (p.generated ? "<br><em>" + Trygg.escapeHtml(label.labelGenerated) + "</em>" : ""));
      }
    }).addTo(map);
    document.getElementById("observation-count").textContent = "(" + fc.features.length + ")";
    return layer;
  });

  // Detaljplaner as outlines, each linking to its planner page (/plan/<id>/).
  var plans = districts.then(function () { return Trygg.fetchJSON(el.dataset.plansUrl); }).then(function (fc) {
    var layer = L.geoJSON(fc, {
      style: { color: "#1f4e79", weight: 2.5, dashArray: "6 4", fillColor: "#1f4e79", fillOpacity: 0.08 },
      onEachFeature: function (f, l) {
        var p = f.properties;
        l.bindTooltip(Trygg.escapeHtml(p.plan_id + " " + p.name));
        l.bindPopup("<strong>" + Trygg.escapeHtml(p.plan_id + " " + p.name) + "</strong><br>" +
          Trygg.escapeHtml(p.kind + " · " + p.status) +
          (p.overall !== null ? "<br>" + Trygg.escapeHtml(String(Math.round(p.overall))) + "/100" : "") +
          '<br><a href="' + Trygg.escapeHtml(p.url) + '">' + Trygg.escapeHtml(label.labelOpenPlan) + "</a>");
      }
    }).addTo(map);
    el.dataset.plansDrawn = String(layer.getLayers().length);
    return layer;
  });

  Promise.all([areas, districts, incidents, observations, plans]).then(function (layers) {
    var overlays = {};
    overlays[label.labelPlans] = layers[4];
    overlays[label.labelAreas] = layers[0];
    overlays[label.labelDistricts] = layers[1];
    overlays[label.labelIncidents] = layers[2];
    overlays[label.labelObservations] = layers[3];
    overlays[label.labelHotspots] = hotspotTiles;  // not added to the map: chosen in the list
    L.control.layers(null, overlays, { collapsed: false }).addTo(map);
    el.dataset.ready = "true";
  }).catch(function (err) {
    el.dataset.error = String(err);
    if (window.console) { console.error(err); }
    var p = document.createElement("p");
    p.className = "notice error";
    p.textContent = label.labelError + ": " + err;
    document.querySelector(".panel").appendChild(p);
  });
})();
