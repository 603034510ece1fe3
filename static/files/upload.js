/* Uploads for any stored-file form (files app): drop zone + picker, one XHR per file with its own progress
   bar. Markup contract: <form data-upload-form data-max-bytes=…> with [data-dropzone], [data-progress-list]
   and a fragment answer holding #files. The form's other fields (a title, a note) travel with every file
   as they were when the files were chosen, with `upload_batch` = how many files were chosen together; a
   batch that all arrived resets them. No inline handlers: the CSP forbids them. Without JS the plain
   <form> posts the files instead. */
(function () {
  "use strict";

  var MAX_PARALLEL = 3;

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

  // A failed file keeps its row with a Retry button (the server refused nothing it would now accept,
  // or the network dropped): retrying re-sends that one file with a fresh bar.
  function offerRetry(form, file, row, fields) {
    if (row.li.querySelector("button.upload-retry")) return;
    var retry = document.createElement("button");
    retry.type = "button";
    retry.className = "btn small upload-retry";
    retry.textContent = "Retry";
    retry.setAttribute("aria-label", "Retry uploading " + file.name);
    retry.addEventListener("click", function () {
      retry.remove();
      row.li.classList.remove("failed");
      row.bar.value = 0;
      uploadOne(form, file, row, fields).then(function () { refreshList(); });
    });
    row.li.appendChild(retry);
  }

  // The form's fields other than files, as they are now: each file of a batch (and its retry) sends these.
  function fieldsOf(form, batchSize) {
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (typeof value !== "string" || name === "csrfmiddlewaretoken" || name === "upload_batch") return;
      fields.push([name, value]);
    });
    fields.push(["upload_batch", String(batchSize)]);
    return fields;
  }

  // After a batch that all arrived: clear what it sent (the title and note were used), but not what was
  // typed since, nor while another batch of this form is still travelling.
  function clearSent(form, fields) {
    var sent = {};
    fields.forEach(function (pair) { sent[pair[0]] = pair[1]; });
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !Object.prototype.hasOwnProperty.call(sent, el.name) || el.type === "file") return;
      if (el.type === "checkbox" || el.type === "radio") {
        if (el.checked && el.value === sent[el.name]) el.checked = el.defaultChecked;
      } else if ((el.tagName === "INPUT" || el.tagName === "TEXTAREA") && el.value === sent[el.name]) {
        el.value = el.defaultValue;
      }
    });
  }

  function uploadOne(form, file, row, fields) {
    return new Promise(function (resolve) {
      var max = parseInt(form.getAttribute("data-max-bytes") || "0", 10);
      if (max && file.size > max) { // the server refuses it too; this just saves the wait
        row.status.textContent = file.name + " is larger than the upload limit.";
        row.li.classList.add("failed");
        row.bar.value = 100; // a full red bar: finished, and failed
        resolve();
        return;
      }
      var xhr = new XMLHttpRequest();
      var data = new FormData();
      (fields || []).forEach(function (pair) { data.append(pair[0], pair[1]); });
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
        // A redirect (to the sign-in page: the session ended) is followed silently and answers 200 with a
        // page that is not the list: that is a failure, however the status reads.
        var redirected = Boolean(xhr.responseURL) && xhr.responseURL !== form.action;
        var error = redirected ? null : swapFiles(xhr.responseText); // null: no list in the answer
        var signedOut = redirected || (error === null && xhr.status >= 200 && xhr.status < 300);
        if (xhr.status >= 200 && xhr.status < 300 && !signedOut) {
          row.bar.value = 100;
          row.status.textContent = "Uploaded";
          row.li.classList.add("done");
        } else {
          row.status.textContent = signedOut
            ? "Not uploaded: you are signed out. Sign in again in another tab, then press Retry."
            : error || "Upload failed (" + xhr.status + ")";
          row.li.classList.add("failed");
          row.bar.value = 100; // a full red bar: finished, and failed
          row.bar.setAttribute("aria-label", "Failed: " + file.name);
          if (signedOut || xhr.status === 0 || xhr.status >= 500 || xhr.status === 429) {
            offerRetry(form, file, row, fields);
          }
        }
        resolve();
      });
      xhr.addEventListener("error", function () {
        row.status.textContent = "Network error: the file was not uploaded.";
        row.li.classList.add("failed");
        row.bar.value = 100; // a full red bar: finished, and failed
        offerRetry(form, file, row, fields);
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
  // A delete (or any htmx request from inside the list) started after a refresh was fetched makes that
  // refresh stale too: its answer would put back a row being deleted and orphan the delete's swap.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (elt && elt.closest && elt.closest("#files")) filesVersion += 1;
  });

  function uploadAll(form, files) {
    var list = form.querySelector("[data-progress-list]");
    // At most MAX_PARALLEL files travel at once (the rest wait, "Waiting…"): kinder to the server, to a
    // phone's connection, and to the laptop set-up's SQLite.
    var fields = fieldsOf(form, files.length);
    var queue = Array.prototype.map.call(files, function (file) {
      return { file: file, row: progressRow(list, file) };
    });
    var rows = queue.map(function (item) { return item.row; });
    function worker() {
      var next = queue.shift();
      if (!next) return Promise.resolve();
      return uploadOne(form, next.file, next.row, fields).then(worker);
    }
    var workers = [];
    form.uploadBatches = (form.uploadBatches || 0) + 1;
    for (var i = 0; i < Math.min(MAX_PARALLEL, queue.length); i++) workers.push(worker());
    Promise.all(workers).then(function () {
      form.uploadBatches -= 1;
      // Everything arrived: the title and note were used. A failure keeps them, for the retry and for the
      // person to see what they sent.
      var failed = rows.some(function (row) { return row.li.classList.contains("failed"); });
      if (!failed && form.uploadBatches === 0) clearSent(form, fields);
      return refreshList();
    });
  }

  // Responses can arrive out of order, each showing the list as it was when it was rendered: once a
  // batch is done, show the list as it is now.
  function refreshList() {
    var version = filesVersion;
    return fetch(window.location.href, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        return response && response.ok ? response.text() : null;
      }).then(function (html) {
        // A delete answered while this was in flight already shows a newer list: don't put the old one back.
        if (html && version === filesVersion) swapFiles(html);
        // Anything on the page that follows the files (e.g. a History section) refreshes itself.
        document.body.dispatchEvent(new CustomEvent("evidence-changed"));
      }).catch(function () { /* the per-file rows already say what happened */ });
  }

  // Enter in a text field would post the form without files (and lose what was typed): with the widget
  // files go by drop or picker, so Enter opens the picker.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("[data-upload-form]")) return;
    event.preventDefault();
    var input = form.querySelector("input[type=file]");
    if (input) input.click();
  });

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
})();
