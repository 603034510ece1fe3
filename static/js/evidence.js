/* Evidence request pages: message threads (scroll position kept across htmx swaps, box cleared after a
   post). Uploads are static/files/upload.js. */
(function () {
  "use strict";

  // Message threads scroll inside their card: open at the newest message, and keep the reader's place when
  // the 10-second poll or a post swaps the list in (a swap would otherwise jump back to the oldest).
  var threadPlace = null;
  function nearBottom(el) { return el.scrollHeight - el.scrollTop - el.clientHeight < 32; }
  function scrollThread() {
    var list = document.getElementById("thread-list");
    if (list) list.scrollTop = list.scrollHeight;
  }
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "thread-list") return;
    var posted = event.detail.requestConfig && event.detail.requestConfig.verb === "post";
    threadPlace = { top: target.scrollTop, bottom: posted || nearBottom(target) };
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!threadPlace) return;
    var list = document.getElementById("thread-list");
    if (list) list.scrollTop = threadPlace.bottom ? list.scrollHeight : threadPlace.top;
    threadPlace = null;
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", scrollThread);
  else scrollThread();

  // Message threads: clear the box after a successful post (the list is swapped in by htmx).
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (form && form.matches && form.matches("form[data-reset-on-success]") && event.detail.successful) {
      var error = document.getElementById("thread-error");
      if (!error || !error.textContent.trim()) form.reset();
    }
  });
})();
