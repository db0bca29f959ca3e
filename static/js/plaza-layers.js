/* The city's published GIS layers on the project map (see gisdata/selectors.py).
 *
 * Each layer of the map's config goes into the layer control, off until chosen: small
 * layers are loaded once as GeoJSON, large ones (mode "tiles") as vector tiles drawn
 * on canvas by Leaflet.VectorGrid, in the colour the planner chose for the layer (or one
 * of the palette's). Attribute values come from imported files: popups
 * are DOM nodes filled with textContent, and the strings Leaflet puts in as HTML (the
 * layer control's names, the attribution) are escaped first.
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

  var PALETTE = ["#7b3294", "#c2410c", "#1d4ed8", "#0f766e", "#a16207", "#be123c"];
  var MAX_ATTRIBUTES = 10;

  // Leaflet 1.8 removed DomEvent.fakeStop, which VectorGrid 1.3's canvas renderer calls
  // on a click; Leaflet 1.9 reads the same `_stopped` flag.
  if (window.L && L.DomEvent && !L.DomEvent.fakeStop) {
    L.DomEvent.fakeStop = function (e) { e._stopped = true; };
  }
  // VectorGrid's canvas tiles hand clicks and hovers to Map._fireDOMEvent, which in
  // Leaflet 1.9 asks a small circle for its LatLng (for the event's containerPoint):
  // the tiles' points have none, and it throws. Fire on the feature directly instead
  // (it propagates to the VectorGrid layer, whose "click" opens the popup).
  if (window.L && L.Canvas && L.Canvas.Tile) {
    L.Canvas.Tile.prototype._fireEvent = function (layers, e, type) {
      if (!layers || !layers.length || !this._map) { return; }
      var map = this._map;
      layers[0].fire(type || e.type, {
        originalEvent: e, layer: layers[0], latlng: map.mouseEventToLatLng(e),
        layerPoint: map.mouseEventToLayerPoint(e),
        containerPoint: map.mouseEventToContainerPoint(e)
      }, true);
    };
  }

  function escapeHTML(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  // The planner's colour for the layer (Layer.style.color), checked again here because
  // it goes into a style attribute; a layer without one takes the next palette colour.
  function colorOf(layerCfg, i) {
    var chosen = layerCfg.color;
    if (typeof chosen === "string" && /^#[0-9a-fA-F]{6}$/.test(chosen)) { return chosen; }
    return PALETTE[i % PALETTE.length];
  }

  function kind(geometryType) {
    if (/Point/.test(geometryType)) { return "point"; }
    if (/LineString/.test(geometryType)) { return "line"; }
    if (/Polygon/.test(geometryType)) { return "area"; }
    return "mixed";
  }

  // Style by geometry: points as small circles, lines as strokes, areas filled.
  function styleFor(k, color) {
    if (k === "point") {
      return { radius: 4, color: "#fff", weight: 1, fill: true, fillColor: color,
               fillOpacity: 0.9, opacity: 1 };
    }
    if (k === "line") { return { color: color, weight: 2.5, opacity: 0.9, fill: false }; }
    return { color: color, weight: 1.5, opacity: 0.9, fill: true, fillColor: color,
             fillOpacity: 0.2 };
  }

  function valueText(value) {
    if (value === null || value === undefined) { return ""; }
    return typeof value === "object" ? JSON.stringify(value) : String(value);
  }

  function popupFor(layerCfg, properties) {
    var box = document.createElement("div");
    box.className = "popup layer-popup";
    var title = document.createElement("strong");
    title.textContent = layerCfg.title;
    box.appendChild(title);
    var keys = Object.keys(properties || {});
    var list = document.createElement("dl");
    keys.slice(0, MAX_ATTRIBUTES).forEach(function (key) {
      var dt = document.createElement("dt");
      dt.textContent = key;
      var dd = document.createElement("dd");
      dd.textContent = valueText(properties[key]);
      list.append(dt, dd);
    });
    box.appendChild(list);
    if (keys.length > MAX_ATTRIBUTES) {
      var more = document.createElement("div");
      more.className = "layer-popup-more";
      var others = keys.length - MAX_ATTRIBUTES;
      more.textContent = interpolate(ngettext("and %(count)s more attribute",
                                              "and %(count)s more attributes", others),
                                     { count: others }, true);
      box.appendChild(more);
    } else if (!keys.length) {
      list.remove();
      var none = document.createElement("div");
      none.textContent = gettext("No attributes.");
      box.appendChild(none);
    }
    return box;
  }

  function attributionOf(layerCfg) {
    var parts = [layerCfg.attribution, layerCfg.licence].filter(Boolean);
    return parts.length ? escapeHTML(parts.join(", ")) : undefined;
  }

  function geojsonLayer(map, layerCfg, k, color, pane) {
    var style = L.extend(styleFor(k, color), pane ? { pane: pane } : {});
    var group = L.geoJSON(null, {
      attribution: attributionOf(layerCfg),
      pane: pane || "overlayPane",
      pointToLayer: function (f, latlng) { return L.circleMarker(latlng, style); },
      style: function (f) { return styleFor(kind(f.geometry.type), color); },
      onEachFeature: function (f, layer) {
        layer.bindPopup(function () { return popupFor(layerCfg, f.properties); });
      }
    });
    var loaded = false;
    group.on("add", function () {
      if (loaded) { return; }
      loaded = true;
      fetch(layerCfg.geojson + "?limit=5000", { headers: { Accept: "application/geo+json" } })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
        .then(function (collection) {
          group.addData(collection);
          map.getContainer().dataset["layer" + layerCfg.id] = String(collection.numberReturned);
        })
        .catch(function () { loaded = false; });
    });
    return group;
  }

  function tileLayer(map, layerCfg, k, color) {
    var styles = {};
    // "features" is the name of the one layer inside each tile (gisdata/selectors.py).
    styles.features = function (properties, zoom, geometryDimension) {
      // geometryDimension: 1 point, 2 line, 3 area; mixed layers are styled per feature.
      var kk = k !== "mixed" ? k : ["point", "point", "line", "area"][geometryDimension || 1];
      return styleFor(kk, color);
    };
    var grid = L.vectorGrid.protobuf(layerCfg.tiles, {
      rendererFactory: L.canvas.tile,
      vectorTileLayerStyles: styles,
      interactive: true,
      maxNativeZoom: 22,
      attribution: attributionOf(layerCfg)
    });
    grid.on("click", function (e) {
      // While a shape is drawn, a click is a vertex of it (static/js/plaza-draw.js).
      if (L.DomUtil.hasClass(map.getContainer(), "plaza-drawing")) { return; }
      L.popup().setLatLng(e.latlng).setContent(popupFor(layerCfg, e.layer.properties))
        .openOn(map);
    });
    return grid;
  }

  /* Adds the config's layers to the map's layer control, unchecked unless `options.on`
   * says otherwise for a layer; `options.pane` puts them in a pane of their own (under
   * what is drawn). Returns each layer's id, kind and colour, for a legend. */
  window.plazaAddLayers = function (map, cfg, control, options) {
    options = options || {};
    return (cfg.layers || []).map(function (layerCfg, i) {
      var k = kind(layerCfg.geometry_type);
      var color = colorOf(layerCfg, i);
      var useTiles = layerCfg.mode === "tiles" && L.vectorGrid;
      var layer = useTiles ? tileLayer(map, layerCfg, k, color)
                           : geojsonLayer(map, layerCfg, k, color, options.pane);
      var swatch = '<span class="layer-swatch layer-swatch-' + k + '" style="--swatch:' +
        color + '"></span>';
      control.addOverlay(layer, swatch + escapeHTML(layerCfg.title));
      if (options.on && options.on(layerCfg)) { layer.addTo(map); }
      return { id: layerCfg.id, kind: k, color: color };
    });
  };
})();
