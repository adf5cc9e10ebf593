/* The BRÅ map: density overlay (PNG from the server), Gi* cells, sensitive incidents as fixed cells,
 * incidents in clusters, walk observations and emerging trends. Every URL carries the page's filter
 * (data-query). The map sets data-ready="true" when all its layers are drawn (the PDF waits for it). */
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el) { return; }
  var label = el.dataset;
  var isPrint = el.dataset.print === "true";
  var q = el.dataset.query ? "?" + el.dataset.query : "";
  var map = Trygg.createMap(el, { preferCanvas: true, zoomControl: !isPrint, fadeAnimation: !isPrint, zoomAnimation: !isPrint });
  map.setView([59.52, 17.9], 12);
  map.createPane("density").style.zIndex = 350;
  map.createPane("cells").style.zIndex = 420;
  map.createPane("observations").style.zIndex = 650;

  var giColours = { "3": "#b2182b", "2": "#ef8a62", "1": "#fddbc7", "-1": "#d1e5f0", "-2": "#67a9cf", "-3": "#2166ac" };
  var trendColours = { new_hot: "#fdae61", consecutive_hot: "#f46d43", intensifying_hot: "#a50026",
    persistent_hot: "#d73027", diminishing_hot: "#fee090", sporadic_hot: "#fdd49e", oscillating_hot: "#c51b7d",
    historical_hot: "#bababa" };

  function withQuery(url, extra) {
    return url + q + (extra ? (q ? "&" : "?") + extra : "");
  }

  function legend(info) {
    var ol = document.getElementById("density-legend");
    if (!ol) { return; }
    ol.textContent = "";
    info.legend.colors.forEach(function (c, i) {
      var li = document.createElement("li");
      var sw = document.createElement("span");
      sw.className = "swatch";
      sw.style.background = c;  // CSSOM, allowed by the CSP (no style attribute in the markup)
      li.appendChild(sw);
      var stop = info.legend.stops[i];
      li.appendChild(document.createTextNode(String(stop) + (i === info.legend.colors.length - 1 ? " " + label.labelPerKm2 : "")));
      ol.appendChild(li);
    });
    var note = document.getElementById("density-note");
    if (note) {
      // the grid is refined for a narrow bandwidth (three cells at least): say which cells were used
      note.textContent = info.n_points + " · " + label.labelBandwidth + " " + info.bandwidth_m + " m · " +
        label.labelCells + " " + String(info.cell_m).replace(".", ",") + " m";
    }
  }

  var districts = Trygg.fetchJSON(el.dataset.districtsUrl).then(function (fc) {
    var layer = L.geoJSON(fc, { style: { color: "#1f4e79", weight: 3, fill: false }, interactive: false }).addTo(map);
    if (layer.getLayers().length) { map.fitBounds(layer.getBounds(), { padding: [10, 10] }); }
    return layer;
  });

  function overlay(surface) {
    return Trygg.fetchJSON(withQuery(el.dataset.densityUrl, "surface=" + surface)).then(function (info) {
      if (surface === "density") { legend(info); el.dataset.densityPoints = String(info.n_points); }
      return new Promise(function (resolve) {
        var layer = L.imageOverlay(info.png, info.bounds, { pane: "density", opacity: 1, interactive: false });
        layer.once("load", function () { resolve(layer); });
        layer.once("error", function () { resolve(layer); });
        layer.addTo(map);
        if (surface !== "density") { map.removeLayer(layer); resolve(layer); }
      });
    });
  }
  var density = overlay("density");

  var hotspots = Trygg.fetchJSON(withQuery(el.dataset.hotspotsUrl)).then(function (fc) {
    el.dataset.hotCells = String(fc.features.filter(function (f) { return f.properties["class"] > 0; }).length);
    return L.geoJSON(fc, {
      pane: "cells",
      style: function (f) {
        var c = giColours[String(f.properties["class"])] || "#999";
        return { color: c, weight: 1, fillColor: c, fillOpacity: 0.35 };
      },
      onEachFeature: function (f, l) {
        l.bindTooltip(Trygg.escapeHtml(f.properties.label) + "<br>" + label.labelCount + ": " + f.properties.count);
      }
    }).addTo(map);
  });

  // Sensitive incidents come as the releases of whole calendar years (decision 0600): a cell is shown
  // with its count, or hidden (at least k, its count kept back to protect a smaller one).
  var sensitive = Trygg.fetchJSON(withQuery(el.dataset.sensitiveUrl)).then(function (fc) {
    el.dataset.sensitiveCells = String(fc.features.length);
    var years = (fc.release && fc.release.periods || []).map(function (p) { return p.id; }).join(", ");
    el.dataset.sensitiveYears = years;
    return L.geoJSON(fc, {
      pane: "cells",
      style: function (f) {
        return f.properties.count === null
          ? { color: "#5b2c83", weight: 2, dashArray: "1 4", fillColor: "#5b2c83", fillOpacity: 0.25 }
          : { color: "#5b2c83", weight: 2, dashArray: "5 4", fillColor: "#5b2c83", fillOpacity: 0.08 };
      },
      onEachFeature: function (f, l) {
        var text = f.properties.count === null ? label.labelSensitiveHidden
          : f.properties.count + " " + label.labelSensitiveCount;
        l.bindTooltip(Trygg.escapeHtml(text + (years ? " (" + years + ")" : "")), { sticky: true });
      }
    }).addTo(map);
  });

  var incidents = Trygg.fetchJSON(withQuery(el.dataset.incidentsUrl)).then(function (fc) {
    var cluster = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 45, animate: !isPrint });
    L.geoJSON(fc, {
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, { radius: 5, color: "#7a0177", weight: 1, fillOpacity: 0.7 });
      },
      onEachFeature: function (f, l) {
        var p = f.properties;
        l.bindPopup("<strong>" + Trygg.escapeHtml(p.category_label) + "</strong><br>" +
          Trygg.escapeHtml(p.occurred_from.slice(0, 16).replace("T", " ")) +
          (p.generated ? "<br><em>" + Trygg.escapeHtml(label.labelGenerated) + "</em>" : ""));
      }
    }).eachLayer(function (l) { cluster.addLayer(l); });
    el.dataset.incidentCount = String(fc.features.length);
    // On paper and on the projector the density and hot spots carry the message; the clusters stay one click away.
    if (!isPrint && !document.body.classList.contains("presentation")) { cluster.addTo(map); }
    return cluster;
  });

  var observations = Trygg.fetchJSON(withQuery(el.dataset.observationsUrl)).then(function (fc) {
    return L.geoJSON(fc, {
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, {
          pane: "observations", radius: 7, color: "#222", weight: 1,
          fillColor: f.properties.feeling <= 2 ? "#ef8a62" : "#67a9cf", fillOpacity: 0.9
        });
      },
      onEachFeature: function (f, l) {
        var p = f.properties;
        l.bindPopup("<strong>" + Trygg.escapeHtml(p.category_label) + "</strong> – " + Trygg.escapeHtml(p.feeling_label) +
          "<br>" + Trygg.escapeHtml(p.note) + "<br><small>" + Trygg.escapeHtml(p.walk) + "</small>");
      }
    }).addTo(map);
  });

  Promise.all([districts, density, hotspots, sensitive, incidents, observations]).then(function (layers) {
    if (isPrint && layers[2].getLayers().length) {
      // On paper the whole municipality leaves the hot spots tiny: frame them instead.
      map.fitBounds(layers[2].getBounds().pad(0.6), { animate: false });
    }
    if (!isPrint) {
      var overlays = {};
      overlays[label.labelDistricts] = layers[0];
      overlays[label.labelDensity] = layers[1];
      overlays[label.labelHotspots] = layers[2];
      overlays[label.labelSensitive] = layers[3];
      overlays[label.labelIncidents] = layers[4];
      overlays[label.labelObservations] = layers[5];
      var control = L.control.layers(null, overlays, { collapsed: false }).addTo(map);
      overlay("change").then(function (layer) { control.addOverlay(layer, label.labelChange); });
      Trygg.fetchJSON(withQuery(el.dataset.trendsUrl)).then(function (fc) {
        var trends = L.geoJSON(fc, {
          pane: "cells",
          style: function (f) {
            var c = trendColours[f.properties.category] || "#4575b4";
            return { color: c, weight: 2, fillColor: c, fillOpacity: 0.5 };
          },
          onEachFeature: function (f, l) { l.bindTooltip(Trygg.escapeHtml(f.properties.label)); }
        });
        control.addOverlay(trends, label.labelTrends);
      }).catch(function () { /* under six months: no trends layer */ });
    }
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
