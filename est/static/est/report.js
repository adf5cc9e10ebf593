/* The EST report page (/est/rapport/): a short report on a phone, with or without a network.
 *
 * The walk page's parts and rules are reused (decisions 0100, 0101): mapapp/field/outbox.js keeps each
 * report in IndexedDB (its own database, est/outbox-name.js) under a UUID made here; the report leaves the
 * outbox only after the server answered 200 or 201 for it; 401/403, 5xx and no network leave it waiting;
 * 400/409/413/422 mark it "rejected"/"conflict" with the server's message. mapapp/field/sw.js keeps the
 * page, its scripts and the map outlines for use without a network. */
(function () {
  "use strict";
  var root = document.getElementById("est-app");
  if (!root) { return; }
  var label = root.dataset;
  var $ = function (id) { return document.getElementById(id); };
  var state = { fix: null, picked: null, map: null, marker: null, you: null, syncing: false, lastSync: null };
  var SYNC_EVERY_MS = 60000;
  var SCOPE = "est";  // the "walk" key of the outbox's list of recorded items

  function uuid4() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function cookie(name) {
    var m = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return m ? decodeURIComponent(m[1]) : "";
  }

  function pad(n) { return ("0" + n).slice(-2); }
  function localInput(d) {
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" + pad(d.getMinutes());
  }
  function shortTime(iso) { var d = new Date(iso); return localInput(d).replace("T", " "); }
  function round7(v) { return Math.round(v * 1e7) / 1e7; }

  function say(text, kind) {
    var el = $("status-message");
    el.textContent = text;
    el.className = "status-message " + (kind || "");
    el.hidden = !text;
  }

  function typeLabel(value) {
    var input = document.querySelector("#est-form input[name='event_type'][value='" + value + "']");
    return input ? input.parentNode.textContent.trim() : value;
  }

  // --- map and GPS ------------------------------------------------------------------------------

  function setupMap() {
    state.map = Trygg.createMap($("est-map"), { tap: true });
    state.map.setView([59.52, 17.9], 14);
    state.map.on("click", function (e) { pick(e.latlng, true); });
    fetch(label.mapUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(function (data) {
        var areas = L.geoJSON(data.areas, { style: { color: "#6b7b8c", weight: 1, fill: false }, interactive: false }).addTo(state.map);
        L.geoJSON(data.districts, { style: { color: "#1f4e79", weight: 2, fill: false }, interactive: false }).addTo(state.map);
        if (!state.fix && !state.picked && areas.getLayers().length) { state.map.fitBounds(areas.getBounds()); }
        $("est-map").dataset.mapData = "loaded";
      })
      .catch(function () { $("est-map").dataset.mapData = "missing"; });
  }

  function pick(latlng, byHand) {
    state.picked = { lat: latlng.lat, lon: latlng.lng, byHand: byHand };
    if (!state.marker) {
      state.marker = L.marker(latlng, { draggable: true }).addTo(state.map);
      state.marker.on("dragend", function () { pick(state.marker.getLatLng(), true); });
    } else {
      state.marker.setLatLng(latlng);
    }
    $("position").textContent = byHand ? label.labelMoved : "±" + Math.round(state.fix.accuracy) + " m";
    $("position").dataset.picked = "true";
  }

  function onPosition(pos) {
    state.fix = { lat: pos.coords.latitude, lon: pos.coords.longitude, accuracy: pos.coords.accuracy };
    var ll = [state.fix.lat, state.fix.lon];
    if (!state.you) {
      state.you = L.circleMarker(ll, { radius: 7, color: "#fff", weight: 3, fillColor: "#1976d2", fillOpacity: 1 }).addTo(state.map);
      state.you.bindTooltip(label.labelYou);
      state.map.setView(ll, 16);
    } else {
      state.you.setLatLng(ll);
    }
    if (!state.picked || !state.picked.byHand) { pick(L.latLng(ll), false); }
  }

  function startGps() {
    if (!navigator.geolocation) { $("position").textContent = label.labelNoGps; return; }
    navigator.geolocation.watchPosition(onPosition, function () {
      if (!state.picked) { $("position").textContent = label.labelNoGps; }
    }, { enableHighAccuracy: true, maximumAge: 5000, timeout: 30000 });
  }

  // --- saving a report --------------------------------------------------------------------------

  function resetForm() {
    $("est-form").reset();
    $("occurred-at").value = localInput(new Date());
    $("form-error").hidden = true;
    if (state.fix) { pick(L.latLng(state.fix.lat, state.fix.lon), false); }
  }

  function save(event) {
    event.preventDefault();
    var data = new FormData($("est-form"));
    var when = data.get("occurred_at") ? new Date(String(data.get("occurred_at"))) : null;
    var error = !data.get("event_type") ? label.labelChooseType
      : !state.picked ? label.labelNoGps
      : (!when || isNaN(when.getTime())) ? label.labelChooseTime : "";
    if (error) { $("form-error").textContent = error; $("form-error").hidden = false; return; }
    var gps = state.fix;
    var report = {
      client_uuid: uuid4(),
      walk: SCOPE,
      event_type: data.get("event_type"),
      lon: round7(state.picked.lon),
      lat: round7(state.picked.lat),
      gps_lon: gps ? round7(gps.lon) : null,
      gps_lat: gps ? round7(gps.lat) : null,
      accuracy_m: gps ? Math.round(gps.accuracy * 10) / 10 : null,
      occurred_at: when.toISOString(),
      note: String(data.get("note") || "").trim()
    };
    TryggOutbox.addObservation(report, [], label.user).then(function () {
      say(label.labelSaved, "ok");
      resetForm();
      return render();
    }).then(syncSoon).catch(function (e) { $("form-error").textContent = String(e); $("form-error").hidden = false; });
  }

  // --- sync (the walk page's rules) ---------------------------------------------------------------

  function mine(item) { return item.owner === label.user; }

  function send(item) {
    var body = Object.assign({}, item.payload);
    delete body.walk;
    return fetch(label.syncUrl, {
      method: "POST", credentials: "same-origin", cache: "no-store",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": cookie("csrftoken") },
      body: JSON.stringify(body)
    });
  }

  function errorText(response) {
    return response.json().then(function (b) { return b.error || String(response.status); },
      function () { return String(response.status); });
  }

  var syncTimer = null;
  function syncSoon() { clearTimeout(syncTimer); syncTimer = setTimeout(sync, 100); }

  function sync() {
    if (state.syncing || !navigator.onLine) { return Promise.resolve(); }
    state.syncing = true;
    $("network-state").textContent = label.labelSyncing;
    var stopped = false;
    return TryggOutbox.all().then(function (items) {
      var chain = Promise.resolve();
      items.filter(mine).forEach(function (item) {
        chain = chain.then(function () {
          if (stopped || item.state !== "waiting") { return; }
          return send(item).then(function (response) {
            if (response.redirected) { // a login page, not the sync address: keep the report
              stopped = true;
              say(label.labelLoginAgain, "error");
              return;
            }
            if (response.status === 200 || response.status === 201) {
              return TryggOutbox.remove(item.key).then(function () { return TryggOutbox.markRecorded(item.uuid, "synced"); });
            }
            if (response.status === 401 || response.status === 403) {
              stopped = true;
              return errorText(response).then(function (t) { say(label.labelLoginAgain + " (" + t + ")", "error"); });
            }
            if ([400, 409, 413, 415, 422].indexOf(response.status) >= 0) {
              return errorText(response).then(function (t) {
                item.state = response.status === 409 ? "conflict" : "rejected";
                item.error = t;
                return TryggOutbox.put(item).then(function () { return TryggOutbox.markRecorded(item.uuid, item.state, t); });
              });
            }
            stopped = true; // 5xx, 429: try again later
          }, function () { stopped = true; }); // no network
        });
      });
      return chain;
    }).then(function () {
      if (!stopped) {
        state.lastSync = new Date().toISOString();
        return TryggOutbox.setMeta("lastSync", state.lastSync);
      }
    }).catch(function () { /* IndexedDB trouble: nothing was removed */ }).then(function () {
      state.syncing = false;
      return render();
    });
  }

  // --- rendering --------------------------------------------------------------------------------

  function render() {
    $("network-state").textContent = state.syncing ? label.labelSyncing : navigator.onLine ? label.labelOnline : label.labelOffline;
    $("network-state").className = "net " + (navigator.onLine ? "online" : "offline");
    $("last-sync").textContent = state.lastSync ? shortTime(state.lastSync) : label.labelNever;
    return TryggOutbox.all().then(function (all) {
      var items = all.filter(mine);
      var waiting = items.filter(function (i) { return i.state === "waiting"; }).length;
      $("outbox-count").textContent = String(waiting);
      root.dataset.outbox = String(waiting);
      var problems = items.filter(function (i) { return i.state !== "waiting"; });
      var list = $("problem-list");
      list.textContent = "";
      problems.forEach(function (p) {
        var li = document.createElement("li");
        li.textContent = typeLabel(p.payload.event_type) + ": " + (p.state === "conflict" ? label.labelConflict : label.labelRejected + " – " + (p.error || ""));
        list.appendChild(li);
      });
      $("problems").hidden = problems.length === 0;
      return TryggOutbox.recorded(SCOPE);
    }).then(function (recorded) {
      var list = $("local-list");
      list.textContent = "";
      recorded.filter(mine).sort(function (a, b) { return a.payload.occurred_at < b.payload.occurred_at ? 1 : -1; })
        .forEach(function (r) {
          var li = document.createElement("li");
          li.dataset.state = r.state;
          li.textContent = shortTime(r.payload.occurred_at) + " " + typeLabel(r.payload.event_type) + " · " +
            (r.state === "synced" ? label.labelSynced : r.state === "waiting" ? label.labelWaiting : label.labelRejected);
          list.appendChild(li);
        });
    });
  }

  function registerServiceWorker() {
    var el = $("offline-ready");
    if (!("serviceWorker" in navigator)) { el.textContent = label.labelOfflineUnsupported; return; }
    el.textContent = label.labelOfflineNotReady;
    navigator.serviceWorker.register(label.swUrl, { scope: label.scope }).catch(function (e) {
      el.textContent = label.labelOfflineUnsupported + " (" + e + ")";
    });
    function ready() {
      if (navigator.serviceWorker.controller) {
        el.textContent = label.labelOfflineReady;
        root.dataset.offlineReady = "true";
      }
    }
    navigator.serviceWorker.ready.then(ready);
    navigator.serviceWorker.addEventListener("controllerchange", ready);
  }

  // --- wiring -----------------------------------------------------------------------------------

  $("est-form").addEventListener("submit", save);
  $("use-gps").addEventListener("click", function () {
    if (state.fix) { pick(L.latLng(state.fix.lat, state.fix.lon), false); state.map.panTo([state.fix.lat, state.fix.lon]); }
  });
  $("sync-now").addEventListener("click", function () { say("", ""); sync(); });
  window.addEventListener("online", function () { render(); syncSoon(); });
  window.addEventListener("offline", render);
  setInterval(function () { if (navigator.onLine) { sync(); } }, SYNC_EVERY_MS);

  setupMap();
  resetForm();
  TryggOutbox.getMeta("lastSync").then(function (last) {
    state.lastSync = last || null;
    startGps();
    registerServiceWorker();
    root.dataset.ready = "true";
    return render();
  }).then(function () { if (navigator.onLine) { syncSoon(); } });
})();
