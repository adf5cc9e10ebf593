/* The tablet page (/falt/): record observations on a trygghetsvandring with or without a network.
 *
 * Every observation gets a UUID here, goes into the IndexedDB outbox with its photos, and is sent to the
 * sync API when there is a network (at once, when the browser says it is back online, and every minute).
 * The server stores each UUID once, so sending again after a lost answer is always safe. Nothing leaves
 * the outbox before the server answered 200 or 201 for it. A service worker keeps the page, its scripts,
 * Leaflet and the map data, so the page also opens and reloads without a network. */
(function () {
  "use strict";
  var root = document.getElementById("tablet");
  if (!root) { return; }
  var label = root.dataset;
  var walks = JSON.parse(document.getElementById("walks-data").textContent || "[]");
  var $ = function (id) { return document.getElementById(id); };
  var state = {
    walk: null, fix: null, map: null, you: null, youCircle: null, draft: null, syncing: false,
    tracking: false, track: [], lastSync: null, token: "", layers: {}, mapData: null
  };
  var SYNC_EVERY_MS = 60000;
  var TRACK_MIN_STEP_M = 10;
  var TRACK_MAX_ACCURACY_M = 50;

  // --- small helpers ----------------------------------------------------------------------------

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

  function authHeaders(extra) {
    var h = Object.assign({}, extra || {});
    if (state.token) { h.Authorization = "Bearer " + state.token; }
    else { h["X-CSRFToken"] = cookie("csrftoken"); }
    return h;
  }

  function time(iso) {
    var d = new Date(iso);
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }

  function say(text, kind) {
    var el = $("status-message");
    el.textContent = text;
    el.className = "status-message " + (kind || "");
    el.hidden = !text;
  }

  function choiceLabel(name, value) {
    var input = document.querySelector("#obs-form input[name='" + name + "'][value='" + value + "']");
    return input ? input.parentNode.textContent.trim() : value;
  }

  // --- walk choice ------------------------------------------------------------------------------

  function walkById(id) {
    for (var i = 0; i < walks.length; i++) { if (String(walks[i].id) === String(id)) { return walks[i]; } }
    return null;
  }

  function chooseWalk(walk) {
    state.walk = walk;
    localStorage.setItem("trygg.falt.walk", String(walk.id));
    $("walk-picker").hidden = true;
    $("walk-screen").hidden = false;
    $("walk-name").textContent = walk.name;
    var list = $("checklist");
    list.textContent = "";
    (walk.checklist || []).forEach(function (item) {
      var li = document.createElement("li");
      li.textContent = item;
      list.appendChild(li);
    });
    TryggOutbox.getMeta("track:" + walk.id).then(function (t) { state.track = t || []; renderTrack(); });
    setupMap();
    render();
  }

  function showPicker() {
    localStorage.removeItem("trygg.falt.walk");
    state.walk = null;
    $("walk-screen").hidden = true;
    $("walk-picker").hidden = false;
  }

  // --- map and GPS ------------------------------------------------------------------------------

  function setupMap() {
    if (!state.map) {
      state.map = Trygg.createMap($("tablet-map"), { preferCanvas: false, tap: true });
      state.map.setView([59.52, 17.9], 15);
      state.layers.route = L.layerGroup().addTo(state.map);
      state.layers.earlier = L.layerGroup().addTo(state.map);
      state.layers.local = L.layerGroup().addTo(state.map);
      state.layers.districts = L.layerGroup().addTo(state.map);
      state.map.on("dragstart", function () { if (!state.draft) { state.follow = false; } });
    }
    state.layers.route.clearLayers();
    state.routeBounds = null;
    state.follow = true;
    var line = state.walk.route || state.walk.track;
    if (line) {
      var route = L.geoJSON(line, { style: { color: "#1f4e79", weight: 6, opacity: 0.8 } }).addTo(state.layers.route);
      state.routeBounds = route.getBounds();
    }
    // Fit only once the map has its size: fitted while hidden (0 × 0) it showed the whole municipality.
    whenSized(function () { state.map.invalidateSize(); fitRoute(); });
    loadMapData();
    saveBackground();
  }

  function whenSized(callback) {
    var el = $("tablet-map");
    if (el.clientWidth > 0 && el.clientHeight > 0) { callback(); return; }
    if (!window.ResizeObserver) { setTimeout(callback, 50); return; }
    var observer = new ResizeObserver(function () {
      if (el.clientWidth > 0 && el.clientHeight > 0) { observer.disconnect(); callback(); }
    });
    observer.observe(el);
  }

  function fitRoute() {
    var el = $("tablet-map");
    if (state.routeBounds && state.routeBounds.isValid()) {
      state.map.fitBounds(state.routeBounds, { padding: [30, 30], animate: false });
      el.dataset.view = "route";
    } else if (state.fix) {
      state.map.setView([state.fix.lat, state.fix.lon], 17, { animate: false });
      el.dataset.view = "position";
    }
  }

  // The walk's background tiles (route + 500 m, zooms 13–18) are saved while there is a network, so the
  // map has its background on the walk (trygg-basemap.js, the service worker serves them).
  function saveBackground() {
    var el = $("tile-storage");
    if (!el || !window.TryggBasemap || !navigator.onLine || !state.routeBounds) { return; }
    var walkId = state.walk.id;
    el.textContent = el.dataset.labelSaving;
    TryggBasemap.saveArea("walk-" + walkId, state.routeBounds, {
      progress: function (done, total) { el.textContent = el.dataset.labelSaving + " " + done + "/" + total; }
    }).then(function (result) {
      if (!state.walk || state.walk.id !== walkId) { return; }
      var lang = document.documentElement.lang || "sv";
      var mb = function (bytes) { return (bytes / 1048576).toLocaleString(lang, { maximumFractionDigits: 1 }); };
      el.textContent = el.dataset.labelSaved + ": " + result.saved.toLocaleString(lang) + " " + el.dataset.labelTiles +
        " (z13–" + result.maxZoom + ")" +
        (result.usage != null ? ", " + mb(result.usage) + " MB " + el.dataset.labelOf + " " + mb(result.quota) + " MB" : "");
      el.dataset.saved = String(result.saved);
      el.dataset.failed = String(result.failed);
    }).catch(function () { el.textContent = el.dataset.labelNotSaved; el.dataset.saved = "0"; });
  }

  function loadMapData() {
    // The service worker answers from its cache when there is no network (network first, cache second).
    fetch(label.mapUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(function (data) {
        state.mapData = data;
        state.layers.districts.clearLayers();
        L.geoJSON(data.districts, { style: { color: "#6b7b8c", weight: 2, fill: false }, interactive: false }).addTo(state.layers.districts);
        state.layers.earlier.clearLayers();
        var earlier = state.walk && data.earlier_observations[String(state.walk.id)];
        if (earlier) {
          L.geoJSON(earlier, {
            pointToLayer: function (f, ll) {
              return L.circleMarker(ll, { radius: 7, color: "#555", weight: 2, fillColor: f.properties.action_status === "atgardad" ? "#2e7d32" : "#bdbdbd", fillOpacity: 0.6 });
            },
            onEachFeature: function (f, l) {
              l.bindPopup(Trygg.escapeHtml(label.labelEarlier + ": " + f.properties.category_label + " – " + f.properties.note + " (" + f.properties.action_status_label + ")"));
            }
          }).addTo(state.layers.earlier);
        }
        $("tablet-map").dataset.mapData = "loaded";
      })
      .catch(function () { $("tablet-map").dataset.mapData = "missing"; });
  }

  function onPosition(pos) {
    state.fix = { lat: pos.coords.latitude, lon: pos.coords.longitude, accuracy: pos.coords.accuracy, at: Date.now() };
    $("gps-accuracy").textContent = "±" + Math.round(pos.coords.accuracy) + " m";
    $("gps-accuracy").dataset.accuracy = String(Math.round(pos.coords.accuracy));
    if (state.map) {
      var ll = [state.fix.lat, state.fix.lon];
      if (!state.you) {
        state.youCircle = L.circle(ll, { radius: state.fix.accuracy, color: "#1976d2", weight: 1, fillOpacity: 0.1, interactive: false }).addTo(state.map);
        state.you = L.circleMarker(ll, { radius: 8, color: "#fff", weight: 3, fillColor: "#1976d2", fillOpacity: 1 }).addTo(state.map);
        state.you.bindTooltip(label.labelYou);
      } else {
        state.you.setLatLng(ll);
        state.youCircle.setLatLng(ll).setRadius(state.fix.accuracy);
      }
      // Follow the position while it is near the walk and the user has not moved the map by hand.
      var near = !state.routeBounds || state.routeBounds.pad(0.5).contains(ll);
      if (state.follow && near && !state.map.getBounds().contains(ll)) {
        state.map.panTo(ll, { animate: false });
      }
    }
    if (state.tracking) { addTrackPoint(state.fix); }
  }

  function startGps() {
    if (!navigator.geolocation) { $("gps-accuracy").textContent = "–"; return; }
    navigator.geolocation.watchPosition(onPosition, function () { $("gps-accuracy").textContent = "–"; },
      { enableHighAccuracy: true, maximumAge: 5000, timeout: 30000 });
  }

  // --- GPS track --------------------------------------------------------------------------------

  function addTrackPoint(fix) {
    if (fix.accuracy > TRACK_MAX_ACCURACY_M || !state.walk) { return; }
    var last = state.track[state.track.length - 1];
    if (last && L.latLng(last[1], last[0]).distanceTo([fix.lat, fix.lon]) < TRACK_MIN_STEP_M) { return; }
    state.track.push([Math.round(fix.lon * 1e7) / 1e7, Math.round(fix.lat * 1e7) / 1e7]);
    var walkId = state.walk.id;
    TryggOutbox.setMeta("track:" + walkId, state.track).then(function () {
      if (state.track.length >= 2) {
        return TryggOutbox.putLatest("track:" + walkId, { kind: "track", walk: walkId, coordinates: state.track.slice(), owner: label.user });
      }
    }).then(render);
    renderTrack();
  }

  function renderTrack() {
    $("track-info").textContent = state.track.length ? state.track.length + " " + label.labelTrackPoints : "";
    $("track-toggle").textContent = state.tracking ? label.labelTrackOn : label.labelTrackOff;
    $("track-toggle").setAttribute("aria-pressed", String(state.tracking));
  }

  // --- recording an observation -----------------------------------------------------------------

  function openForm() {
    var form = $("obs-form");
    form.reset();
    $("photo-previews").textContent = "";
    $("obs-error").hidden = true;
    var centre = state.fix ? L.latLng(state.fix.lat, state.fix.lon) : state.map.getCenter();
    state.draft = { gps: state.fix ? { lat: state.fix.lat, lon: state.fix.lon, accuracy: state.fix.accuracy } : null, moved: false };
    var icon = L.divIcon({ className: "draft-marker", html: "<span></span>", iconSize: [34, 34], iconAnchor: [17, 34] });
    state.draft.marker = L.marker(centre, { draggable: true, icon: icon, autoPan: true }).addTo(state.map);
    state.draft.marker.on("dragend", function () {
      state.draft.moved = true;
      $("obs-position").textContent = label.labelMoved;
    });
    $("obs-position").textContent = state.fix ? "±" + Math.round(state.fix.accuracy) + " m" : label.labelNoGps;
    state.map.panTo(centre);
    form.hidden = false;
    root.classList.add("form-open");
    setTimeout(function () { state.map.invalidateSize(); }, 50);
  }

  function closeForm() {
    if (state.draft && state.draft.marker) { state.map.removeLayer(state.draft.marker); }
    state.draft = null;
    $("obs-form").hidden = true;
    root.classList.remove("form-open");
    setTimeout(function () { state.map.invalidateSize(); }, 50);
  }

  function previewPhotos() {
    var box = $("photo-previews");
    box.textContent = "";
    Array.prototype.forEach.call($("photo-input").files, function (file) {
      var img = document.createElement("img");
      img.src = URL.createObjectURL(file);
      img.alt = file.name;
      img.width = 96;
      box.appendChild(img);
    });
  }

  function round7(v) { return Math.round(v * 1e7) / 1e7; }

  function saveObservation(event) {
    event.preventDefault();
    var form = $("obs-form");
    var data = new FormData(form);
    var error = !data.get("category") ? label.labelChooseCategory : !data.get("feeling") ? label.labelChooseFeeling : "";
    if (error) { $("obs-error").textContent = error; $("obs-error").hidden = false; return; }
    var at = state.draft.marker.getLatLng();
    var gps = state.draft.gps;
    var observation = {
      client_uuid: uuid4(),
      walk: state.walk.id,
      lon: round7(at.lng),
      lat: round7(at.lat),
      gps_lon: gps ? round7(gps.lon) : null,
      gps_lat: gps ? round7(gps.lat) : null,
      accuracy_m: gps ? Math.round(gps.accuracy * 10) / 10 : null,
      recorded_at: new Date().toISOString(),
      category: data.get("category"),
      feeling: Number(data.get("feeling")),
      severity: Number(data.get("severity") || 2),
      note: String(data.get("note") || "").trim(),
      raised_by_gender: data.get("raised_by_gender") || "",
      raised_by_age: data.get("raised_by_age") || ""
    };
    var photos = Array.prototype.map.call($("photo-input").files, function (file) {
      return { client_uuid: uuid4(), blob: file, name: file.name || "foto.jpg", size: file.size };
    });
    TryggOutbox.addObservation(observation, photos, label.user).then(function () {
      closeForm();
      say(label.labelSaved, "ok");
      return render();
    }).then(function () { syncSoon(); }).catch(function (e) {
      $("obs-error").textContent = String(e);
      $("obs-error").hidden = false;
    });
  }

  // --- sync -------------------------------------------------------------------------------------

  function send(item) {
    if (item.kind === "observation") {
      return fetch(label.observationUrl, {
        method: "POST", credentials: "same-origin", cache: "no-store",
        headers: authHeaders({ "Content-Type": "application/json", Accept: "application/json" }),
        body: JSON.stringify(item.payload)
      });
    }
    if (item.kind === "photo") {
      var body = new FormData();
      body.append("client_uuid", item.uuid);
      body.append("image", item.blob, item.name);
      return fetch(label.photoUrl.replace("{uuid}", item.observation), {
        method: "POST", credentials: "same-origin", cache: "no-store",
        headers: authHeaders({ Accept: "application/json" }), body: body
      });
    }
    var walkUrl = label.walkUrl.replace("{id}", item.walk);
    if (item.kind === "track") {
      return fetch(walkUrl + "track/", {
        method: "PUT", credentials: "same-origin", cache: "no-store",
        headers: authHeaders({ "Content-Type": "application/json", Accept: "application/json" }),
        body: JSON.stringify({ coordinates: item.coordinates })
      });
    }
    return fetch(walkUrl + "status/", {
      method: "POST", credentials: "same-origin", cache: "no-store",
      headers: authHeaders({ "Content-Type": "application/json", Accept: "application/json" }),
      body: JSON.stringify({ status: item.status })
    });
  }

  function errorText(response) {
    return response.json().then(function (body) { return body.error || String(response.status); },
      function () { return String(response.status); });
  }

  var syncTimer = null;
  function syncSoon() {
    clearTimeout(syncTimer);
    syncTimer = setTimeout(sync, 100);
  }

  function sync() {
    if (state.syncing || !navigator.onLine) { return Promise.resolve(); }
    state.syncing = true;
    $("network-state").textContent = label.labelSyncing;
    var stopped = false;
    var waitingObservations = {};
    return TryggOutbox.all().then(function (items) {
      items = items.filter(mine);
      items.forEach(function (i) { if (i.kind === "observation") { waitingObservations[i.uuid] = i.state; } });
      var chain = Promise.resolve();
      items.forEach(function (item) {
        chain = chain.then(function () {
          if (stopped || item.state === "rejected" || item.state === "conflict") { return; }
          if (item.kind === "photo" && waitingObservations[item.observation] === "waiting") { return; }
          if (item.kind === "photo" && waitingObservations[item.observation]) { return; } // its observation was refused
          return send(item).then(function (response) {
            if (response.status === 200 || response.status === 201) {
              if (item.kind === "observation") { delete waitingObservations[item.uuid]; }
              return TryggOutbox.remove(item.key).then(function () {
                if (item.kind === "observation") { return TryggOutbox.markRecorded(item.uuid, "synced"); }
              });
            }
            if (response.status === 401 || response.status === 403) {
              stopped = true;
              return errorText(response).then(function (text) { say(label.labelLoginAgain + " (" + text + ")", "error"); });
            }
            if (response.status === 404 && item.kind === "photo") { return; } // the observation is not there yet
            if (response.status === 409 || [400, 404, 413, 415, 422].indexOf(response.status) >= 0) {
              return errorText(response).then(function (text) {
                item.state = response.status === 409 ? "conflict" : "rejected";
                item.error = text;
                if (item.kind === "observation") { waitingObservations[item.uuid] = item.state; }
                return TryggOutbox.put(item).then(function () {
                  if (item.kind === "observation") { return TryggOutbox.markRecorded(item.uuid, item.state, text); }
                });
              });
            }
            stopped = true; // 5xx, 429: the server has trouble; try again later
          }, function () { stopped = true; }); // no network: try again when it returns
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

  /* Whether this login may send ``item``: its own, or one saved before items had an owner. */
  function mine(item) { return !item.owner || item.owner === label.user; }

  // --- rendering --------------------------------------------------------------------------------

  function render() {
    $("network-state").textContent = navigator.onLine ? label.labelOnline : label.labelOffline;
    $("network-state").className = "net " + (navigator.onLine ? "online" : "offline");
    $("last-sync").textContent = state.lastSync ? time(state.lastSync) : label.labelNever;
    if (state.lastSync) { $("last-sync").dataset.at = state.lastSync; }
    return TryggOutbox.all().then(function (everyone) {
      var items = everyone.filter(mine);
      var others = everyone.filter(function (i) { return !mine(i) && i.kind === "observation" && i.state === "waiting"; });
      $("others-waiting").hidden = others.length === 0;
      $("others-waiting-count").textContent = String(others.length);
      $("others-waiting-text").textContent = label.labelOthersWaiting;
      var obs = items.filter(function (i) { return i.kind === "observation" && i.state === "waiting"; }).length;
      var photos = items.filter(function (i) { return i.kind === "photo" && i.state === "waiting"; }).length;
      $("outbox-observations").textContent = String(obs);
      $("outbox-photos").textContent = String(photos);
      root.dataset.outbox = String(items.filter(function (i) { return i.state === "waiting"; }).length);
      var problems = items.filter(function (i) { return i.state === "rejected" || i.state === "conflict"; });
      var list = $("problem-list");
      list.textContent = "";
      problems.forEach(function (p) {
        var li = document.createElement("li");
        li.textContent = (p.kind === "photo" ? label.labelPhoto : choiceLabel("category", p.payload ? p.payload.category : "")) +
          ": " + (p.state === "conflict" ? label.labelConflict : label.labelRejected + " – " + (p.error || ""));
        list.appendChild(li);
      });
      $("problems").hidden = problems.length === 0;
      return state.walk ? TryggOutbox.recorded(state.walk.id) : [];
    }).then(function (recorded) {
      recorded = recorded.filter(mine);
      var list = $("local-list");
      list.textContent = "";
      state.layers.local && state.layers.local.clearLayers();
      recorded.sort(function (a, b) { return a.payload.recorded_at < b.payload.recorded_at ? -1 : 1; });
      recorded.forEach(function (r, i) {
        var p = r.payload;
        var li = document.createElement("li");
        li.className = "rec " + r.state;
        li.dataset.state = r.state;
        li.textContent = time(p.recorded_at) + " " + choiceLabel("category", p.category) + " – " +
          choiceLabel("feeling", String(p.feeling)) + (r.photos ? " (" + r.photos + " " + label.labelPhoto + ")" : "") +
          " · " + (r.state === "synced" ? label.labelSynced : r.state === "waiting" ? label.labelWaiting : label.labelRejected);
        list.appendChild(li);
        if (state.layers.local) {
          L.marker([p.lat, p.lon], { icon: L.divIcon({ className: "num-marker feeling-" + p.feeling + " " + r.state, html: "<span>" + (i + 1) + "</span>", iconSize: [26, 26], iconAnchor: [13, 13] }) })
            .bindPopup(Trygg.escapeHtml(choiceLabel("category", p.category) + ": " + p.note))
            .addTo(state.layers.local);
        }
      });
      $("network-state").textContent = state.syncing ? label.labelSyncing : (navigator.onLine ? label.labelOnline : label.labelOffline);
    });
  }

  // --- offline support --------------------------------------------------------------------------

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

  document.querySelectorAll(".walk-choice").forEach(function (b) {
    b.addEventListener("click", function () { chooseWalk(walkById(b.dataset.walkId)); });
  });
  $("change-walk").addEventListener("click", showPicker);
  $("new-observation").addEventListener("click", openForm);
  $("obs-cancel").addEventListener("click", closeForm);
  $("obs-form").addEventListener("submit", saveObservation);
  $("photo-input").addEventListener("change", previewPhotos);
  $("sync-now").addEventListener("click", function () { say("", ""); sync(); });
  $("track-toggle").addEventListener("click", function () {
    state.tracking = !state.tracking;
    if (state.tracking && state.fix) { addTrackPoint(state.fix); }
    renderTrack();
  });
  $("finish-walk").addEventListener("click", function () {
    if (!window.confirm(label.labelFinishConfirm)) { return; }
    state.tracking = false;
    renderTrack();
    TryggOutbox.putLatest("status:" + state.walk.id, { kind: "status", walk: state.walk.id, status: "avslutad", owner: label.user })
      .then(function () { say(label.labelFinished, "ok"); return render(); })
      .then(syncSoon);
  });
  $("save-token").addEventListener("click", function () {
    var value = $("device-token").value.trim();
    if (!value) { return; }
    TryggOutbox.setMeta("deviceToken", value).then(function () {
      state.token = value;
      $("device-token").value = "";
      say(label.labelTokenSaved, "ok");
      syncSoon();
    });
  });
  $("remove-token").addEventListener("click", function () {
    TryggOutbox.deleteMeta("deviceToken").then(function () { state.token = ""; say(label.labelTokenRemoved, "ok"); });
  });
  window.addEventListener("online", function () { render(); syncSoon(); });
  window.addEventListener("offline", render);
  setInterval(function () { if (navigator.onLine) { sync(); } }, SYNC_EVERY_MS);

  Promise.all([TryggOutbox.getMeta("lastSync"), TryggOutbox.getMeta("deviceToken")]).then(function (meta) {
    state.lastSync = meta[0] || null;
    state.token = meta[1] || "";
    var wanted = new URLSearchParams(location.search).get("vandring") || localStorage.getItem("trygg.falt.walk");
    var walk = wanted && walkById(wanted);
    if (!walk && walks.length === 1) { walk = walks[0]; }
    if (walk) { chooseWalk(walk); }
    startGps();
    registerServiceWorker();
    root.dataset.ready = "true";
    return render();
  }).then(function () { if (navigator.onLine) { syncSoon(); } });
})();
