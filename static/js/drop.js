// Dropping an image anywhere on the compose form restores its parameters: the
// file goes into the "Restore from an image" input, whose change event makes
// htmx post it (templates/studio/compose.html, studio/views_restore.py).
(function () {
  "use strict";
  if (window.studioDropReady) return; // htmx runs the script again each time it swaps the form in
  window.studioDropReady = true;

  function formFor(event) {
    var types = event.dataTransfer && event.dataTransfer.types;
    if (!types || Array.prototype.indexOf.call(types, "Files") < 0) return null;
    return event.target.closest ? event.target.closest("#compose-form") : null;
  }

  function highlight(form, on) {
    form.style.outline = on ? "2px dashed var(--pico-primary, #1a73e8)" : "";
    form.style.outlineOffset = on ? "6px" : "";
  }

  document.addEventListener("dragover", function (event) {
    var form = formFor(event);
    if (!form) return;
    event.preventDefault(); // allow the drop (and keep the browser from opening the file)
    event.dataTransfer.dropEffect = "copy";
    highlight(form, true);
  });

  document.addEventListener("dragleave", function (event) {
    var form = formFor(event);
    if (form && !form.contains(event.relatedTarget)) highlight(form, false);
  });

  document.addEventListener("drop", function (event) {
    var form = formFor(event);
    if (!form) return;
    event.preventDefault();
    highlight(form, false);
    var input = form.querySelector("#restore-file");
    var files = event.dataTransfer.files;
    if (!input || !files.length) return;
    var one = new DataTransfer(); // the input takes a single file
    one.items.add(files[0]);
    input.files = one.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  });
})();
