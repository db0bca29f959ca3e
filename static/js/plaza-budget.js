/* Plaza's budget pages: the ballot's live meter and the maps of a budget's proposals
 * (templates/voting/budget_ballot.html, budget_results.html).
 *
 * The form works without this script: the server checks every ballot (voting
 * budget_services.ballot_submit) and says what is wrong. The meter only says it first,
 * as the voter ticks. A marker's click ticks (or unticks) its proposal in the list and
 * moves the focus there: the list is the ballot, the map a way to find things on it.
 * Every text from users goes in with textContent, popups too.
 */
(function () {
  "use strict";

  var gettext = window.gettext || function (text) { return text; };
  var interpolate = window.interpolate || function (format, values) {
    return format.replace(/%\(\w+\)s/g, function (m) { return String(values[m.slice(2, -2)]); });
  };

  // As the server's money(): grouped digits and the currency code.
  function money(amount, currency) {
    var lang = document.documentElement.lang || undefined;
    var digits;
    try {
      digits = new Intl.NumberFormat(lang, { maximumFractionDigits: 0, useGrouping: "always" })
        .format(amount);
    } catch (e) {
      digits = new Intl.NumberFormat(lang, { maximumFractionDigits: 0 }).format(amount);
    }
    return digits + " " + currency;
  }

  function meterUpdate(form) {
    var amount = Number(form.dataset.amount);
    var currency = form.dataset.currency;
    var min = Number(form.dataset.min || 0);
    var max = form.dataset.max ? Number(form.dataset.max) : null;
    var spent = 0, count = 0;
    form.querySelectorAll("input[name=proposal]").forEach(function (box) {
      var item = box.closest("li");
      if (item) { item.classList.toggle("picked", box.checked); }
      if (box.checked) { spent += Number(box.dataset.cost); count += 1; }
    });
    var state = "ok", warning = "";
    if (spent > amount) {
      state = "over";
      warning = interpolate(gettext("Over budget by %(over)s: take a proposal out."),
                            { over: money(spent - amount, currency) }, true);
    } else if (count < min) {
      state = "count";
      warning = interpolate(gettext("Pick at least %(min)s."), { min: min }, true);
    } else if (max !== null && count > max) {
      state = "count";
      warning = interpolate(gettext("Pick at most %(max)s."), { max: max }, true);
    }
    var meter = form.querySelector("[data-budget-meter]");
    meter.dataset.state = state;
    meter.querySelector("[data-meter-bar]").value = Math.min(spent, amount);
    meter.querySelector("[data-meter-money]").textContent = interpolate(
      gettext("%(spent)s of %(amount)s spent, %(left)s left."),
      { spent: money(spent, currency), amount: money(amount, currency),
        left: money(Math.max(amount - spent, 0), currency) }, true);
    meter.querySelector("[data-meter-count]").textContent = interpolate(
      gettext("%(n)s picked."), { n: count }, true);
    meter.querySelector("[data-meter-warning]").textContent = warning;
    form.dispatchEvent(new CustomEvent("plaza:budget-changed"));
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-budget-form]").forEach(function (form) {
      form.addEventListener("change", function () { meterUpdate(form); });
      meterUpdate(form);
    });
  });

  function popupFor(cfg, option, box) {
    var node = document.createElement("div");
    node.className = "popup";
    var title = document.createElement("strong");
    title.textContent = option.title;
    var meta = document.createElement("div");
    meta.textContent = option.category + " · " + option.cost;
    node.append(title, meta);
    if (box) {
      var state = document.createElement("div");
      state.textContent = box.checked ? gettext("On your ballot") : gettext("Not on your ballot");
      node.append(state);
    }
    var link = document.createElement("a");
    link.href = cfg.proposal_url.replace("{id}", String(option.id));
    link.textContent = gettext("Open the proposal");
    node.append(link);
    return node;
  }

  // The map of one budget: the container's id is "budget-map-ID" or "results-map-ID";
  // its config is in the script element "<that id>-config".
  window.plazaBudgetMap = function (map) {
    var id = map.getContainer().id;
    var cfg = JSON.parse(document.getElementById(id + "-config").textContent);
    var budgetId = id.replace(/^\D+-/, "");
    if (window.plazaAreaLayer) { window.plazaAreaLayer(cfg).addTo(map); }
    var markers = L.featureGroup().addTo(map);
    function style(marker, picked) {
      marker.setStyle({ weight: picked ? 4 : 2, color: picked ? "#1d2733" : "#fff",
                        fillOpacity: picked ? 1 : 0.6, radius: picked ? 10 : 8 });
      if (marker.setRadius) { marker.setRadius(picked ? 10 : 8); }
    }
    cfg.options.forEach(function (option) {
      var box = document.getElementById("pick-" + budgetId + "-" + option.id);
      var marker = L.circleMarker([option.lat, option.lon], {
        radius: 8, color: "#fff", weight: 2, fillColor: option.color || "#0b6e4f",
        fillOpacity: 0.6, className: "budget-marker"
      });
      marker.on("add", function () {
        var el = marker.getElement();
        if (el) { el.setAttribute("data-proposal", String(option.id)); }
      });
      marker.addTo(markers);
      if (!box) {
        style(marker, true);
        marker.bindPopup(function () { return popupFor(cfg, option, null); });
        return;
      }
      style(marker, box.checked);
      box.form.addEventListener("plaza:budget-changed", function () { style(marker, box.checked); });
      marker.on("click", function () {
        box.checked = !box.checked;
        box.dispatchEvent(new Event("change", { bubbles: true }));
        box.focus({ preventScroll: true });
        var item = box.closest("li");
        if (item && item.scrollIntoView) { item.scrollIntoView({ block: "nearest" }); }
        map.openPopup(L.popup({ autoPan: true }).setLatLng(marker.getLatLng())
          .setContent(popupFor(cfg, option, box)));
      });
    });
    if (cfg.options.length) {
      map.fitBounds(markers.getBounds(), { maxZoom: 16, padding: [20, 20] });
    } else if (window.plazaAreaBounds) {
      map.fitBounds(window.plazaAreaBounds(cfg));
    }
  };
})();
