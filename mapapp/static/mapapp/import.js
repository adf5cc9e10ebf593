/* The import page: hide the own mapping when a profile is chosen, send the file with a progress bar
 * (upload progress from the browser, then the server's progress polled from /import/progress/<job>/),
 * and ask before an import is undone. Without JavaScript the form posts as usual. */
(function () {
  "use strict";

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });

  var form = document.getElementById("import-form");
  if (!form) { return; }
  var profile = form.querySelector("select[name=profile]");
  var own = document.getElementById("own-mapping");
  function toggleMapping() { own.classList.toggle("collapsed", profile.value !== ""); }
  profile.addEventListener("change", toggleMapping);
  toggleMapping();

  var box = document.getElementById("import-progress");
  var bar = document.getElementById("import-progress-bar");
  var text = document.getElementById("import-progress-text");
  var result = document.getElementById("import-result");
  var button = form.querySelector("button[type=submit]");
  var labels = form.dataset;
  var ZERO = "00000000-0000-0000-0000-000000000000";

  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function show(percent, label) {
    box.hidden = false;
    if (percent === null) { bar.removeAttribute("value"); } else { bar.value = Math.max(0, Math.min(100, percent)); }
    text.textContent = label + (percent === null ? " …" : " " + Math.round(percent) + " %");
  }

  function fail(body) {
    box.hidden = true;
    button.disabled = false;
    result.hidden = false;
    result.textContent = (body && body.error) || labels.labelFailed;
    if (body && body.rejected && body.rejected.length) {
      var list = document.createElement("ul");
      body.rejected.forEach(function (r) {
        var item = document.createElement("li");
        item.textContent = labels.labelRow + " " + r.row + (r.ref ? " (" + r.ref + ")" : "") + ": " + r.reason;
        list.appendChild(item);
      });
      result.appendChild(list);
    }
  }

  form.addEventListener("submit", function (event) {
    if (!window.XMLHttpRequest || !window.FormData || !window.fetch) { return; }
    event.preventDefault();
    var job = uuid();
    form.querySelector("input[name=job]").value = job;
    var progressUrl = labels.progressUrl.replace(ZERO, job);
    var timer = null;
    var xhr = new XMLHttpRequest();
    result.hidden = true;
    result.textContent = "";
    button.disabled = true;
    show(0, labels.labelSending);

    function poll() {
      fetch(progressUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (p) {
          if (!p || xhr.readyState === 4) { return; }
          if (p.stage === "read") { show(p.total ? (100 * p.done) / p.total : null, labels.labelRead); }
          else if (p.stage === "store") { show(null, labels.labelStore); }
        })
        .catch(function () { /* the next poll tries again */ });
    }

    xhr.open("POST", form.getAttribute("action") || window.location.href);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) { show((100 * e.loaded) / e.total, labels.labelSending); }
    });
    xhr.upload.addEventListener("load", function () {
      show(null, labels.labelRead);
      timer = window.setInterval(poll, 400);
    });
    xhr.addEventListener("load", function () {
      window.clearInterval(timer);
      var body = null;
      try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
      if (xhr.status === 201 && body && body.report_url) {
        show(100, labels.labelDone);
        window.location.assign(body.report_url);
      } else {
        fail(body);
      }
    });
    xhr.addEventListener("error", function () { window.clearInterval(timer); fail(null); });
    xhr.send(new FormData(form));
  });
}());
