/* Maps of actions (åtgärder): the open tasks of an office, or one action's place. The points come in the
 * page (a JSON script element named by data-source); overdue tasks are red. Sets data-ready="true" and
 * data-drawn (the number of points) when drawn. */
(function () {
  "use strict";

  function popup(p, label) {
    var html = '<a href="' + Trygg.escapeHtml(p.url) + '"><strong>' + Trygg.escapeHtml(p.title) + "</strong></a>";
    if (p.place) { html += "<br>" + Trygg.escapeHtml(p.place); }
    html += "<br>" + Trygg.escapeHtml(label.labelDue) + " " + Trygg.escapeHtml(p.due_date || "–");
    if (p.overdue) { html += ' <strong class="late">' + Trygg.escapeHtml(label.labelOverdue) + "</strong>"; }
    return html;
  }

  document.querySelectorAll("[data-source]").forEach(function (el) {
    var label = el.dataset;
    var source = document.getElementById(el.dataset.source);
    var data = source ? JSON.parse(source.textContent) : { type: "FeatureCollection", features: [] };
    var map = Trygg.createMap(el, { preferCanvas: false });
    map.setView([59.52, 17.9], 13);
    var background = el.dataset.backgroundUrl ? Trygg.fetchJSON(el.dataset.backgroundUrl).then(function (fc) {
      L.geoJSON(fc, { style: { color: "#9aa5b1", weight: 0.7, fillColor: "#f4f1ea", fillOpacity: 0.9 }, interactive: false }).addTo(map);
    }).catch(function () { /* the points still draw without it */ }) : Promise.resolve();
    background.then(function () {
      var layer = L.geoJSON(data, {
        pointToLayer: function (f, ll) {
          return L.circleMarker(ll, {
            radius: 8, color: "#222", weight: 1, fillOpacity: 0.9,
            fillColor: f.properties.overdue ? "#c62828" : "#1f4e79",
            className: f.properties.overdue ? "action-point overdue" : "action-point"
          });
        },
        onEachFeature: function (f, l) {
          l.bindPopup(popup(f.properties, label));
          l.bindTooltip(Trygg.escapeHtml(f.properties.place || f.properties.title));
        }
      }).addTo(map);
      var n = layer.getLayers().length;
      if (n) { map.fitBounds(layer.getBounds(), { padding: [24, 24], maxZoom: 17, animate: false }); }
      el.dataset.drawn = String(n);
      el.dataset.ready = "true";
    });
  });
})();
