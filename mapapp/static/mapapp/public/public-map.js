/* The public map: hot-spot cells only (no points), over the districts. */
(function () {
  "use strict";
  var el = document.getElementById("map");
  var d = el.dataset;
  var map = Trygg.createMap(el);
  map.setView([59.52, 17.9], 12);
  var colours = { 3: "#b2182b", 2: "#ef8a62", 1: "#fddbc7" };
  var labels = { 3: d.labelHot99, 2: d.labelHot95, 1: d.labelHot90 };
  Trygg.fetchJSON(d.url).then(function (fc) {
    var districts = L.geoJSON(fc.districts, { style: { color: "#1f4e79", weight: 2, fill: false }, interactive: false }).addTo(map);
    if (districts.getLayers().length) { map.fitBounds(districts.getBounds()); }
    L.geoJSON(fc, {
      style: function (f) {
        return { color: "#7f0000", weight: 0.5, fillColor: colours[f.properties["class"]] || "#ccc", fillOpacity: 0.7 };
      },
      onEachFeature: function (f, l) {
        var p = f.properties;
        l.bindTooltip(Trygg.escapeHtml(labels[p["class"]] || "") +
          (p.count !== null ? "<br>" + p.count + " " + Trygg.escapeHtml(d.labelCount) : ""));
      }
    }).addTo(map);
    el.dataset.cells = String(fc.features.length);
    el.dataset.ready = "true";
  });
})();
