// The lightbox: any a[data-lightbox] opens the one <dialog id="lightbox"> on the
// page instead of leaving it. ←/→ move through the page's images in order,
// Escape closes (the dialog's own behaviour), Zoom shows the image at full
// size, and the actions link to the original, the compose form and the page.
(function () {
  "use strict";
  if (window.studioLightboxReady) return;
  window.studioLightboxReady = true;

  var links = [];
  var index = 0;
  var opener = null;

  function dialog() { return document.getElementById("lightbox"); }

  function show(i) {
    var box = dialog();
    if (!box || !links.length) return;
    index = (i + links.length) % links.length;
    var link = links[index];
    var d = link.dataset;
    var img = box.querySelector(".lightbox-image");
    if (!img) { // made here, not in the page, so the page has no image without a description
      img = document.createElement("img");
      img.className = "lightbox-image";
      box.querySelector(".lightbox-stage").insertBefore(img, box.querySelector(".lightbox-nav.next"));
    }
    img.src = d.full || link.href;
    img.alt = d.prompt || "";
    box.querySelector(".lightbox-title").textContent = d.title || "Image";
    box.querySelector(".lightbox-prompt").textContent = d.prompt || "";
    box.querySelector(".lightbox-count").textContent = links.length > 1 ? (index + 1) + " of " + links.length : "";
    box.querySelector("[data-lightbox-download]").href = d.download || d.full || link.href;
    box.querySelector("[data-lightbox-reuse]").href = d.reuse || link.href;
    box.querySelector("[data-lightbox-vary]").href = d.vary || link.href;
    box.querySelector("[data-lightbox-details]").href = link.href;
    box.querySelector("[data-lightbox-copy]").textContent = "Copy prompt";
    box.dataset.index = String(index);
    setZoom(false);
    box.querySelectorAll(".lightbox-nav").forEach(function (b) { b.hidden = links.length < 2; });
  }

  function setZoom(on) {
    var box = dialog();
    box.classList.toggle("is-zoomed", on);
    box.querySelector("[data-lightbox-zoom]").setAttribute("aria-pressed", String(on));
  }

  function open(link) {
    var box = dialog();
    if (!box || typeof box.showModal !== "function") return false;
    links = Array.prototype.slice.call(document.querySelectorAll("a[data-lightbox]"));
    opener = link;
    show(Math.max(0, links.indexOf(link)));
    if (!box.open) box.showModal();
    box.querySelector("[data-lightbox-close]").focus();
    return true;
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-lightbox]");
    if (link && !(event.ctrlKey || event.metaKey || event.shiftKey || event.button > 0)) {
      if (open(link)) event.preventDefault();
      return;
    }
    var box = dialog();
    if (!box || !box.open || !box.contains(event.target)) return;
    if (event.target === box) { box.close(); return; } // a click on the backdrop
    var step = event.target.closest("[data-lightbox-step]");
    if (step) { show(index + Number(step.dataset.lightboxStep)); return; }
    if (event.target.closest("[data-lightbox-close]")) { box.close(); return; }
    if (event.target.closest("[data-lightbox-zoom]") || event.target.closest(".lightbox-image")) {
      setZoom(!box.classList.contains("is-zoomed"));
      return;
    }
    if (event.target.closest("[data-lightbox-fullscreen]")) {
      if (document.fullscreenElement) document.exitFullscreen();
      else if (box.requestFullscreen) box.requestFullscreen().catch(function () {});
      return;
    }
    var copy = event.target.closest("[data-lightbox-copy]");
    if (copy && window.studioCopyText) {
      window.studioCopyText(copy, links[index].dataset.prompt || "", box.querySelector(".lightbox-prompt"));
    }
  });

  document.addEventListener("keydown", function (event) {
    var box = dialog();
    if (!box || !box.open) return;
    if (event.key === "ArrowRight") { event.preventDefault(); show(index + 1); }
    else if (event.key === "ArrowLeft") { event.preventDefault(); show(index - 1); }
  });

  document.addEventListener("close", function (event) {
    if (event.target !== dialog()) return;
    if (document.fullscreenElement) document.exitFullscreen();
    if (opener && document.contains(opener)) opener.focus();
  }, true);
})();
