/* The pledge form's map (templates/energy/pledge_form.html).
 *
 * The community's buildings are drawn for the map's view (GET /energy/<id>/buildings/
 * ?bbox=…, only those that count in the community). A tap or click on one chooses it:
 * its radio button in the list beside the map is checked, and that radio is what the
 * form sends. The list is the keyboard's way to the same: find a building by name, or
 * list those nearest the map's centre, then choose it with the arrow keys; the chosen
 * building is then shown on the map. "Draw my roof" draws a polygon (leaflet-geoman)
 * into the form's roof field instead, or on top of the chosen building.
 *
 * Choosing a building reads the array its roof holds by default, which becomes the
 * placeholders of the PV fields (empty fields take these values). Building names come
 * from imported files: they go into the page with textContent only.
 */
(function () {
  "use strict";

  var gettext = window.gettext || function (text) { return text; };
  var interpolate = window.interpolate || function (format, values) {
    return format.replace(/%\(\w+\)s/g, function (m) { return String(values[m.slice(2, -2)]); });
  };
  var STYLE = { color: "#1d4ed8", weight: 1, fillColor: "#1d4ed8", fillOpacity: 0.15,
                className: "energy-building" };
  var CHOSEN = { color: "#c2410c", weight: 3, fillColor: "#c2410c", fillOpacity: 0.35 };
  var PLACEHOLDERS = ["pv_area_m2", "pv_kwp", "pv_tilt", "pv_azimuth"];

  function status(text) {
    var el = document.querySelector("[data-map-status]");
    if (el) { el.textContent = text; }
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); });
  }

  window.plazaPledgeMap = function (map) {
    var cfg = JSON.parse(document.getElementById("energy-map-config").textContent);
    map.fitBounds(window.plazaEnergyScope(map, cfg));
    var list = document.querySelector("[data-building-list]");
    var note = document.querySelector("[data-building-note]");
    var roofInput = document.getElementById("id_roof");
    var shown = {};        // building id → its layer on the map
    var chosenLayer = null;
    var drawn = null;
    var buildings = L.geoJSON(null, {
      style: function () { return STYLE; },
      onEachFeature: function (feature, layer) {
        shown[feature.id] = layer;
        var label = document.createElement("span");
        label.textContent = feature.properties.name;
        layer.bindTooltip(label, { sticky: true });
        layer.on("click", function () { choose(feature, false); });
      }
    }).addTo(map);

    function highlight(id) {
      if (chosenLayer) { chosenLayer.setStyle(STYLE); }
      chosenLayer = shown[id] || null;
      if (chosenLayer) { chosenLayer.setStyle(CHOSEN); chosenLayer.bringToFront(); }
    }

    function radioFor(id, name) {
      var radio = list && list.querySelector('input[value="' + Number(id) + '"]');
      if (radio || !list) { return radio; }
      var li = document.createElement("li");
      var label = document.createElement("label");
      radio = document.createElement("input");
      radio.type = "radio";
      radio.name = "building";
      radio.value = String(Number(id));
      radio.setAttribute("form", "pledge-form");
      label.append(radio, document.createTextNode(" " + name));
      li.appendChild(label);
      list.insertBefore(li, list.firstChild);
      return radio;
    }

    function placeholders(defaults) {
      PLACEHOLDERS.forEach(function (name) {
        var input = document.getElementById("id_" + name);
        if (input && defaults && defaults[name] !== undefined) {
          input.placeholder = String(defaults[name]);
        }
      });
    }

    // A building chosen on the map (`fromList` false) or in the list (true).
    function choose(feature, fromList) {
      if (!fromList) { radioFor(feature.id, feature.properties.name).checked = true; }
      if (!shown[feature.id]) { buildings.addData(feature); }
      highlight(feature.id);
      if (fromList && shown[feature.id]) { map.fitBounds(shown[feature.id].getBounds(), { maxZoom: 18 }); }
      status(interpolate(gettext("Your building: %(name)s."), { name: feature.properties.name }, true));
      getJSON(cfg.buildings_url + "?id=" + encodeURIComponent(feature.id))
        .then(function (answer) {
          if (answer.features.length) { placeholders(answer.features[0].properties.defaults); }
        })
        .catch(function () { /* the placeholders stay as they were */ });
    }

    function chooseById(id) {
      getJSON(cfg.buildings_url + "?id=" + encodeURIComponent(id))
        .then(function (answer) { if (answer.features.length) { choose(answer.features[0], true); } })
        .catch(function () { status(gettext("The building could not be shown.")); });
    }

    function load() {
      var b = map.getBounds();
      var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) {
        return v.toFixed(6);
      }).join(",");
      getJSON(cfg.buildings_url + "?bbox=" + bbox)
        .then(function (answer) {
          answer.features.forEach(function (feature) {
            if (!shown[feature.id]) { buildings.addData(feature); }
          });
          var checked = list && list.querySelector("input:checked");
          if (checked && checked.value) { highlight(checked.value); }
          if (answer.more) { status(gettext("Zoom in to see every building.")); }
        })
        .catch(function () { status(gettext("The buildings could not be loaded.")); });
    }

    function render(features) {
      var checked = list.querySelector("input:checked");
      var keep = checked ? checked.closest("li") : null;
      list.textContent = "";
      if (keep) { list.appendChild(keep); }
      features.forEach(function (feature) {
        if (keep && String(feature.id) === checked.value) { return; }
        var radio = radioFor(feature.id, feature.properties.name);
        list.appendChild(radio.closest("li"));
      });
      note.textContent = features.length ? "" : gettext("No building of the community has that name.");
    }

    if (cfg.layer && list) {
      map.on("moveend", load);
      load();
      list.addEventListener("change", function (e) {
        if (e.target.name === "building" && e.target.value) { chooseById(e.target.value); }
      });
      var search = document.querySelector("[data-building-search]");
      search.addEventListener("submit", function (e) {
        e.preventDefault();
        var q = search.querySelector("input[name=q]").value.trim();
        if (!q) { return; }
        getJSON(cfg.buildings_url + "?q=" + encodeURIComponent(q))
          .then(function (answer) { render(answer.features); })
          .catch(function () { status(gettext("The buildings could not be loaded.")); });
      });
      var near = search.querySelector("[data-near]");
      near.hidden = false;
      near.addEventListener("click", function () {
        var c = map.getCenter();
        getJSON(cfg.buildings_url + "?near=" + c.lng.toFixed(6) + "," + c.lat.toFixed(6))
          .then(function (answer) {
            render(answer.features);
            var first = list.querySelector("input");
            if (first) { first.focus(); }
          })
          .catch(function () { status(gettext("The buildings could not be loaded.")); });
      });
      var initial = list.querySelector("input:checked");
      if (initial && initial.value) { chooseById(initial.value); }
    }

    // The roof drawn by the member: one polygon, editable, written into the form.
    var drawButton = document.querySelector("[data-draw-roof]");
    var clearButton = document.querySelector("[data-clear-roof]");
    function writeRoof() {
      roofInput.value = drawn ? JSON.stringify(drawn.toGeoJSON().geometry) : "";
    }
    function keep(layer) {
      if (drawn && drawn !== layer) { map.removeLayer(drawn); }
      drawn = layer;
      layer.pm.enable({ allowSelfIntersection: false, preventMarkerRemoval: true });
      layer.on("pm:edit", writeRoof);
      writeRoof();
      status(gettext("Your roof is drawn: drag its corners to correct it."));
    }
    if (map.pm) {
      drawButton.hidden = false;
      clearButton.hidden = false;
      drawButton.addEventListener("click", function () {
        map.pm.enableDraw("Polygon", { allowSelfIntersection: false });
        status(gettext("Click or tap each corner of your roof; the first corner again ends it."));
      });
      clearButton.addEventListener("click", function () {
        if (drawn) { map.removeLayer(drawn); drawn = null; }
        map.pm.disableDraw();
        writeRoof();
        status(gettext("No roof drawn."));
      });
      map.on("pm:create", function (e) { keep(e.layer); });
    }
    if (roofInput.value) {
      try {
        L.geoJSON(JSON.parse(roofInput.value)).eachLayer(function (layer) {
          layer.addTo(map);
          keep(layer);
        });
      } catch (e) { roofInput.value = ""; }
    }
  };
})();
