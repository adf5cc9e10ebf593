/* Shared map helpers for Trygg's pages. No network beyond this server: the default background is
 * the municipality's own layers, and an XYZ basemap is used only when the installation sets one. */
(function (global) {
  "use strict";

  function createMap(el, options) {
    var map = L.map(el, Object.assign({ zoomControl: true, preferCanvas: true, maxZoom: 19, minZoom: 8 }, options || {}));
    // Plain-text prefix: the default links to leafletjs.com, and no page links outside this server.
    map.attributionControl.setPrefix("Leaflet");
    var url = el.dataset.basemapUrl;
    if (url) {
      L.tileLayer(url, { attribution: el.dataset.basemapAttribution || "", maxZoom: 20 }).addTo(map);
    }
    return map;
  }

  function fetchJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json, application/json" } })
      .then(function (r) {
        if (!r.ok) { throw new Error(url + ": " + r.status); }
        return r.json();
      });
  }

  function escapeHtml(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  global.Trygg = { createMap: createMap, fetchJSON: fetchJSON, escapeHtml: escapeHtml };
})(window);
