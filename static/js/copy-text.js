// Copy prompt (image page): a button with data-copy="<selector>" copies that
// element's text to the clipboard where the browser allows it, else selects
// the text for Ctrl+C. A file, not an inline script: the CSP allows no inline script.
(function () {
  "use strict";
  if (window.studioCopyReady) return; // htmx may run the script again after a swap
  window.studioCopyReady = true;

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) return;
    var source = document.querySelector(button.dataset.copy);
    if (!source) return;
    function selectText() {
      var range = document.createRange();
      range.selectNodeContents(source);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      var copied = false;
      try { copied = document.execCommand("copy"); } catch (e) {}
      button.textContent = copied ? "Copied" : "Press Ctrl+C to copy";
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(source.textContent).then(function () { button.textContent = "Copied"; }, selectText);
    } else {
      selectText();
    }
  });
})();
