/* The project page's list, in step with its map, and voting from the list.
 *
 * One state for both, kept in the URL's query: the filters (`category`, `status`), the
 * map's view (`bbox`), whether the list keeps to that view (`in_view=0` when not), the
 * list's `order` (absent: newest first) and its `page`. A filter change is a new entry in the history (the back button undoes
 * it); a move of the map replaces the current one, as map sites do. The server renders
 * the list (proposals:project-list) with the same code as the page, so with JavaScript
 * off the form and the vote buttons do the same by loading pages.
 *
 * The list's HTML is parsed with DOMParser and its nodes moved into the page: nothing is
 * assigned to innerHTML, and a parsed document runs no script.
 */
(function () {
  "use strict";

  var gettext = window.gettext || function (text) { return text; };
  var OWN = ["category", "status", "order", "bbox", "in_view", "page", "focus"];
  var CHOSEN = ["category", "status", "order"];  // the form's choices

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-map-filters]");
    var pane = document.querySelector("[data-list]");
    var configNode = document.getElementById("map-config");
    if (!form || !pane || !configNode) { return; }
    var listUrl = JSON.parse(configNode.textContent).list;
    var heading = pane.querySelector("h2");
    var voteStatus = pane.querySelector("[data-vote-status]");
    var inView = form.querySelector("input[type=checkbox][name=in_view]");
    form.querySelector("[data-in-view]").hidden = false;  // there is a map to keep to
    var pending = null;

    function current() { return new URLSearchParams(window.location.search); }

    // The state the form shows, over what the URL holds that the form does not
    // (the map's view; an unlisted project's key).
    function fromForm() {
      var params = current();
      OWN.forEach(function (key) { if (key !== "bbox") { params.delete(key); } });
      CHOSEN.forEach(function (key) {
        var value = form.elements[key].value;
        // The default order is no key at all: one spelling for each state.
        if (value && !(key === "order" && value === form.elements[key].options[0].value)) {
          params.set(key, value);
        }
      });
      if (!inView.checked) { params.set("in_view", "0"); }
      return params;
    }

    function toForm(params) {
      CHOSEN.forEach(function (key) {
        var select = form.elements[key];
        select.value = params.get(key) || "";
        if (select.selectedIndex < 0) { select.selectedIndex = 0; }  // order: newest
      });
      inView.checked = params.get("in_view") !== "0";
      form.elements.bbox.value = params.get("bbox") || "";
    }

    function go(params, how) {
      var search = params.toString();
      history[how](null, "", window.location.pathname + (search ? "?" + search : ""));
    }

    function refresh(moveFocus) {
      if (pending) { pending.abort(); }
      pending = new AbortController();
      var params = current();
      params.delete("focus");
      pane.setAttribute("aria-busy", "true");
      fetch(listUrl + "?" + params.toString(), { signal: pending.signal })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          var body = pane.querySelector("[data-list-body]");
          var hadFocus = body.contains(document.activeElement);
          body.replaceWith(document.importNode(doc.querySelector("[data-list-body]"), true));
          // The live region stays; only its words change, so that they are read out.
          pane.querySelector("[data-list-count]").textContent =
            doc.querySelector("[data-list-count]").textContent;
          if (hadFocus || moveFocus) { heading.focus(); }
        })
        .catch(function (err) {
          if (err.name !== "AbortError") {
            pane.querySelector("[data-list-count]").textContent =
              gettext("The list could not be loaded.");
          }
        })
        .finally(function () { pane.removeAttribute("aria-busy"); });
    }

    function applyForm() {
      go(fromForm(), "pushState");
      window.dispatchEvent(new CustomEvent("plaza:state", { detail: {} }));
      refresh(false);
    }

    form.addEventListener("change", applyForm);
    form.addEventListener("submit", function (event) { event.preventDefault(); applyForm(); });

    window.addEventListener("plaza:map-moved", function (event) {
      var params = current();
      params.set("bbox", event.detail.bbox);
      params.delete("page");
      params.delete("focus");
      form.elements.bbox.value = event.detail.bbox;
      go(params, "replaceState");
      if (params.get("in_view") !== "0") { refresh(false); }
    });

    window.addEventListener("popstate", function () {
      toForm(current());
      window.dispatchEvent(new CustomEvent("plaza:state", { detail: { restore: true } }));
      refresh(false);
    });

    pane.addEventListener("click", function (event) {
      var link = event.target.closest("a[data-list-page]");
      if (!link) { return; }
      event.preventDefault();
      go(new URL(link.href).searchParams, "pushState");
      refresh(true);
    });

    /* ------------------------------------------------------------ voting from the list */

    function showVote(voteForm, value) {
      voteForm.querySelectorAll("button.choice").forEach(function (button) {
        button.setAttribute("aria-pressed", String(button.value === value));
      });
      var withdraw = voteForm.querySelector("[data-withdraw]");
      if (!value && withdraw === document.activeElement) {
        voteForm.querySelector("button.choice").focus();  // not lost with a hidden button
      }
      withdraw.hidden = !value;
    }

    pane.addEventListener("submit", function (event) {
      var voteForm = event.target.closest("form[data-list-vote]");
      if (!voteForm || !event.submitter) { return; }
      event.preventDefault();
      var data = new FormData(voteForm);
      data.set("value", event.submitter.value);
      voteForm.setAttribute("aria-busy", "true");
      fetch(voteForm.action, {
        method: "POST", body: data, credentials: "same-origin",
        headers: { Accept: "application/json" }
      })
        .then(function (r) { return r.json().then(function (body) { return [r.ok, body]; }); })
        .then(function (answer) {
          var body = answer[1];
          voteStatus.textContent = body.message;
          if (!answer[0]) { return; }
          showVote(voteForm, body.value);
          var progress = document.querySelector("[data-ballot-progress] strong");
          if (progress && body.progress) { progress.textContent = body.progress; }
        })
        .catch(function () {
          voteStatus.textContent = gettext("Your vote could not be sent; try again.");
        })
        .finally(function () { voteForm.removeAttribute("aria-busy"); });
    });
  });
})();
