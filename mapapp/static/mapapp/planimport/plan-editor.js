/* Draw or edit a detaljplan: its plan area and use zones (Boverket code, label, scenario), with the
 * vendored Leaflet.draw. Data comes from the json_script "plan-data"; the plan is saved as GeoJSON in
 * WGS 84 (lon, lat) to the page's save URL. No inline scripts or styles (CSP). */
(function () {
  "use strict";
  var el = document.getElementById("map");
  var labels = el.dataset;
  var data = JSON.parse(document.getElementById("plan-data").textContent);
  var csrf = document.querySelector("#plan-form input[name=csrfmiddlewaretoken]").value;
  var map = Trygg.createMap(el);
  var editable = new L.FeatureGroup().addTo(map);
  var background = L.layerGroup().addTo(map);
  var regulationLayer = L.layerGroup().addTo(map);
  var planLayer = null;
  var zones = [];
  var selected = null;

  var COLORS = { B: "#d9a400", C: "#d4542a", D: "#b04a8f", E: "#7a6f62", H: "#c4462f", J: "#5d6d7e",
    K: "#b5651d", P: "#888888", R: "#e08a2c", S: "#9e4fb0", T: "#666666", Z: "#7b5b3a", W: "#3a84c9",
    GATA: "#9a9a9a", LOKALGATA: "#9a9a9a", HUVUDGATA: "#7d7d7d", TORG: "#b8a07e", GÅNG: "#c9b38f",
    CYKEL: "#c9b38f", GÅGATA: "#c9b38f", PARK: "#4c9a3b", NATUR: "#2f7d32", LEK: "#6cbf4f", PARKERING: "#a0a0a0" };
  var CONTEXT_STYLE = { street: { color: "#8d8d8d", weight: 3 }, path: { color: "#b3906b", weight: 2, dashArray: "4 3" },
    building: { color: "#6b6b6b", weight: 1, fillColor: "#cfcfcf", fillOpacity: 0.6 },
    park: { color: "#5a9e4b", weight: 1, fillColor: "#bfe3b4", fillOpacity: 0.5 },
    water: { color: "#5b8fc9", weight: 1, fillColor: "#b9d6f2", fillOpacity: 0.6 } };

  function colorFor(code) {
    var first = (code || "").split(" ")[0];
    return COLORS[first] || COLORS[first.charAt(0)] || "#555555";
  }

  function option(select, value, text, current) {
    var o = document.createElement("option");
    o.value = value;
    o.textContent = text;
    if (value === current) { o.selected = true; }
    select.appendChild(o);
  }

  function toLayer(geometry, style) {
    if (geometry.type === "MultiPolygon" && geometry.coordinates.length === 1) {
      geometry = { type: "Polygon", coordinates: geometry.coordinates[0] };
    }
    var layer = L.GeoJSON.geometryToLayer({ type: "Feature", geometry: geometry, properties: {} });
    layer.setStyle(style);
    return layer;
  }

  function planStyle() { return { color: "#111111", weight: 3, dashArray: "8 6", fill: false }; }
  function zoneStyle(zone) {
    return { color: colorFor(zone.use_code), weight: zone === selected ? 4 : 2, fillColor: colorFor(zone.use_code), fillOpacity: 0.35 };
  }

  function setPlanLayer(layer) {
    if (planLayer) { editable.removeLayer(planLayer); }
    planLayer = layer;
    planLayer.setStyle(planStyle());
    planLayer._tryggRole = "plan";
    editable.addLayer(planLayer);
    planLayer.bindTooltip(labels.labelPlan);
    planLayer.bringToBack();
  }

  function addZone(zone, layer) {
    zone.layer = layer;
    layer._tryggZone = zone;
    layer.setStyle(zoneStyle(zone));
    layer.on("click", function () { select(zone); });
    editable.addLayer(layer);
    zones.push(zone);
  }

  function select(zone) {
    selected = zone;
    zones.forEach(function (z) { z.layer.setStyle(zoneStyle(z)); });
    renderList();
  }

  function renderList() {
    var list = document.getElementById("zone-list");
    list.textContent = "";
    zones.forEach(function (zone, i) {
      var li = document.createElement("li");
      li.dataset.testid = "zone-item";
      if (zone === selected) { li.className = "selected"; }
      li.addEventListener("click", function (e) { if (e.target === li) { select(zone); } });
      var code = document.createElement("select");
      code.setAttribute("aria-label", labels.labelZone + " " + (i + 1));
      code.dataset.testid = "zone-code";
      option(code, "", "– " + labels.labelNoCode + " –", zone.use_code);
      var known = false;
      data.use_codes.forEach(function (c) { if (c[0] === zone.use_code) { known = true; } option(code, c[0], c[1], zone.use_code); });
      if (zone.use_code && !known) { option(code, zone.use_code, zone.use_code, zone.use_code); }
      code.addEventListener("change", function () { zone.use_code = code.value; zone.layer.setStyle(zoneStyle(zone)); li.style.borderLeftColor = colorFor(zone.use_code); });
      var label = document.createElement("input");
      label.value = zone.label || "";
      label.placeholder = labels.labelZone;
      label.dataset.testid = "zone-label";
      label.addEventListener("input", function () { zone.label = label.value; });
      var scenario = document.createElement("select");
      scenario.dataset.testid = "zone-scenario";
      data.scenarios.forEach(function (s) { option(scenario, s[0], s[1], zone.scenario); });
      scenario.addEventListener("change", function () { zone.scenario = scenario.value; });
      var actions = document.createElement("div");
      actions.className = "zone-actions";
      var show = document.createElement("button");
      show.type = "button";
      show.textContent = labels.labelShow;
      show.addEventListener("click", function () { select(zone); map.fitBounds(zone.layer.getBounds(), { maxZoom: 18 }); });
      var remove = document.createElement("button");
      remove.type = "button";
      remove.textContent = labels.labelRemove;
      remove.dataset.testid = "zone-remove";
      remove.addEventListener("click", function () {
        editable.removeLayer(zone.layer);
        zones.splice(zones.indexOf(zone), 1);
        if (selected === zone) { selected = null; }
        renderList();
      });
      actions.appendChild(show);
      actions.appendChild(remove);
      li.appendChild(code);
      li.appendChild(label);
      li.appendChild(scenario);
      if (zone.regulations) {
        var regs = document.createElement("div");
        regs.className = "regs";
        regs.textContent = zone.regulations + " " + labels.labelRegulations;
        li.appendChild(regs);
      }
      li.appendChild(actions);
      li.style.borderLeftColor = colorFor(zone.use_code);
      list.appendChild(li);
    });
    document.getElementById("zone-count").textContent = "(" + zones.length + ")";
  }

  function fillForm() {
    var form = document.getElementById("plan-form");
    var plan = data.plan || { plan_id: "", name: "", status: "pagaende", kind: "ny", description: "" };
    form.plan_id.value = plan.plan_id;
    form.name.value = plan.name;
    form.description.value = plan.description || "";
    data.statuses.forEach(function (s) { option(form.status, s[0], s[1], plan.status); });
    data.kinds.forEach(function (k) { option(form.kind, k[0], k[1], plan.kind); });
  }

  function loadContext() {
    if (map.getZoom() < 15) { background.clearLayers(); return; }
    var b = map.getBounds();
    var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(6); }).join(",");
    Trygg.fetchJSON(data.context_url + "?bbox=" + bbox).then(function (fc) {
      background.clearLayers();
      L.geoJSON(fc, {
        style: function (f) { return CONTEXT_STYLE[f.properties.kind] || { color: "#999", weight: 1 }; },
        pointToLayer: function (f, latlng) {
          var lamp = f.properties.kind === "lamp";
          return L.circleMarker(latlng, { radius: lamp ? 3 : 5, color: lamp ? "#b58900" : "#1d4e89", fillColor: lamp ? "#ffd84d" : "#7fb2ea", fillOpacity: 0.9, weight: 1 });
        },
        interactive: false
      }).addTo(background);
    }).catch(function () { background.clearLayers(); });
  }

  // Initial state
  fillForm();
  if (data.area) { setPlanLayer(toLayer(data.area, planStyle())); }
  (data.zones || []).forEach(function (z) {
    addZone({ id: z.id, use_code: z.use_code, label: z.label, scenario: z.scenario, regulations: z.regulations }, toLayer(z.geometry, {}));
  });
  (data.regulation_areas || []).forEach(function (r) {
    var layer = toLayer(r.geometry, { color: "#333333", weight: 1, dashArray: "2 4", fill: false, interactive: true });
    layer.bindTooltip(labels.labelRegulation + " " + r.source_ref + ": " + r.texts.join("; "));
    regulationLayer.addLayer(layer);
  });
  renderList();
  if (planLayer) {
    map.fitBounds(planLayer.getBounds(), { padding: [20, 20] });
  } else if (data.centre) {
    map.setView(data.centre, 16);
  } else {
    map.setView([59.5183, 17.9115], 15);
  }
  L.control.layers(null, (function () { var o = {}; o[labels.labelContext] = background; o[labels.labelRegulation] = regulationLayer; return o; })()).addTo(map);

  var drawControl = new L.Control.Draw({
    position: "topleft",
    draw: { polygon: { allowIntersection: false, showArea: true }, rectangle: {}, polyline: false, circle: false, marker: false, circlemarker: false },
    edit: { featureGroup: editable, remove: true }
  });
  map.addControl(drawControl);

  function mode() {
    var checked = document.querySelector("input[name=draw-mode]:checked");
    return checked ? checked.value : "zone";
  }
  if (!data.area) { document.querySelector("input[name=draw-mode][value=plan]").checked = true; }

  map.on(L.Draw.Event.CREATED, function (e) {
    if (mode() === "plan") {
      setPlanLayer(e.layer);
      document.querySelector("input[name=draw-mode][value=zone]").checked = true;
    } else {
      var zone = { id: null, use_code: "", label: "", scenario: "planerat", regulations: 0 };
      addZone(zone, e.layer);
      select(zone);
    }
  });
  map.on(L.Draw.Event.EDITED, function () { zones.forEach(function (z) { z.layer.setStyle(zoneStyle(z)); }); });
  map.on(L.Draw.Event.DELETED, function (e) {
    e.layers.eachLayer(function (layer) {
      if (layer === planLayer) { planLayer = null; }
      if (layer._tryggZone) { zones.splice(zones.indexOf(layer._tryggZone), 1); }
    });
    renderList();
  });
  map.on("moveend", loadContext);
  loadContext();

  function showMessage(text, isError, link) {
    var box = document.getElementById("save-message");
    box.hidden = false;
    box.className = isError ? "notice error" : "notice";
    box.textContent = text + " ";
    if (link) {
      var a = document.createElement("a");
      a.href = link;
      a.textContent = labels.labelReview;
      box.appendChild(a);
    }
  }

  document.getElementById("save-plan").addEventListener("click", function () {
    if (!planLayer) { showMessage(labels.labelNeedArea, true); return; }
    var form = document.getElementById("plan-form");
    var payload = {
      plan: { plan_id: form.plan_id.value, name: form.name.value, status: form.status.value, kind: form.kind.value, description: form.description.value },
      area: planLayer.toGeoJSON().geometry,
      zones: zones.map(function (z) {
        return { id: z.id, use_code: z.use_code, label: z.label, scenario: z.scenario, geometry: z.layer.toGeoJSON().geometry };
      })
    };
    fetch(data.save_url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
      body: JSON.stringify(payload)
    }).then(function (r) {
      return r.json().then(function (body) { return { ok: r.ok, body: body }; });
    }).then(function (res) {
      if (!res.ok) {
        var detail = res.body.fields ? Object.keys(res.body.fields).map(function (k) { return k + ": " + res.body.fields[k]; }).join("; ") : "";
        showMessage(labels.labelSaveFailed + ": " + (res.body.error || "") + (detail ? " (" + detail + ")" : ""), true);
        return;
      }
      zones.forEach(function (z, i) { z.id = res.body.zone_ids[i]; });
      if (window.location.pathname !== res.body.edit_url) {
        window.location.assign(res.body.edit_url + "?sparad=1");
        return;
      }
      showMessage(labels.labelSaved, false, res.body.review_url);
    }).catch(function (err) { showMessage(labels.labelSaveFailed + ": " + err, true); });
  });

  if (new URLSearchParams(window.location.search).has("sparad") && data.plan) {
    showMessage(labels.labelSaved, false, "/plan/" + data.plan.id + "/");
  }
  el.dataset.ready = "true";
})();
