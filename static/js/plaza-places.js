/* "Find a place": a search box on every Plaza map (a Leaflet control added when a map
 * is made). It asks GET /api/v1/places/?search= (the city's published layers' named
 * features: streets, districts…) as the person types, lists what it finds, and moving
 * to a place fits the map to it, centred on a point on it: "Point at the map's centre"
 * then places a proposal on that street.
 *
 * An ARIA combobox (the "list autocomplete" pattern): the input owns a listbox; the
 * arrow keys move the active option (aria-activedescendant), Enter chooses it (or the
 * first one), Escape closes the list, then clears the box. A click or a tap chooses too.
 * How many places were found and where the map went are said in a live region. Names
 * are put into the page with textContent. The address of the API comes from this
 * script's own tag (data-places-url), written in the municipality's URL.
 */
(function () {
  "use strict";
  if (!window.L) { return; }
  var gettext = window.gettext || function (text) { return text; };
  var ngettext = window.ngettext || function (one, many, n) { return n === 1 ? one : many; };
  var interpolate = window.interpolate || function (format, values) {
    return format.replace(/%\(\w+\)s/g, function (m) { return String(values[m.slice(2, -2)]); });
  };
  var script = document.currentScript;
  var URL_BASE = script && script.dataset.placesUrl;
  if (!URL_BASE) { return; }
  var MIN = 2;  // as gisdata/places.py QUERY_MIN
  var WAIT_MS = 250;
  var LIMIT = 8;
  var counter = 0;

  var KINDS = { point: gettext("place"), line: gettext("street"), area: gettext("area") };

  function element(tag, className, parent) {
    var el = L.DomUtil.create(tag, className || "", parent);
    return el;
  }

  var PlaceSearch = L.Control.extend({
    options: { position: "topleft" },

    onAdd: function (map) {
      var n = ++counter;
      var box = element("div", "leaflet-control plaza-places");
      box.setAttribute("role", "search");
      var label = element("label", "visually-hidden", box);
      label.htmlFor = "plaza-places-" + n;
      label.textContent = gettext("Find a street or place");
      var input = element("input", "plaza-places-input", box);
      input.id = "plaza-places-" + n;
      input.type = "search";
      input.autocomplete = "off";
      input.spellcheck = false;
      input.maxLength = 100;  // as gisdata/places.py QUERY_MAX: longer is a 400
      input.placeholder = gettext("Find a street or place");
      input.setAttribute("role", "combobox");
      input.setAttribute("aria-autocomplete", "list");
      input.setAttribute("aria-expanded", "false");
      input.setAttribute("aria-controls", "plaza-places-list-" + n);
      var list = element("ul", "plaza-places-list", box);
      list.id = "plaza-places-list-" + n;
      list.setAttribute("role", "listbox");
      list.setAttribute("aria-label", gettext("Places found"));
      list.hidden = true;
      var said = element("p", "visually-hidden", box);
      said.setAttribute("role", "status");
      said.setAttribute("aria-live", "polite");

      // The map must not take the box's clicks, scrolls and keys for its own.
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);

      var found = [];
      var active = -1;
      var timer = null;
      var asked = 0;

      function close() {
        list.hidden = true;
        input.setAttribute("aria-expanded", "false");
        input.removeAttribute("aria-activedescendant");
        active = -1;
      }

      function activate(index) {
        var options = list.children;
        if (!options.length) { return; }
        active = (index + options.length) % options.length;
        for (var i = 0; i < options.length; i++) {
          options[i].setAttribute("aria-selected", String(i === active));
        }
        input.setAttribute("aria-activedescendant", options[active].id);
        options[active].scrollIntoView({ block: "nearest" });
      }

      function choose(index) {
        var place = found[index];
        if (!place) { return; }
        var b = place.bbox;
        var point = place.geometry.coordinates;
        var centre = L.latLng(point[1], point[0]);
        if (b && (b[2] - b[0] > 1e-6 || b[3] - b[1] > 1e-6)) {
          map.fitBounds(L.latLngBounds([b[1], b[0]], [b[3], b[2]]),
                        { maxZoom: 18, animate: false });
          map.setView(centre, map.getZoom(), { animate: false });
        } else {
          map.setView(centre, 18, { animate: false });
        }
        input.value = place.properties.name;
        close();
        said.textContent = interpolate(gettext("The map shows %(name)s."),
                                       { name: place.properties.name }, true);
        map.fire("plaza:place", { place: place });
      }

      function show(features) {
        found = features;
        list.textContent = "";
        features.forEach(function (place, i) {
          var option = element("li", "plaza-places-option", list);
          option.id = list.id + "-" + i;
          option.setAttribute("role", "option");
          option.setAttribute("aria-selected", "false");
          var name = element("span", "plaza-places-name", option);
          name.textContent = place.properties.name;
          var what = element("span", "plaza-places-what", option);
          what.textContent = (KINDS[place.properties.kind] || "") + " · " + place.properties.layer;
          L.DomEvent.on(option, "mousedown", L.DomEvent.preventDefault);  // keep the focus
          L.DomEvent.on(option, "click", function () { choose(i); });
        });
        active = -1;
        input.removeAttribute("aria-activedescendant");
        list.hidden = !features.length;
        input.setAttribute("aria-expanded", String(!!features.length));
        said.textContent = features.length
          ? interpolate(ngettext("%(n)s place found: choose with the arrow keys and Enter.",
                                 "%(n)s places found: choose with the arrow keys and Enter.",
                                 features.length), { n: features.length }, true)
          : gettext("No place of that name.");
      }

      function ask() {
        var text = input.value.trim();
        if (text.length < MIN) { found = []; list.textContent = ""; close(); return; }
        var mine = ++asked;
        var url = URL_BASE + "?limit=" + LIMIT + "&search=" + encodeURIComponent(text);
        fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
          .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
          .then(function (data) { if (mine === asked) { show(data.features || []); } })
          .catch(function () {
            if (mine === asked) { said.textContent = gettext("Places cannot be searched now."); }
          });
      }

      L.DomEvent.on(input, "input", function () {
        clearTimeout(timer);
        timer = setTimeout(ask, WAIT_MS);
      });
      L.DomEvent.on(input, "keydown", function (e) {
        // The map's own keys (arrows pan, + and − zoom) stay out of the box.
        L.DomEvent.stopPropagation(e);
        if (e.key === "ArrowDown" || e.key === "ArrowUp") {
          e.preventDefault();
          if (list.hidden && found.length) {
            list.hidden = false;
            input.setAttribute("aria-expanded", "true");
          }
          activate(active < 0 && e.key === "ArrowUp" ? -1
                   : active + (e.key === "ArrowDown" ? 1 : -1));
        } else if (e.key === "Enter") {
          e.preventDefault();  // never sends the form the map is in
          if (!list.hidden && found.length) { choose(active < 0 ? 0 : active); }
        } else if (e.key === "Escape") {
          if (!list.hidden) { e.preventDefault(); close(); } else { input.value = ""; }
        }
      });
      L.DomEvent.on(input, "blur", function () { setTimeout(close, 150); });
      return box;
    }
  });

  L.Map.addInitHook(function () {
    // The maps made inside another (none today) or without controls get no box.
    if (this.options.zoomControl === false && this.options.attributionControl === false) {
      return;
    }
    this.addControl(new PlaceSearch());
  });
}());
