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

  function init() {
    document.querySelectorAll("[data-pdf-src]").forEach(load);
  }

  window.addEventListener("pagehide", revokeAll);
  // Back/forward cache: the URLs were revoked on pagehide, so fetch again.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) init();
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
