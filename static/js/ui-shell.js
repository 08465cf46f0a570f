// The page frame: collapsing menu, theme toggle, copy buttons, finished-job
// announcements and the tab-title count. No inline script anywhere: every
// behaviour hangs off data-* attributes through delegated listeners.
(function () {
  "use strict";
  if (window.studioShellReady) return;
  window.studioShellReady = true;

  // --- menu: the list shows by default (no JavaScript); with it, narrow screens collapse it
  function setupMenu() {
    var toggle = document.querySelector(".menu-toggle");
    var menu = document.getElementById("site-menu");
    if (!toggle || !menu) return;
    toggle.hidden = false;
    document.documentElement.classList.add("has-menu-toggle");
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      menu.classList.toggle("is-open", open);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.classList.contains("is-open")) {
        toggle.setAttribute("aria-expanded", "false");
        menu.classList.remove("is-open");
        toggle.focus();
      }
    });
  }

  // --- theme: cycle automatic → dark → light, applied at once, remembered on the profile
  var NEXT = { auto: "dark", dark: "light", light: "auto" };
  var LABEL = { auto: "automatic", dark: "dark", light: "light" };
  document.addEventListener("click", function (event) {
    var button = event.target.closest(".theme-toggle");
    if (!button || !window.fetch) return;
    event.preventDefault();
    var chosen = button.value;
    var form = button.form;
    var body = new FormData(form);
    body.set("theme", chosen);
    fetch(form.action, { method: "POST", body: body, headers: { "HX-Request": "true" }, credentials: "same-origin" });
    if (chosen === "auto") document.documentElement.removeAttribute("data-theme");
    else document.documentElement.setAttribute("data-theme", chosen);
    button.dataset.themeCurrent = chosen;
    button.value = NEXT[chosen];
    button.textContent = "Theme: " + LABEL[chosen];
  });

  // --- copy a text (the lightbox's Copy prompt, Copy link); [data-copy] buttons are copy-text.js's
  function copyText(button, text, source) {
    function fallback() {
      var copied = false;
      if (source) {
        var range = document.createRange();
        range.selectNodeContents(source);
        var selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        try { copied = document.execCommand("copy"); } catch (e) { copied = false; }
      }
      button.textContent = copied ? "Copied" : "Press Ctrl+C to copy";
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { button.textContent = "Copied"; }, fallback);
    } else {
      fallback();
    }
  }
  window.studioCopyText = copyText;

  // --- finished jobs: a polite announcement, and a count in the title while the tab is hidden
  var baseTitle = document.title;
  var unseen = 0;
  function announce(text) {
    var region = document.getElementById("announcer");
    if (!region) return;
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
  }
  window.studioAnnounce = announce;
  // beforeSwap, not afterRequest: the polling card is still in the page here (its outerHTML
  // swap detaches it, and events on a detached element never reach the document).
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    var elt = event.detail.elt;
    if (!xhr || xhr.status !== 286 || !elt || !elt.classList || !elt.classList.contains("job-card")) return;
    var id = elt.id;
    window.setTimeout(function () {
      var card = document.getElementById(id);
      var status = card ? card.querySelector(".job-status") : null;
      var prompt = card ? card.querySelector(".job-prompt") : null;
      announce("Job finished: " + (status ? status.textContent.trim() : "") +
               (prompt ? " — " + prompt.textContent.trim().slice(0, 80) : ""));
      if (document.hidden) {
        unseen += 1;
        document.title = "(" + unseen + ") " + baseTitle;
      }
    }, 100);
  });
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && unseen) {
      unseen = 0;
      document.title = baseTitle;
    }
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setupMenu);
  else setupMenu();
})();
