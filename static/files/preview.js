/* PDF previews: fetch the file through our authorising "raw" view (same origin, so connect-src 'self'
   holds even when files live on S3), then show it from a blob: URL in an <iframe> (frame-src blob:).
   The browser never frames one of our HTTP responses (X-Frame-Options DENY) nor a cross-origin URL.
   No inline handlers: the CSP forbids them. */
(function () {
  "use strict";

  var objectUrls = [];

  function revokeAll() {
    while (objectUrls.length) URL.revokeObjectURL(objectUrls.pop());
  }

  function fail(box) {
    box.setAttribute("data-state", "error");
    box.querySelector("[data-pdf-status]").hidden = true;
    box.querySelector("[data-pdf-frame]").hidden = true;
    box.querySelector("[data-pdf-fallback]").hidden = false;
  }

  function load(box) {
    var status = box.querySelector("[data-pdf-status]");
    var frame = box.querySelector("[data-pdf-frame]");
    box.setAttribute("data-state", "loading");
    status.hidden = false;
    fetch(box.getAttribute("data-pdf-src"), { credentials: "same-origin", headers: { Accept: "application/pdf" } })
      .then(function (response) {
        var type = (response.headers.get("Content-Type") || "").split(";")[0].trim().toLowerCase();
        if (!response.ok || type !== "application/pdf") throw new Error("not a PDF: " + response.status);
        return response.blob();
      })
      .then(function (blob) {
        // Re-typed, so the viewer is chosen by us and not by whatever the bytes claim.
        var url = URL.createObjectURL(new Blob([blob], { type: "application/pdf" }));
        objectUrls.push(url);
        frame.src = url;
        frame.hidden = false;
        status.hidden = true;
        box.setAttribute("data-state", "ready");
      })
      .catch(function () {
        fail(box);
      });
  }

  function init(root) {
    (root || document).querySelectorAll("[data-pdf-src]").forEach(load);
  }

  // A preview opened in place (templates/files/_preview_dialog.html) loads its PDF when htmx swaps it in.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target && target.id === "preview-dialog-body") init(target);
  });

  // Back closes an in-place preview (and closing it any other way takes its history entry back off).
  var pushed = false;
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "preview-dialog-body") return;
    var dialog = target.closest("dialog");
    if (dialog && dialog.open && !pushed) {
      history.pushState({ previewDialog: true }, "");
      pushed = true;
    }
  });
  window.addEventListener("popstate", function () {
    var dialog = document.getElementById("preview-dialog");
    if (pushed && dialog && dialog.open) {
      pushed = false;
      dialog.close();
    }
  });
  document.addEventListener("close", function (event) {
    if (event.target.id !== "preview-dialog") return;
    var body = document.getElementById("preview-dialog-body");
    if (body) body.innerHTML = ""; // stops a playing PDF viewer; the blob URL is revoked below
    revokeAll();
    if (pushed) {
      pushed = false;
      history.back();
    }
  }, true);

  window.addEventListener("pagehide", revokeAll);
  // Back/forward cache: the URLs were revoked on pagehide, so fetch again.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) init();
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { init(); });
  else init();
})();
