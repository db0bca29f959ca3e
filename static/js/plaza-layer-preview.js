/* A layer's preview on its dashboard page: the layer drawn as citizens see it once
 * published (plaza-layers.js, GeoJSON or vector tiles), on from the start, the map
 * fitted to the layer's extent. The features come from the API, which shows
 * unpublished layers to planners only.
 */
(function () {
  "use strict";

  window.plazaLayerPreview = function (map) {
    var cfg = JSON.parse(document.getElementById("layer-map-config").textContent);
    var control = L.control.layers(null, null, { collapsed: true }).addTo(map);
    window.plazaAddLayers(map, cfg, control, { on: function () { return true; } });
    if (cfg.bbox) {
      map.fitBounds([[cfg.bbox[1], cfg.bbox[0]], [cfg.bbox[3], cfg.bbox[2]]]);
    } else {
      map.setView([41.39, 2.17], 12);
    }
  };
})();
