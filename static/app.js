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

  // Move focus to an error summary so screen readers announce it.
  var summary = document.querySelector(".error-summary[tabindex]");
  if (summary) { summary.focus(); }
})();
