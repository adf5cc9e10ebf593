/* Geometry widget: edits the GeoJSON (WGS 84) in a hidden textarea with Leaflet.draw.
 * Background: the municipality's districts from this server, so it works offline. */
(function () {
  "use strict";
  function init(wrapper) {
    var textarea = document.getElementById(wrapper.dataset.textarea);
    var geomType = (wrapper.dataset.geomType || "Geometry").toLowerCase();
    var map = L.map(wrapper.querySelector(".trygg-geom-map")).setView([59.52, 17.9], 12);
    var drawn = new L.FeatureGroup().addTo(map);

    fetch(wrapper.dataset.districtsUrl, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (fc) {
        if (!fc) { return; }
        var bg = L.geoJSON(fc, { style: { color: "#1f4e79", weight: 1, fillOpacity: 0.05 }, interactive: false }).addTo(map);
        if (!drawn.getLayers().length && bg.getLayers().length) { map.fitBounds(bg.getBounds()); }
      });

    if (textarea.value.trim()) {
      try {
        L.geoJSON(JSON.parse(textarea.value)).eachLayer(function (l) { drawn.addLayer(l); });
        if (drawn.getLayers().length) { map.fitBounds(drawn.getBounds(), { maxZoom: 17 }); }
      } catch (e) { /* leave the raw value for the server to report */ }
    }
    if (wrapper.dataset.disabled) { return; }

    var polygon = geomType.indexOf("polygon") >= 0 || geomType === "geometry";
    var line = geomType.indexOf("line") >= 0 || geomType === "geometry";
    var point = geomType.indexOf("point") >= 0 || geomType === "geometry";
    map.addControl(new L.Control.Draw({
      edit: { featureGroup: drawn },
      draw: { polygon: polygon, rectangle: polygon, polyline: line, marker: point, circle: false, circlemarker: false }
    }));

    function save() {
      var geoms = drawn.toGeoJSON().features.map(function (f) { return f.geometry; });
      if (!geoms.length) { textarea.value = ""; return; }
      if (geoms.length === 1 && geomType.indexOf("multi") < 0) { textarea.value = JSON.stringify(geoms[0]); return; }
      var kind = geoms[0].type.replace(/^Multi/, "");
      var coords = [];
      geoms.forEach(function (g) { coords = coords.concat(g.type.indexOf("Multi") === 0 ? g.coordinates : [g.coordinates]); });
      textarea.value = JSON.stringify({ type: "Multi" + kind, coordinates: coords });
    }
    map.on(L.Draw.Event.CREATED, function (e) {
      if (geomType.indexOf("multi") < 0 && geomType !== "geometry") { drawn.clearLayers(); }
      drawn.addLayer(e.layer); save();
    });
    map.on(L.Draw.Event.EDITED, save);
    map.on(L.Draw.Event.DELETED, save);
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".trygg-geom-widget").forEach(init);
  });
})();
