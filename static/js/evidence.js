/* Evidence uploads (drop zone + picker, one XHR per file with its own progress bar) and message threads.
   No inline handlers: the CSP forbids them. Without JS the plain <form> posts the files instead. */
(function () {
  "use strict";

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function progressRow(list, file) {
    var li = document.createElement("li");
    li.className = "upload-item";
    var name = document.createElement("span");
    name.className = "upload-name";
    name.textContent = file.name;
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", "Uploading " + file.name);
    var status = document.createElement("span");
    status.className = "upload-status muted small";
    status.textContent = "Waiting…";
    li.appendChild(name);
    li.appendChild(bar);
    li.appendChild(status);
    list.appendChild(li);
    return { li: li, bar: bar, status: status };
  }

  function swapFiles(html) {
    var current = document.getElementById("files");
    if (!current) return null;
    var holder = document.createElement("div");
    holder.innerHTML = html; // server-rendered, escaped fragment
    var fresh = holder.querySelector("#files");
    if (!fresh) return null;
    current.replaceWith(fresh);
    if (window.htmx) window.htmx.process(fresh);
    var error = fresh.querySelector("#upload-error");
    return error ? error.textContent.trim() : "";
  }

  function uploadOne(form, file, row) {
    return new Promise(function (resolve) {
      var max = parseInt(form.getAttribute("data-max-bytes") || "0", 10);
      if (max && file.size > max) { // the server refuses it too; this just saves the wait
        row.status.textContent = file.name + " is larger than the upload limit.";
        row.li.classList.add("failed");
        resolve();
        return;
      }
      var xhr = new XMLHttpRequest();
      var data = new FormData();
      data.append("file", file, file.name);
      xhr.open("POST", form.action);
      xhr.setRequestHeader("X-CSRFToken", csrfToken(form));
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      xhr.upload.addEventListener("progress", function (event) {
        if (!event.lengthComputable) return;
        var pct = Math.round((event.loaded / event.total) * 100);
        row.bar.value = pct;
        row.status.textContent = pct + "%";
      });
      xhr.addEventListener("load", function () {
        var error = swapFiles(xhr.responseText);
        if (xhr.status >= 200 && xhr.status < 300) {
          row.bar.value = 100;
          row.status.textContent = "Uploaded";
          row.li.classList.add("done");
        } else {
          row.status.textContent = error || "Upload failed (" + xhr.status + ")";
          row.li.classList.add("failed");
        }
        resolve();
      });
      xhr.addEventListener("error", function () {
        row.status.textContent = "Network error: the file was not uploaded.";
        row.li.classList.add("failed");
        resolve();
      });
      row.status.textContent = "Uploading…";
      xhr.send(data);
    });
  }

  var filesVersion = 0; // bumped whenever htmx swaps the file list (e.g. a delete)
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "files") filesVersion += 1;
  });

  function uploadAll(form, files) {
    var list = form.querySelector("[data-progress-list]");
    var pending = Array.prototype.map.call(files, function (file) {
      return uploadOne(form, file, progressRow(list, file));
    });
    // Responses can arrive out of order, each showing the list as it was when it was rendered: once the
    // batch is done, show the list as it is now.
    var version;
    Promise.all(pending).then(function () {
      version = filesVersion;
      return fetch(window.location.href, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } });
    }).then(function (response) {
      return response && response.ok ? response.text() : null;
    }).then(function (html) {
      // A delete answered while this was in flight already shows a newer list: don't put the old one back.
      if (html && version === filesVersion) swapFiles(html);
    }).catch(function () { /* the per-file rows already say what happened */ });
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("[data-upload-form] input[type=file]")) return;
    var form = input.closest("form");
    if (input.files && input.files.length) uploadAll(form, input.files);
    input.value = "";
  });

  function zoneFrom(event) {
    return event.target.closest ? event.target.closest("[data-dropzone]") : null;
  }
  ["dragenter", "dragover"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      var zone = zoneFrom(event);
      if (!zone) return;
      event.preventDefault();
      zone.classList.add("dragging");
    });
  });
  document.addEventListener("dragleave", function (event) {
    var zone = zoneFrom(event);
    if (zone && !zone.contains(event.relatedTarget)) zone.classList.remove("dragging");
  });
  document.addEventListener("drop", function (event) {
    var zone = zoneFrom(event);
    if (!zone) return;
    event.preventDefault();
    zone.classList.remove("dragging");
    var files = event.dataTransfer && event.dataTransfer.files;
    if (files && files.length) uploadAll(zone.closest("form"), files);
  });

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
