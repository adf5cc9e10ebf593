/* Shared map helpers for Trygg's pages. No network beyond this server: the background comes from
 * trygg-basemap.js (the municipality's map service through Trygg's proxy, or its own vector background). */
(function (global) {
  "use strict";

  function createMap(el, options) {
    var map = L.map(el, Object.assign({ zoomControl: true, preferCanvas: true, maxZoom: 19, minZoom: 8 }, options || {}));
    // Plain-text prefix: the default links to leafletjs.com, and no page links outside this server.
    map.attributionControl.setPrefix("Leaflet");
    // The background (docs/decisions/0750): the municipality's map service through Trygg's proxy, over
    // the vector background from its own data; pages that draw their own (data-basemap="off") opt out.
    if (global.TryggBasemap && el.dataset.basemap !== "off") { global.TryggBasemap.add(map, el); }
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

  /* Vector tiles refused under load (429, docs/decisions/0524) are asked for again after the server's
   * Retry-After (at most 3 tries, 1–5 s apart) instead of being drawn empty: Leaflet.VectorGrid fetches
   * with the global fetch and draws any refusal as an empty tile. Only GETs of /tiles/ are touched. */
  var plainFetch = global.fetch;
  function fetchTileWithRetry(resource, options) {
    var url = typeof resource === "string" ? resource : (resource && resource.url) || "";
    var method = ((options && options.method) || "GET").toUpperCase();
    if (url.indexOf("/tiles/") < 0 || method !== "GET") { return plainFetch.apply(global, arguments); }
    var tries = 0;
    function attempt() {
      tries += 1;
      return plainFetch.call(global, resource, options).then(function (response) {
        if (response.status !== 429 || tries >= 3) { return response; }
        var wait = Math.min(Math.max(Number(response.headers.get("Retry-After")) || 1, 1), 5);
        return new Promise(function (resolve) {
          setTimeout(function () { resolve(attempt()); }, wait * 1000 * (0.75 + Math.random() / 2));
        });
      });
    }
    return attempt();
  }
  if (plainFetch) { global.fetch = fetchTileWithRetry; }

  global.Trygg = { createMap: createMap, fetchJSON: fetchJSON, escapeHtml: escapeHtml };
})(window);
