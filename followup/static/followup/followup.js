/* Effect follow-up: draw or pick the target area, its buffer and the comparison area with the vendored
 * Leaflet.draw; save as GeoJSON in WGS 84 (lon, lat); show the areas with their figures and the
 * monthly series. Data comes from the json_script "followup-data". No inline scripts or styles (CSP). */
(function () {
  "use strict";
  var el = document.getElementById("map");
  var labels = el.dataset;
  var data = JSON.parse(document.getElementById("followup-data").textContent);
  var map = Trygg.createMap(el);
  var STYLE = {
    target: { color: "#1d4e89", weight: 3, fillColor: "#1d4e89", fillOpacity: 0.25 },
    buffer: { color: "#d17d00", weight: 2, dashArray: "6 4", fillColor: "#f0a030", fillOpacity: 0.15 },
    comparison: { color: "#2e7d32", weight: 3, fillColor: "#2e7d32", fillOpacity: 0.2 }
  };
  var NAMES = { target: labels.labelTarget, buffer: labels.labelBuffer, comparison: labels.labelComparison };
  var editable = new L.FeatureGroup().addTo(map);
  var layers = { target: null, buffer: null, comparison: null };
  var kinds = { target: null, comparison: null };  // saved NYKO/grid picks, kept unless redrawn
  var suggested = false;
  var form = document.getElementById("followup-form");

  function toLayer(geometry) {
    if (geometry.type === "MultiPolygon" && geometry.coordinates.length === 1) {
      geometry = { type: "Polygon", coordinates: geometry.coordinates[0] };
    }
    return L.GeoJSON.geometryToLayer({ type: "Feature", geometry: geometry, properties: {} });
  }

  function setArea(role, layer, tooltip) {
    if (layers[role]) { editable.removeLayer(layers[role]); }
    layers[role] = layer;
    if (!layer) { return; }
    layer.setStyle(STYLE[role]);
    layer._tryggRole = role;
    editable.addLayer(layer);
    layer.bindTooltip(tooltip || NAMES[role], { sticky: !tooltip, permanent: !!tooltip, className: "area-label" });
    if (role === "buffer") { layer.bringToBack(); }
  }

  var ev = data.evaluation;
  if (ev) {
    var figures = data.labels || {};
    ["target", "buffer", "comparison"].forEach(function (role) {
      var g = ev[role] && ev[role].geometry;
      if (g) { setArea(role, toLayer(g), figures[role]); }
    });
    kinds.target = ev.target.kind !== "ritat" ? ev.target : null;
    kinds.comparison = ev.comparison.kind !== "ritat" ? ev.comparison : null;
    if (!ev.buffer.drawn && layers.buffer) { layers.buffer._tryggRing = true; }
    var group = L.featureGroup([layers.target, layers.buffer, layers.comparison].filter(Boolean));
    map.fitBounds(group.getBounds(), { padding: [30, 30] });
  } else if (data.centre) {
    map.setView(data.centre, 15);
  } else {
    map.setView([59.5183, 17.9115], 15);
  }

  if (form) {
    map.addControl(new L.Control.Draw({
      position: "topleft",
      draw: { polygon: { allowIntersection: false, showArea: true }, rectangle: {}, polyline: false, circle: false, marker: false, circlemarker: false },
      edit: { featureGroup: editable, remove: true }
    }));
    map.on(L.Draw.Event.CREATED, function (e) {
      var checked = document.querySelector("input[name=draw-mode]:checked");
      var role = checked ? checked.value : "target";
      setArea(role, e.layer);
      if (role === "target") {
        kinds.target = null;
        if (layers.buffer && layers.buffer._tryggRing) { setArea("buffer", null); }
        document.querySelector("input[name=draw-mode][value=comparison]").checked = true;
      } else if (role === "comparison") {
        kinds.comparison = null;
        suggested = false;
      }
    });
    map.on(L.Draw.Event.EDITED, function (e) {
      e.layers.eachLayer(function (layer) {
        var role = layer._tryggRole;
        if (role === "buffer") { layer._tryggRing = false; } else if (role) { kinds[role] = null; }
      });
    });
    map.on(L.Draw.Event.DELETED, function (e) {
      e.layers.eachLayer(function (layer) { if (layer._tryggRole) { layers[layer._tryggRole] = null; } });
    });
  }

  // Grid cells picked by clicking (500 m cells of the fixed grid; the server finds the cell of each point).
  var cells = { target: [], comparison: [] };
  var cellMarkers = L.layerGroup().addTo(map);
  var pickBox = document.getElementById("pick-cells");
  function cellCount() {
    var out = document.getElementById("cell-count");
    if (out) { out.textContent = String(cells.target.length + cells.comparison.length); }
  }
  map.on("click", function (e) {
    if (!pickBox || !pickBox.checked) { return; }
    var checked = document.querySelector("input[name=draw-mode]:checked");
    var role = checked ? checked.value : "target";
    if (role === "buffer") { return; }
    cells[role].push([Number(e.latlng.lng.toFixed(6)), Number(e.latlng.lat.toFixed(6))]);
    L.circleMarker(e.latlng, { radius: 6, color: STYLE[role].color, fillOpacity: 0.8 }).bindTooltip(NAMES[role]).addTo(cellMarkers);
    cellCount();
  });
  var clearCells = document.getElementById("clear-cells");
  if (clearCells) {
    clearCells.addEventListener("click", function () { cells = { target: [], comparison: [] }; cellMarkers.clearLayers(); cellCount(); });
  }

  function selected(select) {
    return Array.prototype.filter.call(select.options, function (o) { return o.selected; }).map(function (o) { return o.value; });
  }

  function areaSpec(role) {
    var pick = document.getElementById("f-" + role + "-nyko");
    var codes = pick ? selected(pick) : [];
    if (codes.length) { return { kind: "nyko", codes: codes }; }
    if (cells[role] && cells[role].length) { return { kind: "rutor", cells: cells[role] }; }
    if (kinds[role]) {
      if (kinds[role].kind === "nyko") { return { kind: "nyko", codes: kinds[role].refs }; }
      if (kinds[role].kind === "rutor") { return { kind: "rutor", cells: kinds[role].refs }; }
    }
    return layers[role] ? { kind: "ritat", geometry: layers[role].toGeoJSON().geometry } : null;
  }

  function common() {
    return {
      title: form.title.value,
      action: form.action.value || null,
      start_date: form.start_date.value,
      months: form.months.value,
      gap_months: form.gap_months.value,
      buffer_m: form.buffer_m.value,
      variance: form.variance.value,
      dispersion: form.dispersion.value || null,
      focus_areas: selected(form.focus_areas),
      categories: selected(form.categories)
    };
  }

  function showMessage(text, isError) {
    var box = document.getElementById("save-message");
    box.hidden = false;
    box.className = isError ? "notice error" : "notice";
    box.textContent = text;
  }

  function post(url, payload) {
    var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
      body: JSON.stringify(payload)
    }).then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); });
  }

  function failure(body) {
    var detail = body.fields ? Object.keys(body.fields).map(function (k) { return k + ": " + body.fields[k]; }).join("; ") : "";
    return labels.labelSaveFailed + ": " + (body.error || "") + (detail ? " (" + detail + ")" : "");
  }

  if (form) {
    document.getElementById("save").addEventListener("click", function () {
      var payload = common();
      payload.target = areaSpec("target");
      payload.comparison = areaSpec("comparison");
      if (!payload.target) { showMessage(labels.labelNeedTarget, true); return; }
      if (!payload.comparison) { showMessage(labels.labelNeedComparison, true); return; }
      if (layers.buffer && !layers.buffer._tryggRing) {
        payload.buffer = { kind: "ritat", geometry: layers.buffer.toGeoJSON().geometry };
      }
      payload.comparison_suggested = suggested;
      post(data.save_url, payload).then(function (res) {
        if (!res.ok) { showMessage(failure(res.body), true); return; }
        window.location.assign(res.body.url + "?sparad=1");
      }).catch(function (err) { showMessage(labels.labelSaveFailed + ": " + err, true); });
    });

    document.getElementById("suggest").addEventListener("click", function () {
      var payload = common();
      payload.target = areaSpec("target");
      if (!payload.target) { showMessage(labels.labelNeedTarget, true); return; }
      var list = document.getElementById("suggestions");
      list.textContent = "";
      post(data.suggest_url, payload).then(function (res) {
        if (!res.ok) { showMessage(failure(res.body), true); return; }
        if (!res.body.candidates.length) { showMessage(labels.labelNoSuggestion, false); return; }
        res.body.candidates.forEach(function (c) {
          var li = document.createElement("li");
          li.dataset.testid = "suggestion";
          li.textContent = c.code + " " + c.name + " (" + c.before_count + " " + labels.labelIncidentsBefore + ") ";
          var use = document.createElement("button");
          use.type = "button";
          use.textContent = labels.labelUse;
          use.addEventListener("click", function () {
            var pick = document.getElementById("f-comparison-nyko");
            Array.prototype.forEach.call(pick.options, function (o) { o.selected = o.value === c.code; });
            suggested = true;
          });
          li.appendChild(use);
          list.appendChild(li);
        });
      }).catch(function (err) { showMessage(String(err), true); });
    });

    if (new URLSearchParams(window.location.search).has("sparad") && ev) {
      showMessage(labels.labelSaved, false);
    }
  }

  // The monthly series: target, buffer and comparison, with the start marked.
  var canvas = document.getElementById("series-chart");
  if (canvas && data.series && window.Chart) {
    var s = data.series;
    var sets = [];
    var COLORS = { target: "#1d4e89", buffer: "#d17d00", comparison: "#2e7d32" };
    ["target", "buffer", "comparison"].forEach(function (role) {
      if (s[role]) {
        sets.push({ label: data.area_labels[role], data: s[role], borderColor: COLORS[role], backgroundColor: COLORS[role], tension: 0, pointRadius: 2 });
      }
    });
    var startIndex = s.months.indexOf(s.after[0]);
    new window.Chart(canvas, {
      type: "line",
      data: { labels: s.labels, datasets: sets },
      options: {
        animation: false,
        responsive: true,
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { title: { display: startIndex >= 0, text: labels.labelStart + ": " + (s.labels[startIndex] || "") } }
      }
    });
    canvas.dataset.ready = "true";
  }
  el.dataset.ready = "true";
})();
