/* Upload with a progress bar: the form posts normally without JavaScript; with it, the upload's
 * progress is shown, then an indeterminate bar while the server imports, then the report page. */
(function () {
  "use strict";
  document.querySelectorAll("form[data-import-form]").forEach(function (form) {
    var box = form.querySelector("[data-progress]");
    var bar = box.querySelector("progress");
    var text = box.querySelector("[data-progress-text]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action || window.location.href);
      xhr.setRequestHeader("Accept", "application/json");
      box.hidden = false;
      bar.value = 0;
      text.textContent = form.dataset.labelUploading;
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) {
          bar.value = Math.round((100 * e.loaded) / e.total);
          if (e.loaded >= e.total) {
            bar.removeAttribute("value");
            text.textContent = form.dataset.labelWorking;
          }
        }
      });
      xhr.addEventListener("load", function () {
        var body = {};
        try { body = JSON.parse(xhr.responseText); } catch (err) { body = {}; }
        if (xhr.status === 201 && body.report_url) {
          window.location.assign(body.report_url);
          return;
        }
        box.hidden = true;
        var notice = form.parentNode.querySelector("[data-testid=import-error]");
        if (!notice) {
          notice = document.createElement("p");
          notice.className = "notice error";
          notice.setAttribute("role", "alert");
          notice.dataset.testid = "import-error";
          form.parentNode.insertBefore(notice, form);
        }
        notice.textContent = body.error || (form.dataset.labelFailed + " (" + xhr.status + ")");
      });
      xhr.addEventListener("error", function () {
        box.hidden = true;
        text.textContent = form.dataset.labelFailed;
      });
      xhr.send(new FormData(form));
    });
  });
})();
