/* Portal's small behaviours. No inline handlers anywhere: the CSP forbids them. */
(function () {
  "use strict";

  // ---- theme: light / dark / system, remembered per browser ----
  var KEY = "portal-theme";
  function applyTheme(value) {
    var root = document.documentElement;
    if (value === "light" || value === "dark") root.setAttribute("data-theme", value);
    else root.removeAttribute("data-theme");
    document.querySelectorAll("[data-theme-choice]").forEach(function (btn) {
      btn.setAttribute("aria-pressed", String(btn.getAttribute("data-theme-choice") === (value || "system")));
    });
  }
  function storedTheme() {
    try { return localStorage.getItem(KEY) || "system"; } catch (e) { return "system"; }
  }
  document.addEventListener("click", function (event) {
    var btn = event.target.closest("[data-theme-choice]");
    if (!btn) return;
    var value = btn.getAttribute("data-theme-choice");
    // On a phone only the current choice is shown (the header has no room for three): it cycles.
    if (btn.getAttribute("aria-pressed") === "true" && window.matchMedia("(max-width: 640px)").matches) {
      var order = ["light", "system", "dark"];
      value = order[(order.indexOf(value) + 1) % order.length];
    }
    try {
      if (value === "system") localStorage.removeItem(KEY); else localStorage.setItem(KEY, value);
    } catch (e) { /* private mode: the choice lasts for this page only */ }
    applyTheme(value);
  });

  // ---- copy to clipboard with a visible confirmation ----
  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text; area.setAttribute("readonly", ""); area.style.position = "fixed"; area.style.opacity = "0";
    document.body.appendChild(area); area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok ? Promise.resolve() : Promise.reject(new Error("copy failed"));
  }
  document.addEventListener("click", function (event) {
    var btn = event.target.closest("[data-copy]");
    if (!btn) return;
    event.preventDefault();
    var text = btn.getAttribute("data-copy");
    var done = navigator.clipboard && window.isSecureContext ? navigator.clipboard.writeText(text) : fallbackCopy(text);
    var label = btn.querySelector("[data-copy-label]") || btn;
    var original = label.textContent;
    done.then(function () {
      label.textContent = "Copied!";
      btn.classList.add("copied");
      var status = document.getElementById("copy-status");
      if (status) status.textContent = "Portal URL copied to the clipboard.";
    }, function () {
      window.prompt("Copy this portal URL:", text);
    }).finally(function () {
      setTimeout(function () { label.textContent = original; btn.classList.remove("copied"); }, 2000);
    });
  });

  // ---- dialogs loaded by htmx ----
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target && target.matches("[data-dialog-body]")) {
      var dialog = target.closest("dialog");
      if (dialog && !dialog.open) dialog.showModal();
      // Focus the first field with an error if there is one, else the first field.
      var first = target.querySelector("[aria-invalid=true] input:not([readonly]), [aria-invalid=true] select, [aria-invalid=true] textarea") ||
        target.querySelector("input:not([readonly]):not([type=hidden]), select, textarea");
      if (first) first.focus();
    }
  });
  // Remember what opened a dialog so focus goes back there when it closes (Esc, Cancel, ✕ or the backdrop).
  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail.target;
    if (target && target.matches && target.matches("[data-dialog-body]")) {
      var dialog = target.closest("dialog");
      if (dialog && !dialog.open) dialog.opener = event.detail.elt;
    }
  });
  document.addEventListener("close", function (event) {
    var dialog = event.target;
    if (dialog.tagName === "DIALOG" && dialog.opener && document.contains(dialog.opener)) dialog.opener.focus();
  }, true);
  document.addEventListener("click", function (event) {
    if (event.target.tagName === "DIALOG" && event.target.open) event.target.close(); // a click on the backdrop
  });
  document.addEventListener("click", function (event) {
    var btn = event.target.closest("[data-dialog-close]");
    if (!btn) return;
    var dialog = btn.closest("dialog");
    if (dialog) dialog.close();
  });
  document.body.addEventListener("invite-sent", function () {
    document.querySelectorAll("dialog[open]").forEach(function (d) { d.close(); });
  });

  // ---- confirmation for destructive buttons ----
  document.addEventListener("submit", function (event) {
    var form = event.target;
    // htmx forms ask in htmx:confirm below; asking here too made people confirm twice.
    if (form.hasAttribute("hx-post") || form.hasAttribute("data-hx-post")) return;
    var message = form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  }, true);
  document.addEventListener("htmx:confirm", function (event) {
    var el = event.detail.elt;
    var message = el.getAttribute && el.getAttribute("data-confirm");
    if (!message) return;
    event.preventDefault();
    if (window.confirm(message)) event.detail.issueRequest(true);
  });

  // ---- one submit per signature: a second click while the first is on its way does nothing ----
  // (the server refuses a second acceptance anyway; this spares the client a confusing second page)
  document.addEventListener("submit", function (event) {
    var btn = event.target.querySelector && event.target.querySelector("[data-once]");
    if (!btn || event.defaultPrevented) return;
    if (btn.getAttribute("aria-disabled") === "true") { event.preventDefault(); return; }
    setTimeout(function () { btn.setAttribute("aria-disabled", "true"); btn.textContent = "Signing…"; }, 0);
  });

  // ---- the phone menu ----
  document.addEventListener("click", function (event) {
    var btn = event.target.closest(".menu-toggle");
    if (!btn) return;
    var bar = btn.closest(".topbar");
    var open = bar.classList.toggle("open");
    btn.setAttribute("aria-expanded", String(open));
  });

  // close overflow menus when clicking elsewhere
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });

  applyTheme(storedTheme());
})();
