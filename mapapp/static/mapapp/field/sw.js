/* Service worker for the tablet page. Served from /falt/sw.js by mapapp.field_views.service_worker, which
 * puts self.TRYGG_SW (version, page, map data and static assets to keep) in front of this file.
 *
 * - The page (/falt/, any query) and its map data: network first, so a tablet with a network always gets
 *   the current walks; the last good copy when there is none (or the network hangs for 4 s).
 * - Static assets (scripts, styles, Leaflet): cache first; they change only with a new version, and a new
 *   version of this worker brings a new cache.
 * - Background map tiles (/karta/bakgrund/…, /karta/vektor/…): from the caches the page filled for the
 *   walks opened online (trygg-bakgrund-<walk>, bounded there), else the network; offline and not saved,
 *   an empty tile (transparent PNG, or 204 for the vector background), never a failed request.
 * - The API is never cached: the page's outbox decides what to send, and when. */
"use strict";
var CONFIG = self.TRYGG_SW;
// Each page that uses this worker (/falt/, the EST report page) keeps caches under its own prefix.
var PREFIX = CONFIG.cache_prefix || "trygg-falt-";
var CACHE = PREFIX + CONFIG.version;
var NETWORK_TIMEOUT_MS = 4000;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    var assets = cache.addAll(CONFIG.assets);
    // The page and the data need the user's session; a failure here (logged out) must not stop the install.
    var pages = [CONFIG.page].concat(CONFIG.data).map(function (url) {
      return fetch(url, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
        if (response.ok && !response.redirected) { return cache.put(url, response); }
      }).catch(function () { /* offline at install: kept on the next visit */ });
    });
    return Promise.all([assets].concat(pages));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf(PREFIX) === 0 && k !== CACHE; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function withTimeout(promise, ms) {
  return new Promise(function (resolve, reject) {
    var timer = setTimeout(function () { reject(new Error("timeout")); }, ms);
    promise.then(function (v) { clearTimeout(timer); resolve(v); }, function (e) { clearTimeout(timer); reject(e); });
  });
}

function networkFirst(request, cacheKey) {
  return caches.open(CACHE).then(function (cache) {
    return withTimeout(fetch(request), NETWORK_TIMEOUT_MS).then(function (response) {
      // Keep only a real page: not a redirect to the login page, not an error.
      if (response.ok && !response.redirected) { cache.put(cacheKey, response.clone()); }
      return response;
    }).catch(function () {
      return cache.match(cacheKey).then(function (hit) {
        return hit || new Response("offline", { status: 503, headers: { "Content-Type": "text/plain" } });
      });
    });
  });
}

// A transparent 1 × 1 PNG: a raster tile that is neither saved nor reachable (Leaflet stretches it).
var EMPTY_PNG = Uint8Array.from(atob(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
), function (c) { return c.charCodeAt(0); });

function backgroundTile(request, url) {
  return caches.match(request, { ignoreVary: true }).then(function (hit) {
    if (hit) { return hit; }
    return fetch(request).catch(function () {
      if (/\.mvt$/.test(url.pathname)) { return new Response(null, { status: 204 }); }
      return new Response(EMPTY_PNG, { status: 200, headers: { "Content-Type": "image/png", "X-Trygg-Tile": "offline" } });
    });
  });
}

function cacheFirst(request) {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(request).then(function (hit) {
      return hit || fetch(request).then(function (response) {
        if (response.ok) { cache.put(request, response.clone()); }
        return response;
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate" && url.pathname === CONFIG.page) {
    event.respondWith(networkFirst(request, CONFIG.page));
    return;
  }
  if (CONFIG.data.indexOf(url.pathname) >= 0) {
    event.respondWith(networkFirst(request, url.pathname));
    return;
  }
  if (CONFIG.tiles.some(function (prefix) { return url.pathname.indexOf(prefix) === 0; })) {
    event.respondWith(backgroundTile(request, url));
    return;
  }
  if (url.pathname.indexOf(CONFIG.static_prefix) === 0) {
    event.respondWith(cacheFirst(request));
  }
});
