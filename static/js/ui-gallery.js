// Gallery and compare helpers: the selection count of the bulk bar, "Select all
// shown", confirmations (data-confirm), "Copy link", and the A/B slider.
(function () {
  "use strict";
  if (window.studioGalleryReady) return;
  window.studioGalleryReady = true;

  function bulkForm() { return document.querySelector("form[data-bulk]"); }

  function boxes() {
    var form = bulkForm();
    return form ? Array.prototype.slice.call(document.querySelectorAll('input[form="' + form.id + '"][name="ids"]')) : [];
  }

  function updateCount() {
    var form = bulkForm();
    if (!form) return;
    var n = boxes().filter(function (b) { return b.checked; }).length;
    form.classList.toggle("has-selection", n > 0);
    form.querySelector("[data-bulk-count]").textContent = n ? n + (n === 1 ? " image selected" : " images selected") : "No images selected";
    document.querySelectorAll(".tile").forEach(function (tile) {
      var box = tile.querySelector(".tile-select");
      tile.classList.toggle("is-selected", !!(box && box.checked));
    });
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches(".tile-select")) updateCount();
  });
  document.addEventListener("htmx:afterSettle", updateCount);

  document.addEventListener("click", function (event) {
    var all = event.target.closest("[data-bulk-all]");
    if (all) {
      var list = boxes();
      var every = list.every(function (b) { return b.checked; });
      list.forEach(function (b) { b.checked = !every; });
      updateCount();
      return;
    }
    var confirmer = event.target.closest("[data-confirm]");
    if (confirmer && !window.confirm(confirmer.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    var link = event.target.closest("[data-copy-url]");
    if (link && window.studioCopyText) window.studioCopyText(link, window.location.href, null);
  });

  // A/B: B is underneath, A on top clipped to the slider's share of the width.
  function setSplit(section, value) {
    section.querySelector(".ab-frame").style.setProperty("--split", value + "%");
  }
  document.addEventListener("input", function (event) {
    var slider = event.target.closest && event.target.closest("[data-ab-split]");
    if (slider) setSplit(slider.closest("[data-ab]"), slider.value);
  });
  document.addEventListener("change", function (event) {
    var pick = event.target.closest && event.target.closest("[data-ab-side]");
    if (!pick) return;
    var section = pick.closest("[data-ab]");
    var img = section.querySelector(pick.dataset.abSide === "a" ? ".ab-a" : ".ab-b");
    img.src = pick.value;
    img.alt = pick.dataset.abSide.toUpperCase() + ": " + pick.options[pick.selectedIndex].text;
  });

  // --- filters: open on wide screens, collapsed behind "Filters · n active" on phones
  var WIDE = "(min-width: 601px)";

  function updateFilterCount(form) {
    var out = form.querySelector("[data-filter-count]");
    if (!out) return;
    var n = Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.type !== "submit" && el.value;
    }).length;
    out.textContent = n ? " · " + n + " active" : "";
  }

  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest(".gallery-filters");
    if (form) updateFilterCount(form);
  });

  function setup() {
    var form = bulkForm();
    // the bar waits for a selection on phones; without JavaScript it always shows
    if (form) form.classList.add("is-enhanced");
    var disclosure = document.querySelector("[data-filter-disclosure]");
    if (disclosure && window.matchMedia(WIDE).matches) {
      disclosure.open = true;
      disclosure.classList.add("is-enhanced");
    }
    updateCount();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
