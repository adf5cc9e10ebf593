/* Maps of walk results: one walk (route, track, numbered observations coloured by feeling), a follow-up
 * (the earlier walk's observations coloured by what became of them), and the gender and age lens
 * (observations and the places several groups marked). Sets data-ready="true" when drawn (for the PDF). */
(function () {
  "use strict";
  var feelingColors = { 1: "#b2182b", 2: "#ef8a62", 3: "#bdbdbd", 4: "#67a9cf", 5: "#2166ac" };
  var stateColors = { atgardad: "#2e7d32", kvarstar: "#c62828", utan_atgard: "#c62828", avslagen: "#757575" };

  function numberIcon(text, cls) {
    return L.divIcon({ className: "num-marker " + cls, html: "<span>" + Trygg.escapeHtml(text) + "</span>", iconSize: [26, 26], iconAnchor: [13, 13] });
  }

  function popup(p, label) {
    var html = "<strong>" + (p.number ? p.number + ". " : "") + Trygg.escapeHtml(p.category_label) + "</strong> – " +
      Trygg.escapeHtml(p.feeling_label) + "<br>" + Trygg.escapeHtml(p.note);
    if (p.group) { html += "<br><small>" + Trygg.escapeHtml(p.group) + "</small>"; }
    if (p.office) { html += "<br><small>" + Trygg.escapeHtml(p.office) + ": " + Trygg.escapeHtml(p.action_status_label) + "</small>"; }
    (p.photos || []).forEach(function (ph) {
      html += '<br><a href="' + Trygg.escapeHtml(ph.url) + '"><img src="' + Trygg.escapeHtml(ph.thumbnail_url) + '" alt="" width="120"></a>';
    });
    return html;
  }

  function drawLines(map, walk, label, bounds, color) {
    if (walk.route) {
      var r = L.geoJSON(walk.route, { style: { color: color || "#1f4e79", weight: 5, opacity: 0.8 } }).addTo(map);
      r.bindTooltip(Trygg.escapeHtml(label.labelRoute + ": " + walk.name));
      bounds.extend(r.getBounds());
    }
    if (walk.track) {
      var t = L.geoJSON(walk.track, { style: { color: "#6a1b9a", weight: 3, dashArray: "6 6" } }).addTo(map);
      t.bindTooltip(Trygg.escapeHtml(label.labelTrack));
      bounds.extend(t.getBounds());
    }
  }

  function drawWalk(map, data, label, bounds) {
    drawLines(map, data.walk, label, bounds);
    var layer = L.geoJSON(data.observations, {
      pointToLayer: function (f, ll) {
        return L.marker(ll, { icon: numberIcon(f.properties.number || "", "feeling-" + f.properties.feeling), keyboard: true });
      },
      onEachFeature: function (f, l) { l.bindPopup(popup(f.properties, label)); }
    }).addTo(map);
    if (layer.getLayers().length) { bounds.extend(layer.getBounds()); }
    return layer.getLayers().length;
  }

  function drawFollowUp(map, data, label, bounds) {
    drawLines(map, data.earlier_walk, label, bounds, "#90a4ae");
    var n = 0;
    L.geoJSON(data.observations, {
      pointToLayer: function (f, ll) {
        var p = f.properties;
        n += 1;
        if (p.walk === "earlier") {
          return L.marker(ll, { icon: numberIcon(p.number || "", "state-" + p.state + (p.seen_again ? " seen-again" : "")) });
        }
        return L.circleMarker(ll, { radius: 6, color: "#222", weight: 1, fillColor: p.state === "ny" ? "#f9a825" : "#6a1b9a", fillOpacity: 0.9 });
      },
      onEachFeature: function (f, l) {
        var p = f.properties;
        var state = { atgardad: label.labelFixed, kvarstar: label.labelOpen, utan_atgard: label.labelOpen, avslagen: label.labelRejected, ny: label.labelNew, igen: label.labelAgain }[p.state] || "";
        var head = (p.walk === "earlier" ? label.labelEarlier : label.labelFollowup) + " – " + state + (p.seen_again ? " (" + label.labelAgain + ")" : "");
        l.bindPopup("<em>" + Trygg.escapeHtml(head) + "</em><br>" + popup(p, label));
      }
    }).eachLayer(function (l) { l.addTo(map); bounds.extend(l.getLatLng()); });
    return n;
  }

  function drawLens(map, data, label, bounds) {
    var obs = L.geoJSON(data.observations, {
      pointToLayer: function (f, ll) {
        return L.circleMarker(ll, { radius: 6, color: "#222", weight: 1, fillColor: feelingColors[f.properties.feeling] || "#888", fillOpacity: 0.9 });
      },
      onEachFeature: function (f, l) { l.bindPopup(popup(f.properties, label)); }
    }).addTo(map);
    if (obs.getLayers().length) { bounds.extend(obs.getBounds()); }
    L.geoJSON(data.places, {
      pointToLayer: function (f, ll) {
        return L.circle(ll, { radius: data.radius_m, color: "#6a1b9a", weight: 2, fillOpacity: 0.05 });
      },
      onEachFeature: function (f, l) {
        var p = f.properties;
        var rows = p.groups.map(function (g) { return Trygg.escapeHtml(g.label) + ": " + g.n + " (" + g.mean_feeling + ")"; });
        l.bindPopup("<strong>" + Trygg.escapeHtml(label.labelPlace) + " " + p.number + "</strong><br>" + Trygg.escapeHtml(label.labelSpread) + ": " + p.spread + "<br>" + rows.join("<br>"));
        l.bindTooltip(String(p.number), { permanent: true, direction: "center", className: "place-label" });
      }
    }).eachLayer(function (l) { l.addTo(map); bounds.extend(l.getLatLng()); });
    return obs.getLayers().length;
  }

  document.querySelectorAll("[data-url][data-mode]").forEach(function (el) {
    var label = el.dataset;
    var map = Trygg.createMap(el, el.dataset.static ? { zoomControl: false, preferCanvas: false } : { preferCanvas: false });
    map.setView([59.52, 17.9], 13);
    // The municipality's NYKO areas as a light background (docs/decisions/0008: no outside tiles).
    var background = el.dataset.backgroundUrl ? Trygg.fetchJSON(el.dataset.backgroundUrl).then(function (fc) {
      L.geoJSON(fc, { style: { color: "#9aa5b1", weight: 0.7, fillColor: "#f4f1ea", fillOpacity: 0.9 }, interactive: false }).addTo(map);
    }).catch(function () { /* the walk still draws without it */ }) : Promise.resolve();
    background.then(function () { return Trygg.fetchJSON(el.dataset.url); }).then(function (data) {
      var bounds = L.latLngBounds([]);
      var drawn = { walk: drawWalk, followup: drawFollowUp, lens: drawLens }[el.dataset.mode](map, data, label, bounds);
      if (bounds.isValid()) { map.fitBounds(bounds, { padding: [24, 24], maxZoom: 17 }); }
      el.dataset.drawn = String(drawn);
      el.dataset.ready = "true";
    }).catch(function (err) {
      el.dataset.error = String(err);
      el.dataset.ready = "true";
      var p = document.createElement("p");
      p.className = "notice error";
      p.textContent = label.labelError + ": " + err;
      el.parentNode.insertBefore(p, el.nextSibling);
    });
  });

  document.querySelectorAll("a.pdf-link").forEach(function (a) {
    a.addEventListener("click", function () { a.classList.add("busy"); a.textContent = a.dataset.busy; });
  });
})();
