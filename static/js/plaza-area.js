/* The area of a project on the dashboard's set-up page: draw it with leaflet-geoman, or
 * leave the drawing and choose a feature of an imported layer (a district) instead.
 *
 * The drawing goes into the form's GeoJSON field; the server checks it
 * (dashboard/project_services.py). Without JavaScript, or with a keyboard only, the
 * feature list and the GeoJSON field do the same job.
 */
(function () {
  "use strict";

  // The messages in the reader's language come from the JavaScript catalogue (/jsi18n/),
  // loaded before this script; should it fail to load, they stay in English.
  var gettext = window.gettext || function (text) { return text; };

  function status(text) {
    var el = document.querySelector("[data-map-status]");
    if (el) { el.textContent = text; }
  }

  window.plazaAreaMap = function (map) {
    var cfg = JSON.parse(document.getElementById("map-config").textContent);
    var input = document.getElementById("id_area");
    var feature = document.getElementById("id_area_feature");
    var drawn = null;
    if (cfg.area) {
      var current = L.geoJSON(cfg.area, {
        interactive: false, style: { color: "#1d2733", weight: 2, dashArray: "6 4", fill: false }
      }).addTo(map);
      map.fitBounds(current.getBounds());
    } else {
      map.setView([41.39, 2.17], 12);
    }

    function keep(layer) {
      if (drawn && drawn !== layer) { map.removeLayer(drawn); }
      drawn = layer;
      input.value = JSON.stringify(layer.toGeoJSON().geometry);
      if (feature) { feature.value = ""; }
      status(gettext("Your area is drawn; it replaces the feature choice when you save."));
      layer.on("pm:edit", function () { keep(layer); });
    }

    if (input.value) {
      try {
        L.geoJSON(JSON.parse(input.value)).eachLayer(function (layer) {
          layer.addTo(map);
          keep(layer);
        });
      } catch (e) {
        status(gettext("The GeoJSON field does not hold a valid drawing."));
      }
    }
    map.pm.setGlobalOptions({ continueDrawing: false, snappable: false });
    map.on("pm:create", function (e) { keep(e.layer); });
    document.querySelector("[data-draw-area]").addEventListener("click", function () {
      map.pm.enableDraw("Polygon");
      status(gettext("Click or tap the corners of the area; click the first corner again " +
                     "to finish."));
    });
    document.querySelector("[data-clear-area]").addEventListener("click", function () {
      if (drawn) { map.removeLayer(drawn); drawn = null; }
      map.pm.disableDraw();
      input.value = "";
      status(gettext("Nothing drawn."));
    });
    if (feature) {
      feature.addEventListener("change", function () {
        if (!feature.value) { return; }
        if (drawn) { map.removeLayer(drawn); drawn = null; }
        input.value = "";
        status(gettext("The area will be taken from the chosen feature when you save."));
      });
    }
  };
})();
