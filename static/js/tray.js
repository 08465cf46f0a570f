// The reference tray (templates/studio/_edit_tray.html) and "Use as reference"
// buttons (templates/studio/_edit_actions.html). The tray is kept in
// localStorage so an image added from the gallery is waiting on compose; each
// item is a hidden "references" input the form posts. Files dropped or pasted
// from the desktop are uploaded first and become private gallery images.
// Event delegation only: the CSP forbids inline script.
(function () {
  "use strict";
  if (window.studioTrayReady) return; // htmx runs the script again when it swaps the form in
  window.studioTrayReady = true;

  var KEY = "studio-reference-tray";
  var MAX = 16;

  function stored() {
    try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
  }
  function store(items) { localStorage.setItem(KEY, JSON.stringify(items.slice(0, MAX))); }
  function thumbUrl(id) { return "/gallery/images/" + id + "/thumbnail/"; }

  function addStored(id, thumb) {
    var items = stored().filter(function (item) { return item.id !== id; });
    items.push({id: id, thumb: thumb || thumbUrl(id)});
    store(items);
  }
  function removeStored(id) {
    store(stored().filter(function (item) { return item.id !== id; }));
  }

  function render(tray, id, thumb) {
    var list = tray.querySelector("[data-tray-items]");
    if (list.querySelector('[data-tray-item="' + id + '"]')) return;
    var li = document.createElement("li");
    li.dataset.trayItem = id;
    var img = document.createElement("img");
    img.src = thumb || thumbUrl(id);
    img.alt = "Image " + id;
    img.width = 64;
    img.height = 64;
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = "references";
    input.value = id;
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "secondary outline small";
    remove.dataset.trayRemove = "";
    remove.setAttribute("aria-label", "Remove image " + id);
    remove.textContent = "×";
    li.append(img, input, remove);
    list.append(li);
    input.dispatchEvent(new Event("change", {bubbles: true})); // refreshes the estimate
  }

  function add(tray, id, thumb) {
    id = String(id);
    if (tray.dataset.traySync !== "off") addStored(id, thumb);
    render(tray, id, thumb);
  }

  function sync() {
    document.querySelectorAll("[data-tray]").forEach(function (tray) {
      if (tray.dataset.traySync === "off") return;
      stored().forEach(function (item) { render(tray, item.id, item.thumb); });
    });
  }

  function idFromUrl(text) {
    var match = /\/gallery\/images\/(\d+)\//.exec(text || "");
    return match ? match[1] : null;
  }

  function upload(tray, file) {
    var body = new FormData();
    body.append("file", file);
    var token = document.querySelector("[name=csrfmiddlewaretoken]");
    fetch(tray.dataset.uploadUrl, {method: "POST", body: body, credentials: "same-origin",
                                   headers: {"X-CSRFToken": token ? token.value : ""}})
      .then(function (r) { return r.json(); })
      .then(function (answer) {
        if (answer.id) add(tray, answer.id, answer.thumbnail);
        else tray.querySelector(".help").textContent = answer.error || "That file could not be used.";
      });
  }

  function take(tray, data) {
    var files = Array.prototype.slice.call(data.files || []);
    if (files.length) { files.forEach(function (f) { upload(tray, f); }); return true; }
    var id = idFromUrl(data.getData("text/uri-list") || data.getData("text/plain")) ||
             idFromUrl((/src="([^"]+)"/.exec(data.getData("text/html") || "") || [])[1]);
    if (id) { add(tray, id); return true; }
    return false;
  }

  // The lightbox (templates/ui/lightbox.html) shows one image at a time; its
  // Details link names it, so Edit and Use as reference act on that image.
  function lightboxImage(control) {
    var box = control.closest("dialog");
    var details = box && box.querySelector("[data-lightbox-details]");
    return details ? idFromUrl(details.getAttribute("href")) : null;
  }

  document.addEventListener("click", function (event) {
    var edit = event.target.closest("[data-lightbox-edit]");
    if (edit) {
      var shown = lightboxImage(edit);
      if (shown) edit.href = edit.dataset.editUrl.replace("/0/", "/" + shown + "/") + "?op=edit";
      return;
    }
    var trayButton = event.target.closest("[data-lightbox-tray]");
    if (trayButton) {
      var picked = lightboxImage(trayButton);
      if (picked) {
        addStored(picked);
        var openTray = document.querySelector("[data-tray]");
        if (openTray && openTray.dataset.traySync !== "off") render(openTray, picked);
        trayButton.textContent = "Added to the reference tray";
      }
      return;
    }
    var button = event.target.closest("[data-tray-add]");
    if (button) {
      var id = button.dataset.trayAdd;
      addStored(id, button.dataset.trayThumb);
      var tray = document.querySelector("[data-tray]");
      if (tray && tray.dataset.traySync !== "off") render(tray, id, button.dataset.trayThumb);
      button.textContent = "Added to the reference tray";
      return;
    }
    var remove = event.target.closest("[data-tray-remove]");
    if (remove) {
      var item = remove.closest("[data-tray-item]");
      removeStored(item.dataset.trayItem);
      item.remove();
    }
  });

  // On the tray only: stop here so drop.js (restore from a file) does not take it.
  document.addEventListener("dragover", function (event) {
    if (event.target.closest && event.target.closest("[data-tray]")) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  document.addEventListener("drop", function (event) {
    var tray = event.target.closest && event.target.closest("[data-tray]");
    if (!tray) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    take(tray, event.dataTransfer);
  }, true);
  document.addEventListener("paste", function (event) {
    var tray = document.querySelector("[data-tray]");
    if (!tray || !event.clipboardData) return;
    var target = event.target;
    if (target && (target.tagName === "TEXTAREA" || target.tagName === "INPUT") &&
        !(event.clipboardData.files || []).length) return; // pasting text stays text
    if (take(tray, event.clipboardData)) event.preventDefault();
  });

  document.addEventListener("htmx:afterSwap", sync);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", sync);
  else sync();
})();
