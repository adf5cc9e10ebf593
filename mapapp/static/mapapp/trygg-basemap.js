/* The background map of every Trygg map (docs/decisions/0750, 0751).
 *
 * Reads what to draw from /karta/bakgrund.json (/offentlig/bakgrund.json on the public map, or the map
 * element's data-basemap-config), then adds, in a pane of its own under every layer a page draws:
 *   1. the vector background from the municipality's own data (streets with names, buildings, water,
 *      parks, land use, district and NYKO names), drawn by protomaps-leaflet on canvas, and
 *   2. above it, when a map service is configured, its tiles through Trygg's proxy. Where a tile fails
 *      (service down and not cached) or the service has no picture, the vector background shows through.
 * Every address is on this server (CSP img-src/connect-src 'self'); the service's own address never
 * reaches the page. Attribution is shown in the map's corner (escaped: it is an administrator's text).
 *
 * Sets data-basemap="drawn" on the map element when the first view's background tiles are settled
 * (loaded or failed), and "none" when there is no background at all; TryggBasemap.settled() is true
 * when every map on the page is settled (the PDF printer waits for it).
 */
(function (global) {
  "use strict";

  var PANE = "trygg-basemap";
  var maps = [];
  var drawnLabels = {};

  /* --- style: muted fills, streets above them, names at the larger zooms -------------------------- */

  var C = {
    land: "#f3f1ec",
    water: "#bcd3e0",
    waterLine: "#9fbfd1",
    park: "#d5e5c9",
    landuse: { residential: "#ece8e1", industrial: "#e8e2e8", commercial: "#efe6e0", retail: "#efe6e0",
               farmland: "#eef0dc", forest: "#d2e2c6", meadow: "#e4ecd3", grass: "#dfeccf", cemetery: "#d9e4d3" },
    building: "#ddd7cf",
    buildingEdge: "#c9c1b6",
    casing: "#c8c1b4",
    street: "#ffffff",
    major: "#fbf3dc",
    path: "#a8a092",
    district: "#7d7488",
    nyko: "#a79fb0",
    municipality: "#625a6e",
    generated: "#9a5800",
    text: "#333333",       // on the white halo: 12.6:1 (WCAG AA needs 4.5:1)
    placeText: "#4b4356",  // 9.4:1 on the halo
    generatedText: "#7a4500" // 7.6:1 on the halo
  };

  function byZoom(stops) {
    // Linear between [zoom, value] stops, flat outside them.
    return function (z) {
      if (z <= stops[0][0]) { return stops[0][1]; }
      for (var i = 1; i < stops.length; i++) {
        if (z <= stops[i][0]) {
          var a = stops[i - 1], b = stops[i];
          return a[1] + (b[1] - a[1]) * (z - a[0]) / (b[0] - a[0]);
        }
      }
      return stops[stops.length - 1][1];
    };
  }

  var STREET_WIDTH = {
    1: byZoom([[10, 1.4], [13, 3], [16, 9], [18, 16]]),
    2: byZoom([[10, 0.9], [13, 2.2], [16, 7], [18, 13]]),
    3: byZoom([[12, 0.5], [14, 1.5], [16, 4.5], [18, 10]]),
    4: byZoom([[14, 0.6], [16, 2], [18, 5]])
  };

  function rank(f) { return Number(f && f.props.rank) || 3; }

  function streetWidth(z, f) { return STREET_WIDTH[rank(f)](z); }

  function boundaryOf(kind) {
    return function (z, f) { return f.props.kind === kind; };
  }

  function paintRules(P) {
    return [
      { dataLayer: "landuse", symbolizer: new P.PolygonSymbolizer({
          fill: function (z, f) { return C.landuse[f.props.kind] || "#eceae4"; } }) },
      { dataLayer: "parks", symbolizer: new P.PolygonSymbolizer({ fill: C.park }) },
      { dataLayer: "water", symbolizer: new P.PolygonSymbolizer({ fill: C.water }),
        filter: function (z, f) { return f.geomType === 3; } },
      { dataLayer: "water", symbolizer: new P.LineSymbolizer({ color: C.waterLine, width: byZoom([[12, 1], [18, 4]]) }),
        filter: function (z, f) { return f.geomType === 2; } },
      { dataLayer: "buildings", minzoom: 14, symbolizer: new P.PolygonSymbolizer({
          fill: C.building, stroke: C.buildingEdge, width: byZoom([[15, 0], [16, 0.6], [18, 1]]) }) },
      { dataLayer: "paths", minzoom: 14, symbolizer: new P.LineSymbolizer({
          color: C.path, width: byZoom([[14, 0.6], [18, 1.8]]), dash: [3, 2] }) },
      // Streets: casings of all, then fills, so crossings join; the larger streets above the smaller.
      { dataLayer: "streets", symbolizer: new P.LineSymbolizer({
          color: C.casing, lineCap: "round", lineJoin: "round",
          width: function (z, f) { return streetWidth(z, f) + (z >= 14 ? 1.6 : 0.8); } }),
        filter: function (z) { return z >= 13; } },
      { dataLayer: "streets", symbolizer: new P.LineSymbolizer({
          color: function (z, f) { return rank(f) <= 2 ? C.major : C.street; }, lineCap: "round", lineJoin: "round",
          width: streetWidth }),
        filter: function (z, f) { return rank(f) >= 3; } },
      { dataLayer: "streets", symbolizer: new P.LineSymbolizer({
          color: function (z) { return z >= 13 ? C.major : "#d9cfb8"; }, lineCap: "round", lineJoin: "round",
          width: streetWidth }),
        filter: function (z, f) { return rank(f) <= 2; } },
      { dataLayer: "boundaries", symbolizer: new P.LineSymbolizer({ color: C.nyko, width: 0.8, dash: [4, 3] }),
        filter: boundaryOf("nyko") },
      { dataLayer: "boundaries", symbolizer: new P.LineSymbolizer({ color: C.district, width: byZoom([[10, 1], [16, 1.6]]) }),
        filter: boundaryOf("district") },
      { dataLayer: "boundaries", symbolizer: new P.LineSymbolizer({ color: C.municipality, width: 2, dash: [8, 3] }),
        filter: boundaryOf("municipality") },
      { dataLayer: "boundaries", symbolizer: new P.LineSymbolizer({ color: C.generated, width: 2, dash: [6, 4] }),
        filter: boundaryOf("generated") }
    ];
  }

  /* A label symbolizer that remembers which names it has drawn (the tests read TryggBasemap.labels()). */
  function recorded(symbolizer) {
    return {
      place: function (layout, geom, feature) {
        var labels = symbolizer.place(layout, geom, feature);
        var name = feature && feature.props && feature.props.name;
        (labels || []).forEach(function (label) {
          var draw = label.draw;
          label.draw = function (ctx, extra) { draw(ctx, extra); if (name) { drawnLabels[name] = true; } };
        });
        return labels;
      }
    };
  }

  function labelRules(P) {
    var halo = "#ffffff";
    return [
      { dataLayer: "places", symbolizer: recorded(new P.CenteredTextSymbolizer({
          labelProps: ["name"], fill: C.generatedText, stroke: halo, width: 3,
          fontFamily: "sans-serif", fontWeight: 700, fontSize: byZoom([[12, 12], [16, 14]]) })),
        filter: function (z, f) { return f.props.kind === "generated"; } },
      { dataLayer: "places", maxzoom: 14, symbolizer: recorded(new P.CenteredTextSymbolizer({
          labelProps: ["name"], fill: C.placeText, stroke: halo, width: 3,
          fontFamily: "sans-serif", fontWeight: 700, fontSize: byZoom([[10, 12], [13, 14]]) })),
        filter: function (z, f) { return f.props.kind === "district"; } },
      { dataLayer: "places", minzoom: 13, symbolizer: recorded(new P.CenteredTextSymbolizer({
          labelProps: ["name"], fill: C.placeText, stroke: halo, width: 3,
          fontFamily: "sans-serif", fontStyle: "italic", fontSize: 12 })),
        filter: function (z, f) { return f.props.kind === "nyko"; } },
      { dataLayer: "streets", minzoom: 14, symbolizer: recorded(new P.LineLabelSymbolizer({
          labelProps: ["name"], fill: C.text, stroke: halo, width: 3,
          fontFamily: "sans-serif", fontSize: byZoom([[14, 11], [17, 13]]), repeatDistance: 400 })),
        filter: function (z, f) { return rank(f) <= 3 || z >= 16; } },
      { dataLayer: "paths", minzoom: 16, symbolizer: recorded(new P.LineLabelSymbolizer({
          labelProps: ["name"], fill: C.text, stroke: halo, width: 3,
          fontFamily: "sans-serif", fontStyle: "italic", fontSize: 11 })) },
      { dataLayer: "water", minzoom: 13, symbolizer: recorded(new P.CenteredTextSymbolizer({
          labelProps: ["name"], fill: "#2f5d78", stroke: halo, width: 3,
          fontFamily: "sans-serif", fontStyle: "italic", fontSize: 12 })) },
      { dataLayer: "parks", minzoom: 15, symbolizer: recorded(new P.CenteredTextSymbolizer({
          labelProps: ["name"], fill: "#345b2a", stroke: halo, width: 3,
          fontFamily: "sans-serif", fontSize: 11 })) }
    ];
  }

  /* --- adding the background -------------------------------------------------------------------- */

  function escapeHtml(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function configUrl(el) {
    if (el.dataset.basemapConfig) { return el.dataset.basemapConfig; }
    return global.location.pathname.indexOf("/offentlig") === 0 ? "/offentlig/bakgrund.json" : "/karta/bakgrund.json";
  }

  function whenLoaded(layer) {
    // Leaflet fires "load" when the tiles of the current view are all loaded or failed.
    return new Promise(function (resolve) {
      layer.once("load", function () { resolve(); });
      setTimeout(resolve, 15000); // never hold a page (or a PDF) for ever
    });
  }

  function addLayers(map, el, config) {
    if (!map.getPane(PANE)) {
      var pane = map.createPane(PANE);
      pane.style.zIndex = 150; // under Leaflet's tile pane (200) and every overlay
      pane.style.pointerEvents = "none";
    }
    var pending = [];
    var state = { raster: null, vector: null, config: config };
    var P = global.protomapsL;
    if (config.vector && P && P.leafletLayer) {
      state.vector = P.leafletLayer({
        url: config.vector.tiles,
        pane: PANE,
        zIndex: 1,
        minZoom: config.vector.min_zoom || 10,
        maxDataZoom: config.vector.max_data_zoom || 18,
        paintRules: paintRules(P),
        labelRules: labelRules(P),
        backgroundColor: C.land,
        // The background holds the municipality's data only (the public map's answers 404 elsewhere).
        bounds: config.bounds || undefined,
        attribution: escapeHtml(config.vector.attribution || ""),
        // Printing renders at the page's own scale; the tablet saves battery at 1.
        devicePixelRatio: Math.min(global.devicePixelRatio || 1, 2)
      });
      pending.push(whenLoaded(state.vector));
      state.vector.addTo(map);
    }
    if (config.raster) {
      state.raster = rasterLayer(config.raster, {
        pane: PANE,
        zIndex: 2,
        minZoom: config.raster.min_zoom,
        maxZoom: 20,
        maxNativeZoom: config.raster.max_native_zoom || config.raster.max_zoom,
        attribution: escapeHtml(config.raster.attribution || ""),
        // Only tiles over the municipality: the proxy answers 404 for others (decision 0721).
        bounds: config.bounds || undefined
      });
      state.raster.on("tileerror", function () { el.dataset.basemapFailed = "true"; });
      pending.push(whenLoaded(state.raster));
      state.raster.addTo(map);
    }
    map._tryggBasemap = state;
    printAttribution(el, config, state);
    if (!pending.length) {
      el.dataset.basemap = "none";
      return Promise.resolve(state);
    }
    return Promise.all(pending).then(function () {
      el.dataset.basemap = "drawn";
      return state;
    });
  }

  var EMPTY_PNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
  var EMBEDDED = "trygg-embedded:";

  function rasterLayer(raster, options) {
    if (!raster.data) { return L.tileLayer(raster.tiles, options); }
    // Tiles carried in the file (the offline HTML map): each a data: URI, a transparent pixel if absent.
    var Embedded = L.TileLayer.extend({
      getTileUrl: function (c) { return raster.data[c.z + "/" + c.x + "/" + c.y] || EMPTY_PNG; }
    });
    return new Embedded("", options);
  }

  /* Vector tiles carried in the file: protomaps-leaflet fetches "trygg-embedded:v/z/x/y", answered here
   * from the file's own base64 tiles, never from a network. */
  var embeddedVector = null;
  function answerEmbedded() {
    if (answerEmbedded.done || !global.fetch) { return; }
    answerEmbedded.done = true;
    var plain = global.fetch;
    global.fetch = function (resource, options) {
      var url = typeof resource === "string" ? resource : "";
      if (url.indexOf(EMBEDDED) !== 0) { return plain.apply(global, arguments); }
      var b64 = embeddedVector && embeddedVector[url.slice(EMBEDDED.length).replace(/\.mvt$/, "")];
      var bytes = b64 ? Uint8Array.from(atob(b64), function (c) { return c.charCodeAt(0); }) : new Uint8Array(0);
      return Promise.resolve(new Response(bytes, { status: 200 }));
    };
  }

  /* The background of a self-contained file (basemap/embed.py): ``config`` as /karta/bakgrund.json, with
   * the tiles under raster.data and vector.data. */
  function addEmbedded(map, el, config) {
    if (config.vector && config.vector.data) {
      embeddedVector = config.vector.data;
      answerEmbedded();
      config.vector.tiles = EMBEDDED + "{z}/{x}/{y}.mvt";
    }
    var entry = { map: map, el: el, settled: false };
    maps.push(entry);
    return addLayers(map, el, config).then(function (state) { entry.settled = true; return state; });
  }

  /* The attribution as a line under the map, for print (the map's own corner is hidden in some reports,
   * and a PDF must still say whose map it is): "Bakgrundskarta: <service>; <own data>". */
  function printAttribution(el, config, state) {
    var parts = [];
    if (state.raster && config.raster.attribution) { parts.push(config.raster.attribution); }
    if (state.vector && config.vector.attribution) { parts.push(config.vector.attribution); }
    if (!parts.length) { return; }
    var line = el.nextElementSibling && el.nextElementSibling.classList.contains("trygg-basemap-attribution")
      ? el.nextElementSibling : document.createElement("p");
    line.className = "trygg-basemap-attribution";
    line.textContent = (config.label || "Bakgrundskarta") + ": " + parts.join("; ");
    if (line !== el.nextElementSibling) { el.parentNode.insertBefore(line, el.nextSibling); }
  }

  /* Add the background to ``map`` (a Leaflet map on element ``el``); resolves with what was added. */
  function add(map, el) {
    var entry = { map: map, el: el, settled: false };
    maps.push(entry);
    var done = function (state) { entry.settled = true; return state; };
    return fetch(configUrl(el), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) { throw new Error("background " + r.status); }
        return r.json();
      })
      .then(function (config) { return addLayers(map, el, config); })
      .then(done, function () {
        el.dataset.basemap = "none";
        return done(null);
      });
  }

  /* --- saving an area's tiles for use without a network (the tablet, decision 0752) --------------- */

  var SAVE_PREFIX = "trygg-bakgrund-";
  var SAVE_MAX_TILES = 3000;   // per walk, raster and vector together: some 30–60 MB
  var SAVE_KEEP_AREAS = 3;     // the walks opened most recently keep their tiles
  var SAVE_PARALLEL = 4;

  function tileXY(lat, lon, z) {
    var n = Math.pow(2, z);
    var x = Math.floor((lon + 180) / 360 * n);
    var r = lat * Math.PI / 180;
    var y = Math.floor((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2 * n);
    return [Math.max(0, Math.min(n - 1, x)), Math.max(0, Math.min(n - 1, y))];
  }

  /* The tiles z/x/y of ``bounds`` (a Leaflet LatLngBounds) grown by ``marginM`` metres, zooms minZoom to
   * maxZoom; the deepest zooms are left out while the count is over ``maxTiles``. */
  function areaTiles(bounds, marginM, minZoom, maxZoom, maxTiles) {
    var lat = bounds.getCenter().lat;
    var dLat = marginM / 111320, dLon = marginM / (111320 * Math.cos(lat * Math.PI / 180));
    var south = bounds.getSouth() - dLat, north = bounds.getNorth() + dLat;
    var west = bounds.getWest() - dLon, east = bounds.getEast() + dLon;
    var top = maxZoom, tiles;
    for (; top >= minZoom; top--) {
      tiles = [];
      for (var z = minZoom; z <= top; z++) {
        var a = tileXY(north, west, z), b = tileXY(south, east, z);
        for (var x = a[0]; x <= b[0]; x++) { for (var y = a[1]; y <= b[1]; y++) { tiles.push([z, x, y]); } }
      }
      if (tiles.length <= maxTiles) { break; }
    }
    return { tiles: tiles, maxZoom: top };
  }

  function fill(template, t) {
    return template.replace("{z}", t[0]).replace("{x}", t[1]).replace("{y}", t[2]);
  }

  /* Save the background tiles of ``bounds`` (+ options.margin m, zooms 13–18) in the cache of ``key``
   * (e.g. "walk-12"), for the service worker to serve offline. Resolves with
   * {saved, failed, tiles, maxZoom, usage, quota}; options.progress(done, total) on the way. */
  function saveArea(key, bounds, options) {
    options = options || {};
    if (!global.caches || !bounds || !bounds.isValid()) { return Promise.reject(new Error("no cache")); }
    var name = SAVE_PREFIX + key;
    return fetch(options.config || "/karta/bakgrund.json", { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error("background " + r.status); } return r.json(); })
      .then(function (config) {
        var templates = [];
        if (config.raster) { templates.push(config.raster.tiles); }
        if (config.vector) { templates.push(config.vector.tiles); }
        var perTemplate = Math.floor((options.maxTiles || SAVE_MAX_TILES) / Math.max(templates.length, 1));
        var area = areaTiles(bounds, options.margin == null ? 500 : options.margin,
                             options.minZoom || 13, options.maxZoom || 18, perTemplate);
        var urls = [];
        templates.forEach(function (tpl) { area.tiles.forEach(function (t) { urls.push(fill(tpl, t)); }); });
        return forgetOldAreas(name).then(function () { return caches.open(name); }).then(function (cache) {
          var done = 0, saved = 0, failed = 0, next = 0;
          function worker() {
            if (next >= urls.length) { return Promise.resolve(); }
            var url = urls[next++];
            return cache.match(url).then(function (hit) {
              // A service tile's address carries its version (?v=): kept as it is. The vector background
              // changes with an import and is asked again each time the walk is opened online.
              if (hit && url.indexOf("?v=") >= 0) { return true; }
              return fetch(url, { credentials: "same-origin" }).then(function (response) {
                // 204: the vector background has nothing there; kept too, so offline it is not asked for.
                if (response.ok) { return cache.put(url, response).then(function () { return true; }); }
                return false;
              });
            }).then(function (ok) { if (ok) { saved++; } else { failed++; } },
                    function () { failed++; })
              .then(function () {
                done++;
                if (options.progress) { options.progress(done, urls.length); }
                return worker();
              });
          }
          var workers = [];
          for (var i = 0; i < SAVE_PARALLEL; i++) { workers.push(worker()); }
          return Promise.all(workers).then(function () {
            var estimate = navigator.storage && navigator.storage.estimate ? navigator.storage.estimate() : Promise.resolve({});
            return estimate.then(function (e) {
              return { saved: saved, failed: failed, tiles: urls.length, maxZoom: area.maxZoom,
                       usage: e.usage || null, quota: e.quota || null };
            });
          });
        });
      });
  }

  function forgetOldAreas(keep) {
    // caches.keys() lists caches in the order they were made: the oldest areas go first.
    return caches.keys().then(function (keys) {
      var areas = keys.filter(function (k) { return k.indexOf(SAVE_PREFIX) === 0 && k !== keep; });
      var drop = areas.slice(0, Math.max(0, areas.length - (SAVE_KEEP_AREAS - 1)));
      return Promise.all(drop.map(function (k) { return caches.delete(k); }));
    });
  }

  global.TryggBasemap = {
    addEmbedded: addEmbedded,
    saveArea: saveArea,
    areaTiles: areaTiles,
    add: add,
    // True when every map's background is added and none of its layers is still loading tiles (a page
    // that moves its map after its data came loads new tiles: the printer waits for those too).
    settled: function () {
      return maps.every(function (m) {
        var state = m.map._tryggBasemap;
        var loading = state && ((state.raster && state.raster.isLoading()) || (state.vector && state.vector.isLoading()));
        return m.settled && !loading;
      });
    },
    // The Leaflet map drawn on element ``el`` (for tests and the print page's own checks).
    mapOf: function (el) {
      var found = maps.filter(function (m) { return m.el === el; })[0];
      return found ? found.map : null;
    },
    labels: function () { return Object.keys(drawnLabels).sort(); },
    colours: C
  };
})(window);
