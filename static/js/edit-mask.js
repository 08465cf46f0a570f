// The mask canvas on the edit page (templates/studio/_edit_mask.html).
// Paint with the pointer where the model may change the picture; on submit the
// strokes become a PNG the size of the image whose painted pixels have alpha 0
// (the editable area, as OpenAI defines masks), put in the form's mask input.
// No inline script: the page's CSP forbids it, so everything is delegated here.
(function () {
  "use strict";
  if (window.studioMaskReady) return;
  window.studioMaskReady = true;

  var PAINT = "rgba(255, 0, 80, 1)";

  function setup(editor) {
    var canvas = editor.querySelector("[data-mask-canvas]");
    var ctx = canvas.getContext("2d");
    var strokes = [];
    var current = null;

    function tool() {
      var checked = editor.querySelector("[data-mask-tool]:checked");
      return checked ? checked.value : "brush";
    }
    function size() {
      var input = editor.querySelector("[data-mask-size]");
      return input ? Number(input.value) : 40;
    }
    function point(event) {
      var rect = canvas.getBoundingClientRect();
      return [(event.clientX - rect.left) * canvas.width / rect.width,
              (event.clientY - rect.top) * canvas.height / rect.height];
    }
    function draw(stroke) {
      ctx.save();
      ctx.globalCompositeOperation = stroke.tool === "eraser" ? "destination-out" : "source-over";
      ctx.strokeStyle = PAINT;
      ctx.fillStyle = PAINT;
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      ctx.lineWidth = stroke.size;
      var p = stroke.points;
      ctx.beginPath();
      ctx.moveTo(p[0][0], p[0][1]);
      if (p.length === 1) {
        ctx.arc(p[0][0], p[0][1], stroke.size / 2, 0, Math.PI * 2);
        ctx.fill();
      } else {
        for (var i = 1; i < p.length; i++) ctx.lineTo(p[i][0], p[i][1]);
        ctx.stroke();
      }
      ctx.restore();
    }
    function redraw() {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      strokes.forEach(draw);
    }

    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      canvas.setPointerCapture && canvas.setPointerCapture(event.pointerId);
      current = {tool: tool(), size: size() * canvas.width / canvas.getBoundingClientRect().width,
                 points: [point(event)]};
      strokes.push(current);
      redraw();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!current) return;
      current.points.push(point(event));
      redraw();
    });
    function end() { current = null; }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);

    editor.addEventListener("click", function (event) {
      if (event.target.closest("[data-mask-undo]")) { strokes.pop(); redraw(); }
      if (event.target.closest("[data-mask-clear]")) { strokes = []; redraw(); }
    });

    editor.studioMask = {
      painted: function () { return strokes.some(function (s) { return s.tool === "brush"; }); },
      // Opaque black everywhere, transparent where painted.
      toBlob: function (done) {
        var out = document.createElement("canvas");
        out.width = canvas.width;
        out.height = canvas.height;
        var octx = out.getContext("2d");
        octx.fillStyle = "#000";
        octx.fillRect(0, 0, out.width, out.height);
        octx.globalCompositeOperation = "destination-out";
        octx.drawImage(canvas, 0, 0);
        out.toBlob(done, "image/png");
      }
    };
  }

  function setupAll() {
    document.querySelectorAll("[data-mask-editor]").forEach(function (editor) {
      if (!editor.studioMask) setup(editor);
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("[data-mask-form]");
    var editor = document.querySelector("[data-mask-editor]");
    if (!form || !editor || !editor.studioMask || form.dataset.maskAttached) return;
    var input = form.querySelector("[data-mask-input]");
    if (!input || !editor.studioMask.painted()) return; // no mask: the whole picture may change
    event.preventDefault();
    editor.studioMask.toBlob(function (blob) {
      var files = new DataTransfer();
      files.items.add(new File([blob], "mask.png", {type: "image/png"}));
      input.files = files.files;
      form.dataset.maskAttached = "1";
      HTMLFormElement.prototype.submit.call(form);
    });
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setupAll);
  else setupAll();
})();
