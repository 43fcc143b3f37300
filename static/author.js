// Question editor: live preview (rendered and sanitised by the server) and
// showing only the fields of the chosen question type. Without this file
// every field is shown and the "Preview without saving" button does the same.
(function () {
  "use strict";
  var form = document.getElementById("question-form");
  var out = document.getElementById("preview");
  if (!form || !out) { return; }
  var type = form.querySelector("#f-type");
  function showType() {
    var code = type.value === "code";
    form.querySelectorAll(".choice-only").forEach(function (el) { el.hidden = code; });
    form.querySelectorAll(".code-only").forEach(function (el) { el.hidden = !code; });
    var sel = form.querySelector("#f-select");
    if (sel) { sel.closest(".field").hidden = type.value !== "multiple"; }
  }
  type.addEventListener("change", showType);
  showType();

  var timer = null, inflight = null;
  function refresh() {
    var body = new URLSearchParams(new FormData(form));
    if (inflight) { inflight.abort(); }
    inflight = new AbortController();
    fetch(form.getAttribute("data-preview"), {
      method: "POST", body: body, credentials: "same-origin", signal: inflight.signal,
      headers: { "X-CSRF-Token": form.querySelector("input[name=csrf_token]").value, "Accept": "text/html" }
    }).then(function (r) {
      if (!r.ok) { throw new Error(r.status); }
      return r.text();
    }).then(function (html) { out.innerHTML = html; }, function () { /* keep the last preview */ });
  }
  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 350);
  });
  form.addEventListener("change", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 100);
  });
})();
