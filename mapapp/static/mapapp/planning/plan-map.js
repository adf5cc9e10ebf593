/* The planner map at /plan/<id>/ and its report: the plan over its context, incident density as
 * counts per cell (sensitive incidents only as k-suppressed cells), walk observations, and each
 * criterion's own layer (dark gaps, blind stretches and facades, hidden spots, hot cells, routes).
 * Clicking a criterion in the score panel opens its details and shows its layers. */
(function () {
  "use strict";
  var el = document.getElementById("plan-map");
  if (!el) { return; }
  var label = el.dataset;
  var map = Trygg.createMap(el, { preferCanvas: false });
  // Panes, bottom to top: land and buildings, then (Leaflet's overlay pane, 400) incident density,
  // zones and the plan, then streets and paths, the context's points, the criteria's layers, and
  // the walk observations. So the density tints the town without hiding its streets and lamps.
  map.createPane("contextLand").style.zIndex = 350;
  map.createPane("contextNetwork").style.zIndex = 420;
  map.createPane("contextPoints").style.zIndex = 630;
  map.createPane("criteria").style.zIndex = 640;
  map.createPane("observations").style.zIndex = 650;

  var feelingColors = { 1: "#b2182b", 2: "#ef8a62", 3: "#bdbdbd", 4: "#67a9cf", 5: "#2166ac" };
  var layerStyles = {
    dark_gaps: { color: "#111133", weight: 6, opacity: 0.85, dashArray: "2 6" },
    blind_stretches: { color: "#d7301f", weight: 5, opacity: 0.8 },
    blind_facades: { color: "#d7301f", weight: 5, opacity: 0.9, dashArray: "8 4" },
    hidden_spots: { color: "#6a51a3", weight: 6, opacity: 0.85 },
    hot_cells: { color: "#a50f15", weight: 2, fillColor: "#fb6a4a", fillOpacity: 0.25 },
    routes: { color: "#238b45", weight: 4, opacity: 0.8, dashArray: "6 3" },
    // Method 2026.12
    parking_unwatched: { color: "#d7301f", weight: 1, fillColor: "#fc8d59", fillOpacity: 0.35 },
    parking_dark: { color: "#111133", weight: 1, fillColor: "#111133", fillOpacity: 0.35 },
    parking_walks: { color: "#0570b0", weight: 3, opacity: 0.8, dashArray: "4 3" },
    conflict_sources: { color: "#ae017e", weight: 2, fillColor: "#f768a1", fillOpacity: 0.4 },
    conflict_homes: { color: "#ae017e", weight: 1, fillColor: "#fcc5c0", fillOpacity: 0.4 },
    rear_paths: { color: "#e6550d", weight: 5, opacity: 0.85 },
    through_courtyards: { color: "#e6550d", weight: 5, opacity: 0.85, dashArray: "8 4" },
    unclear_responsibility: { color: "#636363", weight: 1, fillColor: "#bdbdbd", fillOpacity: 0.4 },
    child_routes: { color: "#fd8d3c", weight: 4, opacity: 0.85 },
    child_crossings: { color: "#bd0026", weight: 2, fillColor: "#fff", fillOpacity: 1 },
    child_dark: { color: "#111133", weight: 6, opacity: 0.85, dashArray: "2 6" },
    child_hidden: { color: "#6a51a3", weight: 6, opacity: 0.85, dashArray: "2 6" }
  };
  var contextStyles = {
    building: { color: "#777", weight: 0.6, fillColor: "#bbb", fillOpacity: 0.7 },
    street: { color: "#999", weight: 3 },
    path: { color: "#aaa", weight: 1.5, dashArray: "3 2" },
    landuse: { color: "#ccc", weight: 0.4, fillColor: "#eee", fillOpacity: 0.4 },
    park: { color: "#8fbf8f", weight: 0.4, fillColor: "#cfe8cf", fillOpacity: 0.6 },
    water: { color: "#7fb2d9", weight: 0.4, fillColor: "#cfe3f3", fillOpacity: 0.8 }
  };
  var zoneColors = { B: "#f6d78b", C: "#e59a5c", H: "#e5745c", K: "#c9a0dc", S: "#9ecae1", PARK: "#a1d99b",
                     NATUR: "#74c476", TORG: "#dddddd", GATA: "#f0f0f0", P: "#cccccc" };

  function densityColor(n, max) {
    var t = Math.min(1, n / Math.max(1, max));
    var stops = ["#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15"];
    return stops[Math.min(stops.length - 1, Math.floor(t * (stops.length - 1) + 0.0001))];
  }

  // The context in groups a planner can switch on and off: land first, so streets and points lie on top.
  var contextGroups = [
    { kinds: ["landuse", "park", "water"], label: label.labelContextLand, pane: "contextLand" },
    { kinds: ["building"], label: label.labelContextBuildings, pane: "contextLand" },
    { kinds: ["street", "path"], label: label.labelContextStreets, pane: "contextNetwork" },
    { kinds: ["lamp"], label: label.labelContextLamps, pane: "contextPoints" },
    { kinds: ["poi"], label: label.labelContextPois, pane: "contextPoints" },
    { kinds: ["bus_stop"], label: label.labelContextStops, pane: "contextPoints" }
  ];
  var pointStyles = {
    lamp: { radius: 2.5, weight: 0.5, color: "#b08900", fillColor: "#ffd92f", fillOpacity: 0.9 },
    poi: { radius: 4, weight: 1, color: "#3f007d", fillColor: "#8c96c6", fillOpacity: 0.9 },
    bus_stop: { radius: 5, weight: 2, color: "#fff", fillColor: "#0868ac", fillOpacity: 1 }
  };

  function contextTooltip(f, l) {
    var p = f.properties;
    if (p.kind === "lamp") { return; }
    var text = [p.name || p.tag, p.opening_hours].filter(Boolean).join(" · ");
    if (text) { l.bindTooltip(Trygg.escapeHtml(text)); }
  }

  Trygg.fetchJSON(label.url).then(function (data) {
    var overlays = {};
    var drawn = {};
    contextGroups.forEach(function (group) {
      var layer = L.geoJSON(data.context, {
        pane: group.pane,  // lines and polygons take the GeoJSON layer's pane; points get it below
        filter: function (f) { return group.kinds.indexOf(f.properties.kind) >= 0; },
        style: function (f) {
          var style = Object.assign({}, contextStyles[f.properties.kind] || { color: "#999", weight: 1 });
          if (f.properties.kind === "path" && f.properties.lit === "no") {
            return Object.assign(style, { color: "#555", dashArray: "1 4" });  // an unlit path
          }
          return style;
        },
        pointToLayer: function (f, latlng) {
          return L.circleMarker(latlng, Object.assign({ pane: group.pane }, pointStyles[f.properties.kind] || pointStyles.poi));
        },
        onEachFeature: function (f, l) {
          drawn[f.properties.kind] = (drawn[f.properties.kind] || 0) + 1;
          contextTooltip(f, l);
        }
      });
      if (layer.getLayers().length) {
        layer.addTo(map);
        overlays[group.label] = layer;
      }
    });
    el.dataset.contextKinds = Object.keys(drawn).sort().map(function (k) { return k + ":" + drawn[k]; }).join(",");

    var max = 0;
    data.density.features.forEach(function (f) { max = Math.max(max, f.properties.count); });
    var density = L.geoJSON(data.density, {
      style: function (f) {
        return { stroke: false, fillColor: densityColor(f.properties.count, max), fillOpacity: 0.35 };
      },
      onEachFeature: function (f, l) { l.bindTooltip(f.properties.count + " " + Trygg.escapeHtml(label.labelCount)); }
    }).addTo(map);
    overlays[label.labelDensity] = density;

    if (data.sensitive_cells.features.length) {
      var sensitive = L.geoJSON(data.sensitive_cells, {
        style: { color: "#54278f", weight: 1.5, dashArray: "4 3", fillColor: "#9e9ac8", fillOpacity: 0.15 },
        onEachFeature: function (f, l) {
          var years = Object.keys(f.properties.periods || {}).join(", ");
          l.bindTooltip(Trygg.escapeHtml((f.properties.count === null ? label.labelSensitiveHidden
            : f.properties.count + " " + label.labelCount) + (years ? " (" + years + ")" : "")));
        }
      }).addTo(map);
      overlays[label.labelSensitive] = sensitive;
    }

    function zoneLayer(scenario) {
      return L.geoJSON(data.zones, {
        filter: function (f) { return f.properties.scenario === scenario; },
        style: function (f) {
          return { color: "#555", weight: 1, fillColor: zoneColors[f.properties.use_code] || "#fdd0a2", fillOpacity: 0.45 };
        },
        onEachFeature: function (f, l) {
          l.bindTooltip(Trygg.escapeHtml(f.properties.use_code + " " + (f.properties.label || "")));
        }
      });
    }
    var planned = zoneLayer("planerat").addTo(map);
    overlays[label.labelZonesPlanned] = planned;
    var today = zoneLayer("idag");
    if (today.getLayers().length) { overlays[label.labelZonesToday] = today; }

    var plan = L.geoJSON(data.plan, { style: { color: "#1f4e79", weight: 4, fill: false }, interactive: false }).addTo(map);
    overlays[label.labelPlan] = plan;

    var observations = L.geoJSON(data.observations, {
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, { pane: "observations", radius: 7, color: "#222", weight: 1,
                                        fillColor: feelingColors[f.properties.feeling] || "#888", fillOpacity: 0.9 });
      },
      onEachFeature: function (f, l) {
        var p = f.properties;
        l.bindPopup("<strong>" + Trygg.escapeHtml(p.category_label) + "</strong> – " + Trygg.escapeHtml(p.feeling_label) +
          "<br>" + Trygg.escapeHtml(p.note) + "<br><small>" + Trygg.escapeHtml(p.walk) + "</small>" +
          (p.generated ? "<br><em>" + Trygg.escapeHtml(label.labelGenerated) + "</em>" : ""));
      }
    }).addTo(map);
    overlays[label.labelObservations] = observations;

    // The criteria's own layers: the planned scenario's when there is one, else today's.
    var scenarios = data.criteria_layers;
    var scenarioKey = scenarios.planerat ? "planerat" : "idag";
    var criteriaLayers = {};
    Object.keys(scenarios[scenarioKey] || {}).forEach(function (name) {
      var spec = scenarios[scenarioKey][name];
      if (!spec.data.features.length) { return; }
      var style = layerStyles[name] || { color: "#000" };
      var layer = L.geoJSON(spec.data, {
        pane: "criteria",
        style: style,
        pointToLayer: function (f, latlng) {  // crossings and other points: no marker images
          return L.circleMarker(latlng, Object.assign({ pane: "criteria", radius: 6 }, style));
        }
      });
      criteriaLayers[name] = layer;
      if (name !== "hot_cells") { layer.addTo(map); }  // hot cells can cover the whole map: on request
      var scenarioLabel = scenarioKey === "planerat" ? label.scenarioPlanned : label.scenarioToday;
      overlays[spec.label + " (" + scenarioLabel + ")"] = layer;
    });
    el.dataset.criteriaLayers = Object.keys(criteriaLayers).sort().join(",");

    L.control.layers(null, overlays, { collapsed: el.clientWidth < 900 }).addTo(map);
    var b = data.bounds;  // SWEREF 99 TM bounds are not for Leaflet; fit to the drawn layers instead
    var fit = plan.getBounds();
    if (fit.isValid()) { map.fitBounds(fit.pad(0.6)); } else { map.setView([59.52, 17.9], 14); }
    el.dataset.boundsSize = String(b.length);

    document.querySelectorAll("tbody.criterion").forEach(function (body) {
      var button = body.querySelector(".criterion-toggle");
      if (!button) { return; }
      button.addEventListener("click", function () {
        var open = body.classList.toggle("open");
        button.setAttribute("aria-expanded", open ? "true" : "false");
        (body.dataset.layers || "").split(",").forEach(function (name) {
          var layer = criteriaLayers[name];
          if (!layer) { return; }
          if (open) {
            layer.addTo(map);
            layer.setStyle({ weight: (layerStyles[name].weight || 3) + 3 });
            if (layer.getBounds().isValid()) { map.fitBounds(layer.getBounds().pad(0.3), { maxZoom: 17 }); }
          } else {
            layer.setStyle({ weight: layerStyles[name].weight || 3 });
          }
        });
      });
    });
    el.dataset.ready = "true";
  }).catch(function (err) {
    el.dataset.error = String(err);
    if (window.console) { console.error(err); }
    var p = document.createElement("p");
    p.className = "notice error";
    p.textContent = label.labelError + ": " + err;
    el.parentNode.insertBefore(p, el.nextSibling);
  });
})();
