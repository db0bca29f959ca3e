/* "Similar proposals nearby" on the propose page (templates/proposals/proposal_form.html).
 *
 * While the citizen writes the title (after a pause in typing) and each time the drawing
 * changes (plaza-draw.js fires "change" on the geometry field), ask the project's
 * similar-proposals API (proposals/similar.py) and list what it finds, the closest and
 * most alike first, each with its distance and a link to support or comment on it. The
 * idea may already be there: one more supporter counts more than a second proposal.
 *
 * Titles are set as text, never as HTML. A screen reader hears how many were found (a
 * polite live status), not the whole list again on each keystroke. An answer about an
 * earlier title or drawing is dropped (its request aborted). */
(function () {
  "use strict";
  var gettext = window.gettext || function (text) { return text; };
  var ngettext = window.ngettext || function (one, many, n) { return n === 1 ? one : many; };
  var interpolate = window.interpolate || function (fmt, args) {
    return fmt.replace(/%s/g, function () { return String(args.shift()); });
  };
  var PAUSE_MS = 400;     // after the last keystroke
  var MIN_TITLE = 3;      // the server's too (proposals/similar.py)

  function distanceText(metres) {
    if (metres === null || metres === undefined) { return gettext("similar title"); }
    if (metres < 10) { return gettext("at the same spot"); }
    if (metres < 1000) {
      // Rounded to 10 m: a drawing is not more precise than that.
      return interpolate(gettext("%s m away"), [Math.round(metres / 10) * 10]);
    }
    return interpolate(gettext("%s km away"), [(metres / 1000).toFixed(1)]);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector("[data-similar-url]");
    var title = document.getElementById("id_title");
    var geometry = document.getElementById("id_geometry");
    if (!box || !title || !geometry) { return; }
    var list = box.querySelector("[data-similar-list]");
    var live = document.querySelector("[data-similar-status]");
    var pending = null;
    var timer = null;
    var asked = "";

    function show(items) {
      list.replaceChildren();
      items.forEach(function (item) {
        var li = document.createElement("li");
        var link = document.createElement("a");
        link.href = item.url;
        link.textContent = item.title;
        var where = document.createElement("span");
        where.className = "similar-distance";
        where.textContent = " — " + distanceText(item.distance_m) + " ";
        var act = document.createElement("a");
        act.href = item.url;
        act.className = "similar-act";
        act.textContent = gettext("Support or comment");
        // The second link says which proposal it is about, for a list of links read alone.
        var about = document.createElement("span");
        about.className = "visually-hidden";
        about.textContent = " — " + item.title;
        act.append(about);
        li.append(link, where, act);
        list.append(li);
      });
      box.hidden = items.length === 0;
      box.dataset.count = String(items.length);
      if (live) {
        live.textContent = items.length ? interpolate(ngettext(
          "%s similar proposal found: it is listed above the send button.",
          "%s similar proposals found: they are listed above the send button.",
          items.length), [items.length]) : "";
      }
    }

    function ask() {
      var text = title.value.trim();
      var drawn = geometry.value;
      var params = new URLSearchParams();
      if (text.length >= MIN_TITLE) { params.set("title", text); }
      if (drawn) { params.set("geometry", drawn); }
      var query = params.toString();
      if (query === asked) { return; }
      asked = query;
      if (pending) { pending.abort(); pending = null; }
      if (!query) { show([]); return; }
      pending = new AbortController();
      fetch(box.dataset.similarUrl + "?" + query, {
        signal: pending.signal, credentials: "same-origin",
        headers: { "Accept": "application/json" }
      }).then(function (r) {
        return r.ok ? r.json() : [];
      }).then(function (items) {
        show(Array.isArray(items) ? items : []);
      }).catch(function (err) {
        if (err.name !== "AbortError") { show([]); }
      });
    }

    title.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, PAUSE_MS);
    });
    geometry.addEventListener("change", ask);
    if (title.value || geometry.value) { ask(); }  // a form sent back with errors
  });
})();
