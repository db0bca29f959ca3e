/* Import progress: poll GET /api/v1/imports/{id}/ every second and move the bar.
 *
 * Each element with [data-import-progress] names its status URL in data-status-url.
 * While the run is queued or running, its <progress> bar and status text follow the
 * worker; once it has succeeded or failed, the page reloads to show the counts, the
 * errors and the layers (the server renders them, escaped).
 */
(function () {
  "use strict";
  // The messages in the reader's language come from the JavaScript catalogue (/jsi18n/),
  // loaded before this script; should it fail to load, they stay in English.
  var gettext = window.gettext || function (text) { return text; };
  var interpolate = window.interpolate || function (format, values) {
    return format.replace(/%\(\w+\)s/g, function (m) { return String(values[m.slice(2, -2)]); });
  };
  var FINISHED = { succeeded: true, failed: true };
  var LABELS = { queued: gettext("Queued"), running: gettext("Running"),
                 succeeded: gettext("Succeeded"), failed: gettext("Failed") };
  var INTERVAL = 1000;
  var reloading = false;

  function describe(run) {
    var text = (LABELS[run.status] || run.status) + " — " + run.percent + " %";
    if (run.progress_total) {
      // The same words as the page's own line (templates/dashboard/imports_progress.html).
      text += " " + interpolate(gettext("(%(done)s / %(total)s features)"),
                                { done: run.progress_done, total: run.progress_total }, true);
    }
    return text;
  }

  function watch(box) {
    var url = box.getAttribute("data-status-url");
    var bar = box.querySelector("[data-progress-bar]");
    var label = box.querySelector("[data-progress-text]");
    if (!url || FINISHED[box.getAttribute("data-status")]) { return; }

    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (response.status === 401 || response.status === 403 || response.status === 404) {
            throw new Error("stop");
          }
          if (!response.ok) { throw new Error("retry"); }
          return response.json();
        })
        .then(function (run) {
          if (bar) { bar.value = run.percent; bar.textContent = run.percent + " %"; }
          if (label) {
            label.textContent = describe(run);
            label.className = label.className.replace(/\bstatus-\w+/, "status-" + run.status);
          }
          box.setAttribute("data-status", run.status);
          if (FINISHED[run.status]) {
            if (!reloading) { reloading = true; window.location.reload(); }
            return;
          }
          window.setTimeout(poll, INTERVAL);
        })
        .catch(function (error) {
          if (error && error.message === "stop") {
            if (label) { label.textContent += " " + gettext("(reload the page to see more)"); }
            return;
          }
          window.setTimeout(poll, INTERVAL * 2);  // the server or the network hiccuped
        });
    }
    window.setTimeout(poll, INTERVAL);
  }

  function start() {
    var boxes = document.querySelectorAll("[data-import-progress]");
    for (var i = 0; i < boxes.length; i++) { watch(boxes[i]); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
