/* The drawing map of "Propose here" and of a proposal's edit page
 * (templates/proposals/proposal_form.html).
 *
 * The citizen draws one point, line or area with leaflet-geoman, and the shape stays
 * editable: a point is dragged, a line's or an area's corners are dragged (a new corner
 * from the handle between two). (Geoman's drag mode, which moves a whole line or area,
 * switches its edit mode off, so it is not used.) Undo steps back through the
 * drawings, Clear removes it. Every change writes the hidden geometry field and fires its
 * "change" event, which the city's feedback listens to (plaza-feedback.js). Without a
 * pointer, the map's search box finds a street (plaza-places.js), the arrow keys move the
 * map and "Point at the map's centre" places the point; the point then has the focus,
 * and the arrow keys move it (Shift: further), each move said in the map's status. While
 * the point has the focus the map's own arrow keys (panning) are left alone.
 *
 * The city's published layers are on the map as on the project map (plaza-layers.js):
 * those whose rules give feedback are shown from the start, in a pane under the drawing,
 * and the legend beside the map names them with what their rules do.
 */
(function () {
  "use strict";

  // The messages in the reader's language come from the JavaScript catalogue (/jsi18n/),
  // loaded before this script; should it fail to load, they stay in English.
  var gettext = window.gettext || function (text) { return text; };
  var interpolate = window.interpolate || function (format, values) {
    return format.replace(/%\(\w+\)s/g, function (m) { return String(values[m.slice(2, -2)]); });
  };

  // Geoman's edit mode for the drawn shape. A right-click does not delete the point or
  // a corner (Clear and Undo do that, visibly), and an area may not cross itself: the
  // server would refuse it.
  var EDIT = { draggable: true, snappable: false, preventMarkerRemoval: true,
               allowSelfIntersection: false };

  function status(text) {
    var el = document.querySelector("[data-map-status]");
    if (el) { el.textContent = text; }
  }

  function drawnText(geometryType) {
    if (geometryType === "Point") { return gettext("Your drawing is on the map: a point."); }
    if (geometryType === "LineString") { return gettext("Your drawing is on the map: a line."); }
    if (geometryType === "Polygon") { return gettext("Your drawing is on the map: an area."); }
    return gettext("Your drawing is on the map.");
  }

  // The Leaflet layer of a GeoJSON geometry text (a marker for a point), or null.
  function layerOf(text) {
    var found = null;
    try {
      L.geoJSON(JSON.parse(text), {
        pointToLayer: function (f, latlng) { return L.marker(latlng); }
      }).eachLayer(function (layer) { found = found || layer; });
    } catch (e) {
      return null;
    }
    return found;
  }

  // Arrow keys move a focused point by this many screen pixels (with Shift: BIG_STEP).
  var STEP = 10;
  var BIG_STEP = 50;
  var MOVES = { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] };
  var DIRECTIONS = { ArrowUp: gettext("north"), ArrowDown: gettext("south"),
                     ArrowLeft: gettext("west"), ArrowRight: gettext("east") };

  // A point that the keyboard moves: its marker is focusable, named, and takes the arrow
  // keys for itself (the map, which pans with them, never sees them). `moved` is told of
  // each move.
  function keyboardMovable(map, marker, moved) {
    var el = marker.getElement();
    if (!el || el.dataset.keyboardMovable) { return; }
    el.dataset.keyboardMovable = "1";
    el.setAttribute("tabindex", "0");
    el.setAttribute("role", "button");
    el.setAttribute("aria-label", gettext("Your point. Move it with the arrow keys; " +
                                          "with Shift it moves further."));
    el.setAttribute("aria-describedby", "draw-keyboard-help");
    L.DomEvent.on(el, "keydown", function (e) {
      var move = MOVES[e.key];
      if (!move) { return; }
      L.DomEvent.stop(e);
      var step = e.shiftKey ? BIG_STEP : STEP;
      var from = marker.getLatLng();
      // In the map's projection at its zoom, unrounded (container points are whole
      // pixels: a step east would drift north or south).
      var at = map.project(from).add(L.point(move[0] * step, move[1] * step));
      var to = map.unproject(at);
      marker.setLatLng(to);
      if (!map.getBounds().pad(-0.1).contains(to)) { map.panTo(to, { animate: false }); }
      moved(marker, DIRECTIONS[e.key], Math.round(map.distance(from, to)));
    });
  }

  function showLayers(map, cfg, area) {
    var overlays = {};
    overlays[gettext("Project area")] = area;
    var control = L.control.layers(null, overlays, { collapsed: true }).addTo(map);
    if (!window.plazaAddLayers) { return; }
    map.createPane("plazaCity").style.zIndex = 350;  // above tiles, under the drawing
    var shown = window.plazaAddLayers(map, cfg, control, {
      pane: "plazaCity",
      on: function (layerCfg) { return layerCfg.feedback && layerCfg.feedback.length; }
    });
    shown.forEach(function (layer) {
      var swatch = document.querySelector('[data-legend-swatch="' + Number(layer.id) + '"]');
      if (!swatch) { return; }
      swatch.className = "layer-swatch layer-swatch-" + layer.kind;
      swatch.style.setProperty("--swatch", layer.color);
    });
    // While a shape is drawn, a click on a layer is a vertex, not a popup (plaza-propose.css).
    map.on("pm:drawstart", function () { L.DomUtil.addClass(map.getContainer(), "plaza-drawing"); });
    map.on("pm:drawend", function () { L.DomUtil.removeClass(map.getContainer(), "plaza-drawing"); });
  }

  window.plazaDrawMap = function (map) {
    var cfg = JSON.parse(document.getElementById("map-config").textContent);
    var area = window.plazaAreaLayer(cfg).addTo(map);
    map.fitBounds(window.plazaAreaBounds(cfg));
    showLayers(map, cfg, area);
    var input = document.getElementById("id_geometry");
    var undo = document.querySelector("[data-undo]");
    var drawn = null;
    var earlier = [];  // the field's earlier values, newest last, for Undo

    function setUndo() {
      // aria-disabled rather than disabled: a keyboard user's focus stays on the button.
      undo.setAttribute("aria-disabled", String(!earlier.length));
    }

    function write(value) {
      input.value = value;
      input.dispatchEvent(new Event("change"));  // the feedback listens (plaza-feedback.js)
    }

    // A change by the citizen: remembered for Undo, unless nothing changed (Geoman can
    // report one drag twice).
    function record(value) {
      if (value === input.value) { return; }
      earlier.push(input.value);
      if (earlier.length > 100) { earlier.shift(); }
      setUndo();
      write(value);
    }

    function place(layer) {
      if (drawn && drawn !== layer) { map.removeLayer(drawn); }
      drawn = layer;
      if (!map.hasLayer(layer)) { layer.addTo(map); }
      layer.on("pm:edit", function () { if (drawn === layer) { changed(layer); } });
      if (layer instanceof L.Marker) {
        keyboardMovable(map, layer, function (marker, direction, metres) {
          if (drawn !== marker) { return; }
          record(JSON.stringify(marker.toGeoJSON().geometry));
          status(interpolate(gettext("Your point moved %(metres)s m %(direction)s."),
                             { metres: metres, direction: direction }, true));
        });
      }
      // After Geoman has finished the drawing: ending it leaves the new shape uneditable.
      setTimeout(function () {
        if (drawn !== layer) { return; }
        layer.pm.enable(EDIT);
      }, 0);
    }

    function changed(layer) {
      var geometry = layer.toGeoJSON().geometry;
      record(JSON.stringify(geometry));
      status(drawnText(geometry.type));
    }

    function remove() {
      map.pm.disableDraw();
      if (drawn) { map.removeLayer(drawn); drawn = null; }
    }

    // The drawing the form came back with (an edit, or a form sent back with an error):
    // on the map again, editable, and checked again.
    if (input.value) {
      var first = layerOf(input.value);
      if (first) {
        place(first);
        // The project's area with the drawing, as the citizen saw it before sending.
        map.fitBounds(window.plazaAreaBounds(cfg).extend(
          first.getBounds ? first.getBounds() : L.latLngBounds([first.getLatLng()])));
        write(input.value);
      } else {
        input.value = "";
      }
    }
    setUndo();

    map.pm.setGlobalOptions({ continueDrawing: false, snappable: false,
                              allowSelfIntersection: false });
    map.on("pm:create", function (e) { place(e.layer); changed(e.layer); });
    document.querySelectorAll("[data-draw]").forEach(function (button) {
      button.addEventListener("click", function () {
        map.pm.enableDraw(button.dataset.draw);
        status(button.dataset.draw === "Marker"
          ? gettext("Click or tap on the map to draw; one tap places the point.")
          : gettext("Click or tap on the map to draw; tap the first point again " +
                    "(or the last one twice) to finish."));
      });
    });
    document.querySelector("[data-draw-centre]").addEventListener("click", function () {
      remove();
      var marker = L.marker(map.getCenter());
      place(marker);
      changed(marker);
      status(gettext("Your point is at the map's centre. Move it with the arrow keys; " +
                     "with Shift it moves further."));
      marker.getElement().focus();
    });
    undo.addEventListener("click", function () {
      if (!earlier.length) { return; }
      var value = earlier.pop();
      setUndo();
      remove();
      var layer = value ? layerOf(value) : null;
      if (layer) { place(layer); }
      write(layer ? value : "");
      status(layer ? drawnText(layer.toGeoJSON().geometry.type) : gettext("Nothing drawn yet."));
    });
    document.querySelector("[data-clear]").addEventListener("click", function () {
      remove();
      record("");
      status(gettext("Nothing drawn yet."));
    });
    var locate = document.querySelector("[data-locate]");
    if (!("geolocation" in navigator)) {
      locate.hidden = true;
    }
    locate.addEventListener("click", function () {
      status(gettext("Finding your location…"));
      navigator.geolocation.getCurrentPosition(function (pos) {
        var marker = L.marker([pos.coords.latitude, pos.coords.longitude]);
        remove();
        place(marker);
        changed(marker);
        map.setView(marker.getLatLng(), 17);
      }, function () {
        status(gettext("Your location is not available; draw on the map instead."));
      }, { enableHighAccuracy: true, timeout: 10000 });
    });
  };
})();
