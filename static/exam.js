// Chartroom exam page: background autosave, the countdown and keyboard
// shortcuts. Without this file the page still works: the form posts on
// Next / Previous / a navigator button, and the server keeps the time.
(function () {
  "use strict";
  var form = document.getElementById("item-form");
  var status = document.querySelector("[data-save-status]");
  var resultEl = document.querySelector("[data-result]");
  var resultURL = resultEl ? resultEl.getAttribute("data-result") : "";
  var timeUp = false;
  // flush(done) sends any unsaved change and calls done once the server has
  // answered; the autosave section below sets it on an item page.
  var flush = null;

  var setStatus = function (text, kind) {
    if (!status) { return; }
    status.textContent = text;
    status.className = "save-status " + (kind || "");
  };

  // ---- Autosave (set up before the timer, which may fire at once) ----
  if (form && form.hasAttribute("data-autosave")) {
    var url = form.getAttribute("data-autosave");
    var csrf = form.querySelector("input[name=csrf_token]").value;
    var seq = parseInt(form.getAttribute("data-seq"), 10) || 0;
    var inflight = false, pending = false, retryDelay = 1000, debounce = null;
    var waiting = []; // callbacks for when nothing is left to save

    var settled = function () {
      var w = waiting;
      waiting = [];
      w.forEach(function (fn) { fn(); });
    };

    var payload = function () {
      var data = new URLSearchParams();
      form.querySelectorAll("input[name=answer]").forEach(function (el) {
        if ((el.type === "radio" || el.type === "checkbox") ? el.checked : true) { data.append("answer", el.value); }
      });
      var flag = form.querySelector("input[name=flag]");
      if (flag && flag.checked) { data.append("flag", "1"); }
      data.append("seq", String(seq));
      data.append("base", form.querySelector("input[name=base]").value);
      data.append("shown", form.querySelector("input[name=shown]").value);
      data.append("go", form.getAttribute("data-item"));
      return data;
    };

    var retry;
    // Each change gets the next sequence number; a retry resends the same
    // number, so the server applies it once and never lets an older save
    // overwrite a newer one.
    var send = function () {
      if (inflight) { pending = true; return; }
      inflight = true;
      pending = false;
      var body = payload();
      setStatus("Saving…", "saving");
      fetch(url, {
        method: "POST", body: body, credentials: "same-origin",
        headers: { "X-CSRF-Token": csrf, "Accept": "application/json" }
      }).then(function (r) {
        return r.json().then(function (j) { return { status: r.status, body: j }; });
      }).then(function (res) {
        inflight = false;
        if (res.status === 200 && res.body.ok) {
          retryDelay = 1000;
          if (!res.body.applied && res.body.seq >= seq) {
            // Another tab saved something newer; this tab's latest change wins.
            seq = res.body.seq + 1;
            pending = true;
          }
          if (pending) { send(); return; }
          if (!timeUp) { setStatus("Saved", "saved"); }
          settled();
        } else if (res.status === 409) {
          setStatus(res.body.error || "This attempt is closed.", "error");
          if (res.body.result) { resultURL = res.body.result; }
          if (!timeUp && res.body.result) { setTimeout(function () { window.location.href = res.body.result; }, 2000); }
          settled();
        } else if (res.status === 403 || res.status === 401) {
          setStatus("Your session ended. Sign in again; your saved answers are kept.", "error");
          settled();
        } else {
          retry();
        }
      }).catch(function () {
        inflight = false;
        retry();
      });
    };

    retry = function () {
      setStatus("Not saved yet — retrying (check your connection)", "error");
      setTimeout(send, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 15000);
    };

    var changed = function () {
      seq += 1;
      send();
    };

    flush = function (done) {
      if (debounce !== null) { // a code typed but not yet sent
        clearTimeout(debounce);
        debounce = null;
        changed();
      }
      if (inflight || pending) { waiting.push(done); } else { done(); }
    };

    form.addEventListener("change", function (e) {
      if (timeUp) { return; }
      if (e.target.name === "answer" || e.target.name === "flag") {
        if (e.target.name === "answer" && e.target.type === "text") { return; } // handled on input
        changed();
      }
    });
    var code = form.querySelector("input[name=answer][type=text]");
    if (code) {
      code.addEventListener("input", function () {
        if (timeUp) { return; }
        clearTimeout(debounce);
        setStatus("Unsaved changes", "");
        debounce = setTimeout(function () { debounce = null; changed(); }, 600);
      });
    }

    // Leaving the page with a save pending: the form submit carries the answer anyway.
    window.addEventListener("beforeunload", function (e) {
      if ((inflight || pending) && !form.dataset.submitting) { e.preventDefault(); }
    });
    form.addEventListener("submit", function () { form.dataset.submitting = "1"; });

    // ---- Keyboard shortcuts (not while typing a code) ----
    document.addEventListener("keydown", function (e) {
      if (timeUp || e.ctrlKey || e.metaKey || e.altKey) { return; }
      var t = e.target;
      if (t && (t.tagName === "TEXTAREA" || (t.tagName === "INPUT" && t.type === "text"))) { return; }
      var k = e.key.toLowerCase();
      var options = form.querySelectorAll("input[name=answer][type=radio], input[name=answer][type=checkbox]");
      var idx = -1;
      if (k >= "1" && k <= "8") { idx = parseInt(k, 10) - 1; }
      else if (k.length === 1 && k >= "a" && k <= "h" && k !== "f") { idx = k.charCodeAt(0) - 97; }
      if (idx >= 0 && idx < options.length && !options[idx].disabled) {
        var opt = options[idx];
        opt.checked = opt.type === "checkbox" ? !opt.checked : true;
        opt.focus();
        opt.dispatchEvent(new Event("change", { bubbles: true }));
        e.preventDefault();
        return;
      }
      if (k === "f") {
        var flag = form.querySelector("input[name=flag]");
        flag.checked = !flag.checked;
        flag.dispatchEvent(new Event("change", { bubbles: true }));
        e.preventDefault();
      } else if (k === "n" || k === "p") {
        // N on the last question opens the review screen (its button carries data-key="n").
        var b = form.querySelector("button[data-key=" + k + "]") || (k === "n" ? form.querySelector("button[value=review]") : null);
        if (b) { e.preventDefault(); b.click(); }
      }
    });
  }

  // ---- Timer (informational: the server enforces the deadline) ----
  // When it reaches zero the last change is saved (the server accepts it
  // within its grace period) and the student goes to the result page,
  // which finalises the attempt.
  var finish = function () {
    if (timeUp) { return; }
    timeUp = true;
    setStatus("Time is up. Saving your last answer and opening your result…", "error");
    var gone = false;
    var go = function () {
      if (gone) { return; }
      gone = true;
      if (form) { form.dataset.submitting = "1"; }
      if (resultURL) { window.location.href = resultURL; } else { window.location.reload(); }
    };
    setTimeout(go, 5000); // a save that cannot get through does not hold the student here
    if (flush) { flush(go); } else { go(); }
  };

  var timer = document.querySelector(".timer[data-deadline]");
  if (timer) {
    var valueEl = timer.querySelector(".timer-value");
    var toggle = timer.querySelector(".timer-toggle");
    var end = Date.now() + 1000 * parseInt(timer.getAttribute("data-remaining"), 10);
    var hidden = sessionStorage.getItem("chartroom.timerHidden") === "1";
    var announced = {};
    var tick = null;
    var render = function () {
      var left = Math.max(0, Math.round((end - Date.now()) / 1000));
      var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
      valueEl.textContent = (h ? h + " h " : "") + (h ? String(m).padStart(2, "0") : m) + " min " + String(s).padStart(2, "0") + " s";
      timer.classList.toggle("low", left <= 300);
      // Announce 5 minutes and 1 minute left to screen readers, once each.
      [300, 60].forEach(function (mark) {
        if (left <= mark && left > 0 && !announced[mark] && status) {
          announced[mark] = true;
          status.textContent = (mark / 60) + (mark === 60 ? " minute" : " minutes") + " left.";
        }
      });
      if (left === 0) {
        if (tick !== null) { clearInterval(tick); tick = null; }
        finish();
      }
    };
    var applyHidden = function () {
      valueEl.hidden = hidden;
      timer.querySelector(".timer-label").textContent = hidden ? "Timer hidden" : "Time left:";
      toggle.textContent = hidden ? "Show timer" : "Hide timer";
      toggle.setAttribute("aria-pressed", hidden ? "true" : "false");
    };
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      hidden = !hidden;
      sessionStorage.setItem("chartroom.timerHidden", hidden ? "1" : "0");
      applyHidden();
    });
    applyHidden();
    tick = setInterval(render, 1000);
    render();
  }

  // Feedback after "Check answer" gets focus so it is read out.
  var fb = document.getElementById("feedback");
  if (fb && window.location.hash === "#feedback") { fb.focus(); }
})();
