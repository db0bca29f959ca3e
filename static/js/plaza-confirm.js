/* A second step before an action that others feel, such as hiding a proposal.
 *
 * A submit button with data-confirm="ID" does not send its form: it checks the form
 * (a hide needs its reason), then shows the box with that id, whose own submit button
 * [data-confirm-yes] sends it and whose [data-confirm-cancel] (or Escape) goes back.
 * The focus follows, so the keyboard does the same as the mouse. The page loads this
 * file as a script of its own: the site's Content-Security-Policy allows no inline code.
 */
(function () {
  "use strict";

  function triggerOf(box) {
    return document.querySelector('[data-confirm="' + box.id + '"]');
  }

  function open(trigger) {
    var box = document.getElementById(trigger.getAttribute("data-confirm"));
    if (!box) { return false; }
    if (trigger.form && !trigger.form.reportValidity()) { return true; }
    trigger.hidden = true;
    box.hidden = false;
    box.querySelector("[data-confirm-yes]").focus();
    return true;
  }

  function close(box) {
    var trigger = triggerOf(box);
    box.hidden = true;
    if (trigger) {
      trigger.hidden = false;
      trigger.focus();
    }
  }

  document.addEventListener("click", function (event) {
    var trigger = event.target.closest("[data-confirm]");
    if (trigger && open(trigger)) {
      event.preventDefault();
      return;
    }
    var cancel = event.target.closest("[data-confirm-cancel]");
    if (cancel) {
      event.preventDefault();
      close(cancel.closest(".confirm"));
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var box = event.target.closest && event.target.closest(".confirm");
    if (box && !box.hidden) {
      event.preventDefault();
      close(box);
    }
  });
}());
