/* An energy community's page (templates/energy/community.html): its scope on the map
 * (the project's area, or the circle of a radius around the installation), and for
 * planners the progress of a simulation, read from the run's status while it is
 * queued or running.
 *
 * The scope is also said in words beside the map, so the map adds nothing a screen
 * reader would miss. The pledge form's map is static/js/plaza-energy-pledge.js.
 */
(function () {
  "use strict";

  var gettext = window.gettext || function (text) { return text; };
  var interpolate = window.interpolate || function (format, values) {
    return format.replace(/%\(\w+\)s/g, function (m) { return String(values[m.slice(2, -2)]); });
  };
  var POLL_MS = 3000;

  function config() {
    return JSON.parse(document.getElementById("energy-map-config").textContent);
  }

  // The community's scope: the circle of a radius community, else the project's area.
  // Returns the bounds to show first.
  function showScope(map, cfg) {
    if (cfg.anchor) {
      var centre = L.latLng(cfg.anchor[1], cfg.anchor[0]);
      var circle = L.circle(centre, {
        radius: cfg.radius_m, interactive: false, color: "#c2410c", weight: 2,
        fillOpacity: 0.08
      }).addTo(map);
      L.circleMarker(centre, { radius: 6, color: "#fff", weight: 2, fillColor: "#c2410c",
                               fillOpacity: 1, interactive: false }).addTo(map);
      return circle.getBounds();
    }
    window.plazaAreaLayer(cfg).addTo(map);
    return window.plazaAreaBounds(cfg);
  }
  window.plazaEnergyScope = showScope;

  window.plazaEnergyMap = function (map) {
    map.fitBounds(showScope(map, config()));
  };

  // The planner's run: while it is queued or running, its status is read every few
  // seconds; once it has finished, a link shows its results (the page is not reloaded
  // under the reader's eyes).
  function followRun(box) {
    var text = box.querySelector("[data-run-text]");
    var bar = box.querySelector("[data-run-progress]");
    var done = box.querySelector("[data-run-done]");
    function poll() {
      fetch(box.getAttribute("data-run-status"), { credentials: "same-origin",
                                                   headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
        .then(function (run) {
          if (!run.run) { return; }
          bar.hidden = false;
          bar.value = run.progress;
          bar.textContent = run.progress + "%";
          text.textContent = interpolate(gettext("Latest simulation: %(status)s."),
                                         { status: run.label }, true);
          if (run.finished) { done.hidden = false; bar.hidden = true; return; }
          window.setTimeout(poll, POLL_MS);
        })
        .catch(function () { window.setTimeout(poll, POLL_MS * 3); });
    }
    poll();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector("[data-run-status][data-run-active]");
    if (box) { followRun(box); }
  });
})();
