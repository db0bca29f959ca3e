/* Constraint feedback while drawing: each time the drawing changes, ask the server what
 * the city's layers say about it ("In flood zone AE") and show it before submit.
 * Messages are inserted as text, never as HTML.
 *
 * What is shown always speaks of the drawing as it is now: an answer about an earlier
 * drawing is dropped (its request aborted), a cleared drawing clears the feedback, and
 * the errors the server gave about the drawing the form was sent with are hidden once
 * the drawing differs from it (shown again if Undo brings that drawing back). */
(function () {
  "use strict";
  // The messages in the reader's language come from the JavaScript catalogue (/jsi18n/),
  // loaded before this script; should it fail to load, they stay in English.
  var gettext = window.gettext || function (text) { return text; };
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("geometry-feedback");
    var input = document.getElementById("id_geometry");
    if (!box || !input) { return; }
    var served = document.getElementById("geometry-errors");
    var servedValue = input.value;
    var token = document.querySelector("input[name=csrfmiddlewaretoken]");
    var pending = null;

    function show(items, error) {
      box.replaceChildren();
      if (error) {
        var p = document.createElement("p");
        p.className = "feedback-item severity-blocking";
        p.textContent = error;
        box.append(p);
        return;
      }
      items.forEach(function (item) {
        var p = document.createElement("p");
        p.className = "feedback-item severity-" + item.severity;
        var label = document.createElement("strong");
        label.textContent = (item.severity === "blocking" ? gettext("Not possible here:") :
                             item.severity === "warning" ? gettext("Note:") :
                             gettext("Good to know:")) + " ";
        p.append(label, document.createTextNode(item.message + " (" + item.layer + ")"));
        box.append(p);
      });
      box.dataset.checked = String(items.length);
    }

    input.addEventListener("change", function () {
      if (served) { served.hidden = input.value !== servedValue; }
      if (pending) { pending.abort(); pending = null; }
      if (!input.value) { show([]); return; }
      pending = new AbortController();
      fetch(box.dataset.feedbackUrl, {
        method: "POST", signal: pending.signal, credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": token ? token.value : "" },
        body: JSON.stringify({ geometry: JSON.parse(input.value) })
      }).then(function (r) {
        return r.json().then(function (body) { return { ok: r.ok, body: body }; });
      }).then(function (answer) {
        if (answer.ok) { show(answer.body.feedback || []); }
        else { show([], [].concat(answer.body.geometry || answer.body.detail || "").join(" ")); }
      }).catch(function (err) {
        if (err.name !== "AbortError") { box.replaceChildren(); }
      });
    });
  });
})();
