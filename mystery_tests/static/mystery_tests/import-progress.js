// Follows an import while it runs: polls its API address (the session authenticates it) and
// reloads the page once it has finished, so the server renders the counts or the errors table.
(function () {
  "use strict";
  var box = document.querySelector("[data-import-url]");
  if (!box || box.dataset.finished === "true") { return; }
  var url = box.dataset.importUrl;
  var bar = box.querySelector(".counted");
  var text = box.querySelector("[data-progress-text]");
  var status = box.querySelector("[data-status]");
  var template = text ? text.dataset.template : "";

  function show(job) {
    var share = job.rows_total ? Math.min(100, Math.round(100 * job.rows_done / job.rows_total)) : 0;
    if (bar) { bar.style.width = share + "%"; }
    if (text && template) {
      text.textContent = template.replace("{done}", job.rows_done).replace("{total}", job.rows_total);
    }
    if (status) { status.textContent = status.dataset["label" + job.status.charAt(0).toUpperCase() + job.status.slice(1)] || job.status; }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (job) {
        show(job);
        if (job.status === "succeeded" || job.status === "failed") { window.location.reload(); return; }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
}());
