/* The area of a project on the dashboard's set-up page: draw it with leaflet-geoman, or
 * leave the drawing and choose a feature of an imported layer (a district) instead:
 * a layer, then a feature found by name as the planner types
 * (GET /dashboard/layers/<id>/features/?q=…, dashboard/area_picker.py), shown on the
 * map before saving.
 *
 * The drawing goes into the form's GeoJSON field; the server checks it
 * (dashboard/project_services.py). Without JavaScript the "Find" button lists the
 * matching features, and the GeoJSON field takes a drawing.
 */
(function () {
  "use strict";

  // The messages in the reader's language come from the JavaScript catalogue (/jsi18n/),
  // loaded before this script; should it fail to load, they stay in English.
  var gettext = window.gettext || function (text) { return text; };
  var interpolate = window.interpolate || function (format, values) {
    return format.replace(/%\(\w+\)s/g, function (m) { return String(values[m.slice(2, -2)]); });
  };

  function status(text) {
    var el = document.querySelector("[data-map-status]");
    if (el) { el.textContent = text; }
  }

  var FEATURE_STYLE = { color: "#c2410c", weight: 3, fillOpacity: 0.15 };

  /* The feature chosen in the picker, on the map: replaces the drawing when saved. */
  function showFeature(map, state, feature) {
    if (state.shown) { map.removeLayer(state.shown); }
    state.shown = L.geoJSON(feature, { interactive: false, style: FEATURE_STYLE }).addTo(map);
    map.fitBounds(state.shown.getBounds());
    status(interpolate(gettext("“%(name)s” is shown on the map; it becomes the area when " +
                               "you save."), { name: feature.properties.name }, true));
  }

  function areaPicker(map, cfg, picker, state) {
    var layerSelect = picker.querySelector("#id_area_layer");
    var search = picker.querySelector("#id_area_search");
    var box = picker.querySelector("[data-area-matches]");
    var list = picker.querySelector("[data-area-list]");
    var note = picker.querySelector("[data-area-note]");
    var input = document.getElementById("id_area");
    var timer = null;
    var asked = 0;

    function url(query) {
      return cfg.features_url.replace("/0/", "/" + encodeURIComponent(layerSelect.value) +
                                      "/") + "?" + query;
    }
    function choose(id) {
      fetch(url("id=" + encodeURIComponent(id)), { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
        .then(function (feature) {
          input.value = "";  // the feature replaces a drawing (drawn layers stay visible)
          showFeature(map, state, feature);
        })
        .catch(function () { status(gettext("The feature could not be shown.")); });
    }
    function render(answer) {
      var checked = list.querySelector("input:checked");
      var keep = checked ? checked.closest("li") : null;
      list.textContent = "";
      if (keep) { list.appendChild(keep); }
      answer.results.forEach(function (match) {
        if (keep && String(match.id) === keep.querySelector("input").value) { return; }
        var li = document.createElement("li");
        var label = document.createElement("label");
        var radio = document.createElement("input");
        radio.type = "radio";
        radio.name = "area_feature";
        radio.value = String(match.id);
        label.appendChild(radio);
        label.appendChild(document.createTextNode(" " + match.name));
        li.appendChild(label);
        list.appendChild(li);
      });
      note.textContent = !answer.results.length ? gettext("No feature of this layer has that name.")
        : answer.more ? gettext("More features match: type more of the name.") : "";
    }
    function find() {
      if (!layerSelect.value) { box.hidden = true; return; }
      box.hidden = false;
      var mine = ++asked;
      fetch(url("q=" + encodeURIComponent(search.value)), { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
        .then(function (answer) { if (mine === asked) { render(answer); } })
        .catch(function () { note.textContent = gettext("The search failed; try again."); });
    }
    list.addEventListener("change", function (e) {
      if (e.target.name === "area_feature" && e.target.checked) { choose(e.target.value); }
    });
    layerSelect.addEventListener("change", function () {
      list.textContent = "";
      if (state.shown) { map.removeLayer(state.shown); state.shown = null; }
      find();
    });
    search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(find, 200);
    });
    search.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); clearTimeout(timer); find(); }
    });
    picker.querySelector("[data-area-find]").hidden = true;  // the list follows the typing
    if (cfg.feature) { showFeature(map, state, cfg.feature); }
  }

  window.plazaAreaMap = function (map) {
    var cfg = JSON.parse(document.getElementById("map-config").textContent);
    var input = document.getElementById("id_area");
    var picker = document.querySelector("[data-area-picker]");
    var drawn = null;
    var state = { shown: null };  // the feature chosen in the picker
    if (cfg.area_url) {  // the current area, drawn as the project's pages draw it
      window.plazaAreaLayer(cfg).addTo(map);
      map.fitBounds(window.plazaAreaBounds(cfg));
    } else {
      map.setView([41.39, 2.17], 12);
    }

    function keep(layer) {
      if (drawn && drawn !== layer) { map.removeLayer(drawn); }
      drawn = layer;
      input.value = JSON.stringify(layer.toGeoJSON().geometry);
      if (picker) { picker.querySelectorAll("input[name=area_feature]").forEach(
        function (radio) { radio.checked = false; }); }
      if (state.shown) { map.removeLayer(state.shown); state.shown = null; }
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
    if (picker) { areaPicker(map, cfg, picker, state); }
  };
})();
