// Chartroom's small progressive enhancements. Every page works without
// this file; it adds local times, confirmation prompts and copy buttons.
(function () {
  "use strict";

  // <time datetime="..."> shows UTC from the server; show local time instead.
  document.querySelectorAll("time[datetime]").forEach(function (t) {
    var d = new Date(t.getAttribute("datetime"));
    if (!isNaN(d)) {
      t.textContent = d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
      t.title = t.getAttribute("datetime");
    }
  });

  // Forms with data-confirm ask first.
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      if (!window.confirm(f.getAttribute("data-confirm"))) { e.preventDefault(); }
    });
  });

  // Read-only fields with data-copy get a copy button.
  document.querySelectorAll("input[data-copy]").forEach(function (input) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "secondary";
    b.textContent = "Copy link";
    b.addEventListener("click", function () {
      input.select();
      (navigator.clipboard ? navigator.clipboard.writeText(input.value) : Promise.reject()).then(
        function () { b.textContent = "Copied"; },
        function () { document.execCommand("copy"); b.textContent = "Copied"; });
    });
    input.insertAdjacentElement("afterend", b);
  });

  // "Print this lesson" buttons (hidden without JavaScript; the browser's
  // own Print works the same way, with print.css).
  document.querySelectorAll("button[data-print]").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () { window.print(); });
  });

  // Date-and-time inputs: the server speaks UTC; show and send local time.
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  document.querySelectorAll("form[data-local-times]").forEach(function (f) {
    var zone = "";
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }
    f.querySelectorAll("input[type=datetime-local]").forEach(function (input) {
      var d = new Date(input.getAttribute("data-utc") || "");
      if (!isNaN(d)) {
        input.value = d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" + pad(d.getMinutes());
      }
      var note = f.querySelector("label[for='" + input.id + "'] .tz-note");
      if (note) { note.textContent = "(your time" + (zone ? ", " + zone : "") + ")"; }
    });
    f.addEventListener("submit", function () {
      f.querySelectorAll("input[type=datetime-local]").forEach(function (input) {
        var d = new Date(input.value);
        if (!input.value || isNaN(d)) { return; }
        var h = f.querySelector("input[name='" + input.name + "_utc']");
        if (!h) {
          h = document.createElement("input");
          h.type = "hidden";
          h.name = input.name + "_utc";
          f.appendChild(h);
        }
        h.value = d.toISOString().replace(/\.\d{3}Z$/, "Z");
      });
    });
  });

  // Move focus to an error summary so screen readers announce it.
  var summary = document.querySelector(".error-summary[tabindex]");
  if (summary) { summary.focus(); }
})();
