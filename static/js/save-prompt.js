// Enter in the "Name to save under" box (compose) saves the prompt instead of
// submitting the whole form to Generate. Listens on the document because htmx
// swaps the compose form in and out.
(function () {
  "use strict";
  if (window.studioSavePromptReady) return;
  window.studioSavePromptReady = true;

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") return;
    var input = event.target;
    if (!input.matches || !input.matches("input[data-save-on-enter]")) return;
    var button = input.nextElementSibling;
    if (!button) return;
    event.preventDefault();
    button.click();
  });
})();
