/* Leaflet's and Geoman's own words in the page's language.
 *
 * Leaflet writes its zoom buttons' and layers toggle's titles (which screen readers read
 * out) in English, and Geoman shows English tooltips while a shape is drawn. This script
 * gives them the words of the page's JavaScript catalogue; it loads after Leaflet,
 * Geoman and the catalogue, before any map is made. Without the catalogue they stay
 * English, as the rest of the map's messages do.
 */
(function () {
  "use strict";
  if (!window.L) { return; }
  var gettext = window.gettext || function (text) { return text; };

  L.Control.Zoom.mergeOptions({ zoomInTitle: gettext("Zoom in"),
                                zoomOutTitle: gettext("Zoom out") });

  // The layers control sets its toggle's title in English as it builds itself.
  var initLayout = L.Control.Layers.prototype._initLayout;
  L.Control.Layers.include({
    _initLayout: function () {
      initLayout.call(this);
      if (this._layersLink) {
        this._layersLink.title = gettext("Layers");
        this._layersLink.setAttribute("aria-label", gettext("Layers"));
      }
    },
  });

  if (!L.PM) { return; }
  // Only the tooltips of the three shapes Plaza draws show; Geoman's toolbar is not used.
  var words = {
    tooltips: {
      placeMarker: gettext("Click to place the point"),
      placeMarkerTouch: gettext("Tap the map to place the point"),
      firstVertex: gettext("Click to place the first point"),
      continueLine: gettext("Click to go on drawing"),
      finishLine: gettext("Click any point already placed to finish"),
      finishPoly: gettext("Click the first point to finish"),
    },
  };
  L.Map.addInitHook(function () {
    if (this.pm) { this.pm.setLang("plaza", words, "en"); }
  });
}());
