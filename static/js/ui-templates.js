// The template editor: variable rows (add, remove, added for each {name} typed
// in the text) and a live preview of the prompt with each variable's default.
(function () {
  "use strict";
  if (window.studioTemplatesReady) return;
  window.studioTemplatesReady = true;

  var TOKEN = /\{\{|\}\}|\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}/g;

  function rows(form) { return Array.prototype.slice.call(form.querySelectorAll("[data-var-row]")); }

  function values(form) {
    var out = {};
    rows(form).forEach(function (row) {
      var name = row.querySelector('[name="var_name"]').value.trim();
      if (!name) return;
      var fallback = row.querySelector('[name="var_choices"]').value.split(",")[0].trim();
      out[name] = row.querySelector('[name="var_default"]').value.trim() || fallback;
    });
    return out;
  }

  function relabel(form) {
    rows(form).forEach(function (row, i) {
      var n = i + 1;
      row.querySelector('[name="var_name"]').setAttribute("aria-label", "Variable " + n + ": name");
      row.querySelector('[name="var_default"]').setAttribute("aria-label", "Variable " + n + ": default");
      row.querySelector('[name="var_choices"]').setAttribute("aria-label", "Variable " + n + ": choices");
      row.querySelector("[data-remove-row]").setAttribute("aria-label", "Remove variable " + n);
    });
  }

  function addRow(form, name) {
    var list = rows(form);
    var last = list[list.length - 1];
    var blank = last && !last.querySelector('[name="var_name"]').value ? last : null;
    if (!blank) {
      blank = last.cloneNode(true);
      blank.querySelectorAll("input").forEach(function (input) { input.value = ""; });
      form.querySelector("[data-var-rows]").appendChild(blank);
    }
    if (name) {
      blank.querySelector('[name="var_name"]').value = name;
      addRow(form, ""); // keep one blank row to type in
    }
    relabel(form);
    return blank;
  }

  function update(form) {
    var text = form.querySelector('[name="text"]');
    if (!text) return;
    var known = values(form);
    var used = [];
    text.value.replace(TOKEN, function (all, name) { if (name && used.indexOf(name) < 0) used.push(name); return all; });
    used.forEach(function (name) {
      var listed = rows(form).some(function (row) { return row.querySelector('[name="var_name"]').value.trim() === name; });
      if (!listed) addRow(form, name);
    });
    known = values(form);
    var preview = text.value.replace(TOKEN, function (all, name) {
      if (all === "{{") return "{";
      if (all === "}}") return "}";
      return known[name] || "‹" + name + "›";
    });
    form.querySelector("[data-template-preview]").textContent = preview;
  }

  document.addEventListener("input", function (event) {
    var form = event.target.closest && event.target.closest("form[data-template-editor]");
    if (form) update(form);
  });
  document.addEventListener("click", function (event) {
    var form = event.target.closest && event.target.closest("form[data-template-editor]");
    if (!form) return;
    if (event.target.closest("[data-add-row]")) {
      addRow(form, "").querySelector("input").focus();
    } else if (event.target.closest("[data-remove-row]")) {
      var row = event.target.closest("[data-var-row]");
      if (rows(form).length > 1) row.remove();
      else row.querySelectorAll("input").forEach(function (input) { input.value = ""; });
      relabel(form);
      update(form);
    }
  });
  function start() { document.querySelectorAll("form[data-template-editor]").forEach(update); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
