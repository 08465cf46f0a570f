// Compose and compare: Ctrl/Cmd+Enter submits, the new job card (or the first
// error) gets focus after Generate, the model list filters as you type, and
// "Compare models" carries the form's prompt and parameters to the compare page.
(function () {
  "use strict";
  if (window.studioComposeReady) return;
  window.studioComposeReady = true;

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    var form = event.target.closest && event.target.closest("form[data-hotkey-submit]");
    if (!form) return;
    event.preventDefault();
    var submit = form.querySelector("[data-primary-submit]");
    if (form.requestSubmit) form.requestSubmit(submit || undefined);
    else if (submit) submit.click();
  });

  // After a submit: the new card was placed first in #jobs (marked data-new), or the form came back with errors.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (!target || !target.matches || !target.matches("form[data-hotkey-submit]")) return;
    var card = document.querySelector(".job-card[data-new]");
    if (card) {
      card.removeAttribute("data-new");
      card.setAttribute("tabindex", "-1");
      card.scrollIntoView({ block: "nearest" });
      card.focus({ preventScroll: true });
      return;
    }
    var form = document.getElementById(target.id) || target;
    var error = form.querySelector(".has-error input, .has-error select, .has-error textarea, [role=alert]");
    if (error) {
      if (error.getAttribute("role") === "alert") error.setAttribute("tabindex", "-1");
      error.scrollIntoView({ block: "center" });
      error.focus({ preventScroll: true });
    }
  });

  // Model search: hides the options (or checkboxes) that do not match every typed word.
  document.addEventListener("input", function (event) {
    var input = event.target.closest && event.target.closest("[data-filter-models]");
    if (!input) return;
    var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    var scope = document.querySelector(input.dataset.filterModels);
    if (!scope) return;
    var items = scope.querySelectorAll("option, .model-option");
    var shown = 0;
    items.forEach(function (item) {
      var text = (item.dataset.search || item.textContent).toLowerCase();
      var match = words.every(function (w) { return text.indexOf(w) >= 0; });
      var keep = match || (item.tagName === "OPTION" && item.selected);
      item.hidden = !keep;
      if (keep) shown += 1;
    });
    scope.querySelectorAll("optgroup, .model-group").forEach(function (group) {
      group.hidden = !group.querySelector("option:not([hidden]), .model-option:not([hidden])");
    });
    var count = document.getElementById(input.getAttribute("aria-describedby"));
    if (count) count.textContent = shown + (shown === 1 ? " model matches" : " models match");
  });

  // Shape presets for a free width and height: keep the longer side, round to the field's step.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-ratio]");
    if (!button || !button.form) return;
    var width = button.form.querySelector('[name="width"]');
    var height = button.form.querySelector('[name="height"]');
    if (!width || !height) return;
    var parts = button.dataset.ratio.split(":").map(Number);
    var step = Number(width.step) || 1;
    var max = Number(width.max) || Infinity;
    var min = Number(width.min) || step;
    var long = Math.min(Math.max(Number(width.value) || 0, Number(height.value) || 0) || 1024, max);
    function fit(value) { return Math.max(min, Math.min(max, Math.round(value / step) * step)); }
    var w = parts[0] >= parts[1] ? long : long * parts[0] / parts[1];
    var h = parts[0] >= parts[1] ? long * parts[1] / parts[0] : long;
    width.value = fit(w);
    height.value = fit(h);
    [width, height].forEach(function (input) { input.dispatchEvent(new Event("change", { bubbles: true })); });
  });

  // "Compare models": the compose form's values, as a query for the compare page.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-send-to]");
    if (!button || !button.form) return;
    event.preventDefault();
    var params = new URLSearchParams();
    new FormData(button.form).forEach(function (value, key) {
      if (key === "csrfmiddlewaretoken" || typeof value !== "string" || value === "") return;
      params.append(key, value);
    });
    window.location.href = button.dataset.sendTo + "?" + params.toString();
  });
})();
