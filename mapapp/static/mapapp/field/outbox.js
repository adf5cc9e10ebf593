/* The tablet's outbox in IndexedDB: observations, photos (as Blobs), GPS tracks and walk status changes
 * wait here until the server has them. Nothing is removed before the server answered 200/201 for it.
 *
 * Stores: "outbox" (what waits, in the order recorded), "recorded" (every observation made on this
 * tablet, with its sync state, for the list and the map), "meta" (last sync time, device token, tracks).
 * Each item carries its "owner", the user who recorded it: on a tablet shared by a field team, only the
 * owner's own login sends it, so an observation is never filed under the next user's name. */
(function (global) {
  "use strict";
  // A page that loads this for another outbox (the EST report page) names its own database first.
  var DB_NAME = global.TRYGG_OUTBOX_DB || "trygg-falt";
  var VERSION = 1;
  var dbPromise = null;

  function open() {
    if (dbPromise) { return dbPromise; }
    dbPromise = new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB_NAME, VERSION);
      req.onupgradeneeded = function () {
        var db = req.result;
        if (!db.objectStoreNames.contains("outbox")) {
          var outbox = db.createObjectStore("outbox", { keyPath: "key" });
          outbox.createIndex("seq", "seq");
        }
        if (!db.objectStoreNames.contains("recorded")) {
          var recorded = db.createObjectStore("recorded", { keyPath: "uuid" });
          recorded.createIndex("walk", "walk");
        }
        if (!db.objectStoreNames.contains("meta")) { db.createObjectStore("meta", { keyPath: "name" }); }
      };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
    return dbPromise;
  }

  function tx(stores, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(stores, mode);
        var result;
        t.oncomplete = function () { resolve(result); };
        t.onerror = function () { reject(t.error); };
        t.onabort = function () { reject(t.error || new Error("transaction aborted")); };
        result = work(t);
      });
    });
  }

  function request(req) {
    return new Promise(function (resolve, reject) {
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  var seqCounter = 0;
  function nextSeq() { seqCounter += 1; return Date.now() * 1000 + (seqCounter % 1000); }

  /* Add an observation and its photos in one transaction: all of it is kept, or none. */
  function addObservation(observation, photos, owner) {
    return tx(["outbox", "recorded"], "readwrite", function (t) {
      var outbox = t.objectStore("outbox");
      outbox.put({ key: "observation:" + observation.client_uuid, kind: "observation", uuid: observation.client_uuid,
                   seq: nextSeq(), state: "waiting", payload: observation, attempts: 0, owner: owner });
      photos.forEach(function (p) {
        outbox.put({ key: "photo:" + p.client_uuid, kind: "photo", uuid: p.client_uuid, observation: observation.client_uuid,
                     seq: nextSeq(), state: "waiting", blob: p.blob, name: p.name, size: p.size, attempts: 0,
                     owner: owner });
      });
      t.objectStore("recorded").put({ uuid: observation.client_uuid, walk: observation.walk, payload: observation,
                                      photos: photos.length, state: "waiting", error: "", owner: owner });
    });
  }

  function put(item) { return tx(["outbox"], "readwrite", function (t) { t.objectStore("outbox").put(item); }); }

  /* Replace a keyed item (the walk's track, its status) keeping its place in the queue if it has one. */
  function putLatest(key, item) {
    return tx(["outbox"], "readwrite", function (t) {
      var store = t.objectStore("outbox");
      var get = store.get(key);
      get.onsuccess = function () {
        var old = get.result;
        item.key = key;
        item.seq = old ? old.seq : nextSeq();
        item.state = "waiting";
        item.attempts = 0;
        store.put(item);
      };
    });
  }

  function all() {
    return tx(["outbox"], "readonly", function (t) { return request(t.objectStore("outbox").index("seq").getAll()); })
      .then(function (p) { return p; });
  }

  function remove(key) { return tx(["outbox"], "readwrite", function (t) { t.objectStore("outbox").delete(key); }); }

  function markRecorded(uuid, state, error) {
    return tx(["recorded"], "readwrite", function (t) {
      var store = t.objectStore("recorded");
      var get = store.get(uuid);
      get.onsuccess = function () {
        if (!get.result) { return; }
        get.result.state = state;
        get.result.error = error || "";
        store.put(get.result);
      };
    });
  }

  function recorded(walkId) {
    return tx(["recorded"], "readonly", function (t) {
      return request(t.objectStore("recorded").index("walk").getAll(IDBKeyRange.only(walkId)));
    });
  }

  function getMeta(name) {
    return tx(["meta"], "readonly", function (t) { return request(t.objectStore("meta").get(name)); })
      .then(function (p) { return p; });
  }

  function setMeta(name, value) {
    return tx(["meta"], "readwrite", function (t) { t.objectStore("meta").put({ name: name, value: value }); });
  }

  function deleteMeta(name) {
    return tx(["meta"], "readwrite", function (t) { t.objectStore("meta").delete(name); });
  }

  /* IDB requests resolve inside the transaction; the promise chain above resolves after it completes. */
  function unwrap(promiseOfRequestPromise) {
    return promiseOfRequestPromise.then(function (inner) { return inner; });
  }

  global.TryggOutbox = {
    open: open,
    addObservation: addObservation,
    put: put,
    putLatest: putLatest,
    all: function () { return unwrap(all()); },
    remove: remove,
    markRecorded: markRecorded,
    recorded: function (walkId) { return unwrap(recorded(walkId)); },
    getMeta: function (name) { return unwrap(getMeta(name)).then(function (row) { return row ? row.value : undefined; }); },
    setMeta: setMeta,
    deleteMeta: deleteMeta
  };
})(window);
