/* Plaza's maps: the project map (proposals by bounding box, counted in cells by the
 * server when many are in view) and the small map of one proposal. The drawing map of "Propose here" is static/js/plaza-draw.js.
 *
 * Every text that comes from users is put into the page with textContent, never as
 * HTML: Leaflet's bindPopup renders HTML strings, so popups get DOM nodes instead.
 */
(function () {
  "use strict";

  // The messages in the reader's language come from the JavaScript catalogue (/jsi18n/),
  // loaded before this script; should it fail to load, they stay in English.
  var gettext = window.gettext || function (text) { return text; };
  var ngettext = window.ngettext || function (one, many, n) { return n === 1 ? one : many; };
  var interpolate = window.interpolate || function (format, values) {
    return format.replace(/%\(\w+\)s/g, function (m) { return String(values[m.slice(2, -2)]); });
  };

  function config() {
    return JSON.parse(document.getElementById("map-config").textContent);
  }

  function status(text) {
    var el = document.querySelector("[data-map-status]");
    if (el) { el.textContent = text; }
  }

  // The project's outline. The page carries only the area's bounding box (the first
  // view needs nothing more) and the address of its shape, simplified for display and
  // kept by the browser's cache (GET /api/v1/projects/{id}/area/): the outline is drawn
  // when it arrives. Should it not arrive, the map works without it: whether a proposal
  // is inside the area is the server's check, on the full area.
  function areaLayer(cfg) {
    var layer = L.geoJSON(null, {
      interactive: false, className: "plaza-area",
      style: { color: "#1d2733", weight: 2, dashArray: "6 4", fill: false }
    });
    fetch(cfg.area_url, { credentials: "same-origin",
                          headers: { Accept: "application/geo+json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (feature) { layer.addData(feature); })
      .catch(function () { /* no outline */ });
    return layer;
  }

  // The area's bounding box, [minlon, minlat, maxlon, maxlat], as Leaflet's bounds.
  function areaBounds(cfg) {
    var b = cfg.area_bbox;
    return L.latLngBounds([b[1], b[0]], [b[3], b[2]]);
  }

  // The drawing map and the dashboard's set-up page outline the project's area the same
  // way (static/js/plaza-draw.js, plaza-area.js).
  window.plazaAreaLayer = areaLayer;
  window.plazaAreaBounds = areaBounds;

  function colorOf(cfg, feature) {
    var c = cfg.categories[feature.properties.category];
    return (c && c.color) || "#0b6e4f";
  }

  function popupFor(cfg, feature) {
    var p = feature.properties;
    var box = document.createElement("div");
    box.className = "popup";
    var title = document.createElement("strong");
    title.textContent = p.title;
    var category = cfg.categories[p.category];
    var meta = document.createElement("div");
    meta.textContent = (category ? category.name : p.category) + " · " +
      (cfg.statuses[p.status] || p.status) + (p.hidden ? " · " + gettext("hidden") : "");
    var link = document.createElement("a");
    link.href = cfg.proposal_url.replace("{id}", String(feature.id));
    link.textContent = gettext("Open the proposal");
    box.append(title, meta, link);
    return box;
  }

  function pointMarker(cfg, feature, latlng) {
    return L.circleMarker(latlng, {
      radius: 8, color: "#fff", weight: 2, fillColor: colorOf(cfg, feature), fillOpacity: 0.95
    });
  }

  /* ---------------------------------------------------------------- project map */

  function proposalsLabel(count) {
    return interpolate(ngettext("%(count)s proposal", "%(count)s proposals", count),
                       { count: count }, true);
  }

  // A bubble with a number: the server's cells and the browser's own clusters look and
  // read alike. A button to the keyboard and to screen readers (Leaflet makes a keyboard
  // marker's icon a focusable role=button; Enter fires its click), named "N proposals".
  var BubbleIcon = L.DivIcon.extend({
    createIcon: function (old) {
      var div = L.DivIcon.prototype.createIcon.call(this, old);
      div.textContent = String(this.options.count);
      div.setAttribute("aria-label", proposalsLabel(this.options.count));
      return div;
    }
  });

  // Larger with more proposals, but never wider than a cell of the server's grid
  // (CELL_PIXELS, 60, in proposals/clusters.py): a bubble of tens of thousands would
  // otherwise cover its neighbours' numbers.
  var BUBBLE_MAX = 56;

  function bubbleIcon(count) {
    var size = Math.min(BUBBLE_MAX, Math.round(30 + 6 * Math.log10(Math.max(count, 1))));
    return new BubbleIcon({ count: count, className: "map-bubble", iconSize: [size, size] });
  }

  // The map's view as the URL keeps it (`bbox`), shared with the list (plaza-list.js).
  function bboxOf(map) {
    var b = map.getBounds();
    return [Math.max(b.getWest(), -180), Math.max(b.getSouth(), -90),
            Math.min(b.getEast(), 180), Math.min(b.getNorth(), 90)]
      .map(function (v) { return v.toFixed(6); }).join(",");
  }

  // A view read back from the URL, a hair inside what was written: the six decimals
  // may round it a little larger, and fitBounds would then zoom out one step.
  function boundsOf(raw) {
    var v = (raw || "").split(",").map(Number);
    if (v.length !== 4 || v.some(isNaN) || v[0] >= v[2] || v[1] >= v[3]) { return null; }
    var dx = (v[2] - v[0]) * 1e-4, dy = (v[3] - v[1]) * 1e-4;
    return L.latLngBounds([v[1] + dy, v[0] + dx], [v[3] - dy, v[2] - dx]);
  }

  window.plazaProjectMap = function (map) {
    var cfg = config();
    var area = areaLayer(cfg).addTo(map);
    // Moves the page makes (the first view, the one a link or the back button restores)
    // are not the reader's: they do not rewrite the URL.
    var quiet = false;
    function fitState() {
      var saved = boundsOf(new URLSearchParams(window.location.search).get("bbox"));
      quiet = true;
      map.fitBounds(saved || areaBounds(cfg), { animate: false });
    }
    fitState();
    quiet = false;
    // Few proposals in view: each one, points grouped by the browser (all of them are
    // loaded, so its counts are exact). Many: the server's cells (`cells`), each with
    // the exact count of the proposals whose point on surface lies in it.
    var clusters = L.markerClusterGroup({
      showCoverageOnHover: false, maxClusterRadius: 50,
      iconCreateFunction: function (cluster) { return bubbleIcon(cluster.getChildCount()); }
    });
    var cells = L.featureGroup();
    var points = L.layerGroup([clusters, cells]);
    var shapes = L.featureGroup();
    map.addLayer(points);
    map.addLayer(shapes);
    // The layer control has room for the city's imported layers. Leaflet shows these
    // names as HTML: they are the catalogue's, never a user's.
    var overlays = {};
    overlays[gettext("Proposals: points")] = points;
    overlays[gettext("Proposals: lines and areas")] = shapes;
    overlays[gettext("Project area")] = area;
    var control = L.control.layers(null, overlays, { collapsed: true }).addTo(map);
    if (window.plazaAddLayers) { window.plazaAddLayers(map, cfg, control); }
    var focus = new URLSearchParams(window.location.search).get("focus");
    var pending = null;
    var timer = null;

    // The filters come from the URL, the one state the list reads too.
    function query() {
      var state = new URLSearchParams(window.location.search);
      var params = new URLSearchParams({ bbox: bboxOf(map), zoom: String(map.getZoom()) });
      ["category", "status"].forEach(function (key) {
        if (state.get(key)) { params.set(key, state.get(key)); }
      });
      return cfg.clusters + "?" + params.toString();
    }

    function inView(count) {
      return interpolate(ngettext("%(count)s proposal in view.", "%(count)s proposals in view.",
                                  count), { count: count }, true);
    }

    // A cell: a click (or Enter) zooms to its proposals; where the map cannot zoom in
    // further, it lists them in a popup instead.
    function cellMarker(feature) {
      var c = feature.geometry.coordinates;
      var p = feature.properties;
      var marker = L.marker([c[1], c[0]], { icon: bubbleIcon(p.count), keyboard: true });
      var b = p.bounds;
      var bounds = L.latLngBounds([b[1], b[0]], [b[3], b[2]]);
      function open(event) {
        var key = event.originalEvent && event.originalEvent.key;
        if (event.type === "keypress" && key !== "Enter" && key !== " ") { return; }
        if (event.type === "keypress" && key === " ") { event.originalEvent.preventDefault(); }
        if (map.getZoom() < map.getMaxZoom()) {
          map.fitBounds(bounds, { maxZoom: map.getMaxZoom() });
          map.getContainer().focus({ preventScroll: true });
        } else {
          listCell(marker, bounds, p.count);
        }
      }
      marker.on("click keypress", open);
      return marker;
    }

    function listCell(marker, bounds, count) {
      var state = new URLSearchParams(window.location.search);
      var pad = 1e-7;  // the cell's extent, a hair wider than its outermost points
      var params = new URLSearchParams({ limit: "100", bbox: [
        bounds.getWest() - pad, bounds.getSouth() - pad,
        bounds.getEast() + pad, bounds.getNorth() + pad].join(",") });
      ["category", "status"].forEach(function (key) {
        if (state.get(key)) { params.set(key, state.get(key)); }
      });
      fetch(cfg.api + "?" + params.toString(), { headers: { Accept: "application/geo+json" } })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
        .then(function (collection) {
          var box = document.createElement("div");
          box.className = "popup";
          var title = document.createElement("strong");
          title.textContent = proposalsLabel(count);
          var list = document.createElement("ul");
          collection.features.forEach(function (f) {
            var item = document.createElement("li");
            var link = document.createElement("a");
            link.href = cfg.proposal_url.replace("{id}", String(f.id));
            link.textContent = f.properties.title;
            item.append(link);
            list.append(item);
          });
          box.append(title, list);
          if (collection.numberReturned < count) {
            var more = document.createElement("p");
            more.textContent = interpolate(ngettext(
              "and %(count)s more, in the list beside the map.",
              "and %(count)s more, in the list beside the map.",
              count - collection.numberReturned), { count: count - collection.numberReturned }, true);
            box.append(more);
          }
          marker.bindPopup(box).openPopup();
        })
        .catch(function () { status(gettext("The proposals could not be loaded.")); });
    }

    function load() {
      // A map hidden behind the list (on a phone) has no size, so its bounds are a point
      // the API refuses as a bbox: it loads once shown ("plaza:map-shown" moves it).
      var size = map.getSize();
      if (!size.x || !size.y) { return; }
      if (pending) { pending.abort(); }
      pending = new AbortController();
      status(gettext("Loading proposals…"));
      fetch(query(), { signal: pending.signal, headers: { Accept: "application/geo+json" } })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
        .then(function (collection) {
          // A popup open when the view reloads (a pan, the zoom that showed the focused
          // proposal) is opened again on the same proposal, not lost with its layer.
          [clusters, shapes].forEach(function (group) {
            group.eachLayer(function (layer) {
              if (layer.isPopupOpen() && layer.feature) { focus = String(layer.feature.id); }
            });
          });
          clusters.clearLayers();
          cells.clearLayers();
          shapes.clearLayers();
          var node = document.getElementById("map");
          node.dataset.loaded = String(collection.numberMatched);
          node.dataset.clustered = String(collection.clustered);
          status(inView(collection.numberMatched));
          if (collection.clustered) {
            collection.features.forEach(function (f) { cells.addLayer(cellMarker(f)); });
            if (focus) { goToFocused(); }
            return;
          }
          L.geoJSON(collection, {
            pointToLayer: function (f, latlng) { return pointMarker(cfg, f, latlng); },
            style: function (f) { return { color: colorOf(cfg, f), weight: 4, fillOpacity: 0.25 }; },
            onEachFeature: function (f, layer) {
              layer.bindPopup(popupFor(cfg, f));
              layer.feature = f;
              (f.geometry.type === "Point" ? clusters : shapes).addLayer(layer);
            }
          });
          if (focus) { openFocused(); }
        })
        .catch(function (err) {
          if (err.name !== "AbortError") { status(gettext("The proposals could not be loaded.")); }
        });
    }

    // After "Propose here" (or a link to ?focus=ID), that proposal's popup is opened once
    // it has loaded. A point's popup is opened on the map at its position rather than on
    // its marker: a marker still inside a cluster, or one that the cluster group has not
    // drawn yet, cannot open a popup, and waiting for it races with the next reload.
    function openFocused() {
      [clusters, shapes].forEach(function (group) {
        group.eachLayer(function (layer) {
          if (String(layer.feature.id) !== focus) { return; }
          focus = null;
          if (group === shapes) { layer.openPopup(); return; }
          if (map.getZoom() < 16) { map.setView(layer.getLatLng(), 16); }
          map.openPopup(L.popup().setLatLng(layer.getLatLng())
            .setContent(popupFor(cfg, layer.feature)));
        });
      });
    }

    // The focused proposal is inside a cell: the map goes to it (once), and the view
    // there, with fewer proposals, loads it with the others and opens its popup.
    var wentToFocus = false;
    function goToFocused() {
      if (wentToFocus) { return; }
      wentToFocus = true;
      fetch(cfg.proposal_api.replace("{id}", focus), { headers: { Accept: "application/geo+json" } })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
        .then(function (feature) {
          var bounds = L.geoJSON(feature).getBounds();
          map.fitBounds(bounds, { maxZoom: 17 });
        })
        .catch(function () { focus = null; });
    }

    // A map first shown by the list/map toggle has to measure itself again.
    window.addEventListener("plaza:map-shown", function () {
      quiet = true;
      map.invalidateSize();
      fitState();
    }, { once: true });

    map.on("moveend", function () {
      if (quiet) { quiet = false; } else if (map.getSize().x && map.getSize().y) {
        window.dispatchEvent(new CustomEvent("plaza:map-moved", { detail: { bbox: bboxOf(map) } }));
      }
      clearTimeout(timer);
      timer = setTimeout(load, 150);
    });
    // The filters changed, or the back button brought back an earlier state.
    window.addEventListener("plaza:state", function (event) {
      if (event.detail && event.detail.restore) { fitState(); } else { load(); }
    });
    load();
  };

  /* ---------------------------------------------------------------- one proposal */

  window.plazaShowMap = function (map) {
    var cfg = config();
    areaLayer(cfg).addTo(map);
    var feature = { type: "Feature", geometry: cfg.geometry, properties: {} };
    var layer = L.geoJSON(feature, {
      pointToLayer: function (f, latlng) { return L.marker(latlng); },
      style: { color: "#0b6e4f", weight: 4 }
    }).addTo(map);
    var bounds = layer.getBounds();
    if (cfg.geometry.type === "Point") { map.setView(bounds.getCenter(), 17); }
    else { map.fitBounds(bounds, { maxZoom: 18 }); }
  };

  /* ---------------------------------------------------------------- list / map toggle */

  document.addEventListener("DOMContentLoaded", function () {
    var toggle = document.querySelector("[data-view-toggle]");
    if (!toggle) { return; }
    var box = document.querySelector(".map-and-list");
    function show(showMap) {
      box.dataset.view = showMap ? "map" : "list";
      toggle.setAttribute("aria-expanded", String(showMap));
      toggle.textContent = showMap ? gettext("Show the list") : gettext("Show the map");
      if (showMap) { window.dispatchEvent(new Event("plaza:map-shown")); }
    }
    toggle.addEventListener("click", function () { show(box.dataset.view !== "map"); });
    if (new URLSearchParams(window.location.search).get("focus")) { show(true); }
  });
})();
