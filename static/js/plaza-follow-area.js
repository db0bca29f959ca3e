/* Following an area (templates/notifications/follow_area.html) and the small map of the
 * areas one follows (follows.html).
 *
 * The resident draws one area with leaflet-geoman, as on the dashboard's set-up page
 * (plaza-area.js): tap or click its corners, tap the first again to finish; its corners
 * stay draggable. Without a pointer, the arrow keys and + / − move the map and two
 * buttons make the area: the part of the city the map shows, or a circle (a polygon of
 * 32 corners) of the chosen radius around the map's centre (or, on a phone, around
 * where the resident stands). Each writes the hidden
 * GeoJSON field; the server checks the shape and its size.
 *
 * Names the resident gave their areas are put into the page with textContent.
 */
(function () {
  "use strict";

  var gettext = window.gettext || function (text) { return text; };

  var EDIT = { draggable: true, snappable: false, preventMarkerRemoval: true,
               allowSelfIntersection: false };
  var STYLE = { color: "#0b6e4f", weight: 3, fillOpacity: 0.15 };
  var EARTH_M = 6371008.8;

  function status(text) {
    var el = document.querySelector("[data-map-status]");
    if (el) { el.textContent = text; }
  }

  function config(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : {};
  }

  function startView(map, cfg) {
    var b = cfg.bbox;
    if (b) {
      map.fitBounds(L.latLngBounds([b[1], b[0]], [b[3], b[2]]));
    }
  }

  // A circle as a polygon: `radius` metres around `centre`, on a sphere (close enough
  // for a street's surroundings).
  function circle(centre, radius) {
    var lat = centre.lat * Math.PI / 180;
    var corners = [];
    for (var i = 0; i < 32; i++) {
      var angle = 2 * Math.PI * i / 32;
      var dLat = (radius * Math.cos(angle)) / EARTH_M;
      var dLng = (radius * Math.sin(angle)) / (EARTH_M * Math.cos(lat));
      corners.push([centre.lat + dLat * 180 / Math.PI, centre.lng + dLng * 180 / Math.PI]);
    }
    return L.polygon(corners, STYLE);
  }

  window.plazaFollowAreaMap = function (map) {
    var cfg = config("map-config");
    var input = document.getElementById("id_area");
    var drawn = null;
    startView(map, cfg);

    function write(layer) {
      input.value = layer ? JSON.stringify(layer.toGeoJSON().geometry) : "";
    }

    function keep(layer, text) {
      map.pm.disableDraw();
      if (drawn && drawn !== layer) { map.removeLayer(drawn); }
      drawn = layer;
      if (!map.hasLayer(layer)) { layer.addTo(map); }
      write(layer);
      layer.on("pm:edit", function () {
        if (drawn === layer) { write(layer); status(gettext("Your area is on the map.")); }
      });
      // After Geoman has finished the drawing: ending it leaves the new shape uneditable.
      setTimeout(function () { if (drawn === layer) { layer.pm.enable(EDIT); } }, 0);
      status(text || gettext("Your area is on the map."));
    }

    if (input.value) {  // a form sent back with an error: the area drawn before
      try {
        L.geoJSON(JSON.parse(input.value), { style: STYLE }).eachLayer(function (layer) {
          keep(layer);
          map.fitBounds(layer.getBounds());
        });
      } catch (e) {
        input.value = "";
      }
    }

    map.pm.setGlobalOptions({ continueDrawing: false, snappable: false,
                              allowSelfIntersection: false, pathOptions: STYLE });
    map.on("pm:create", function (e) { keep(e.layer); });
    document.querySelector("[data-draw-area]").addEventListener("click", function () {
      map.pm.enableDraw("Polygon");
      status(gettext("Click or tap the corners of the area; tap the first corner again " +
                     "to finish."));
    });
    document.querySelector("[data-area-view]").addEventListener("click", function () {
      var b = map.getBounds();
      keep(L.polygon([b.getSouthWest(), b.getNorthWest(), b.getNorthEast(),
                      b.getSouthEast()], STYLE),
           gettext("Your area is the part of the map on the screen."));
    });
    document.querySelector("[data-area-centre]").addEventListener("click", function () {
      var radius = Number(document.querySelector("[data-area-radius]").value) || 250;
      var layer = circle(map.getCenter(), radius);
      keep(layer, gettext("Your area is a circle around the map's centre."));
      map.fitBounds(layer.getBounds());
    });
    // On a phone in the street: the same circle around where the resident stands.
    var locate = document.querySelector("[data-area-locate]");
    if (!("geolocation" in navigator)) { locate.hidden = true; }
    locate.addEventListener("click", function () {
      status(gettext("Finding your location…"));
      navigator.geolocation.getCurrentPosition(function (pos) {
        var radius = Number(document.querySelector("[data-area-radius]").value) || 250;
        var layer = circle(L.latLng(pos.coords.latitude, pos.coords.longitude), radius);
        keep(layer, gettext("Your area is a circle around your location."));
        map.fitBounds(layer.getBounds());
      }, function () {
        status(gettext("Your location is not available; draw on the map instead."));
      }, { enableHighAccuracy: true, timeout: 10000 });
    });
    document.querySelector("[data-clear-area]").addEventListener("click", function () {
      map.pm.disableDraw();
      if (drawn) { map.removeLayer(drawn); drawn = null; }
      write(null);
      status(gettext("Nothing drawn yet."));
    });
  };

  window.plazaFollowsMap = function (map) {
    var areas = config("areas-config");
    var layer = L.geoJSON(areas, {
      style: STYLE,
      onEachFeature: function (feature, shape) {
        var name = document.createElement("strong");
        name.textContent = feature.properties.name;
        shape.bindTooltip(name);
      }
    }).addTo(map);
    if (layer.getLayers().length) { map.fitBounds(layer.getBounds()); }
  };
})();
