// Enhances the compose form's attachment part (uploads/components/attach_field.html): files
// picked, dropped on the form or pasted into it are uploaded at once, one request each, with a
// progress bar and a spoken status; a picture's description box then gets the focus. Without
// this script the picked files simply travel with the form and the server stores them.
// Chat pages that send over their socket read the chosen uploads with CareCircleAttach.choices.
(function () {
  "use strict";
  var counter = 0;

  function format(text, values) {
    return String(text || "").replace(/%\((\w+)\)s/g, function (_match, key) {
      return values[key] == null ? "" : String(values[key]);
    });
  }

  function text(box, name, values) {
    return format(box.getAttribute("data-text-" + name), values || {});
  }

  function announce(box, message) {
    var status = box.querySelector("[data-attach-status]");
    if (!status) return;
    // Cleared first so the same words said twice are heard twice.
    status.textContent = "";
    window.setTimeout(function () { status.textContent = message; }, 50);
  }

  function csrfToken(form) {
    var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // Renames every id, name, for and aria-describedby in a row from one id to another.
  function renameRow(row, from, to) {
    row.setAttribute("data-upload-id", to);
    var attributes = ["id", "name", "for", "aria-describedby", "value"];
    Array.prototype.forEach.call(row.querySelectorAll("*"), function (element) {
      attributes.forEach(function (attribute) {
        var value = element.getAttribute(attribute);
        if (value && value.indexOf(from) !== -1) {
          element.setAttribute(attribute, value.split(from).join(to));
        }
      });
    });
  }

  // Swaps the row's "Do not attach" box (made for the page without script) for a button.
  function addRemoveButton(box, row, name) {
    var holder = row.querySelector("[data-attach-remove]");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button-secondary button-small attach-remove-button";
    button.textContent = text(box, "remove");
    var hidden = document.createElement("span");
    hidden.className = "visually-hidden";
    hidden.textContent = " " + name;
    button.appendChild(hidden);
    button.addEventListener("click", function () {
      if (row._request) row._request.abort();
      row.parentNode.removeChild(row);
      announce(box, text(box, "removed", { name: name }));
      var picker = box.querySelector("input[type=file]");
      if (picker) picker.focus();
    });
    if (holder) holder.parentNode.replaceChild(button, holder);
    else row.appendChild(button);
    return button;
  }

  function showDescription(row, needed) {
    var part = row.querySelector("[data-attach-alt]");
    if (!part) return;
    part.hidden = !needed;
    Array.prototype.forEach.call(part.querySelectorAll("textarea, input"), function (field) {
      field.disabled = !needed;
    });
  }

  function failed(box, row, name, problem) {
    row.setAttribute("data-state", "failed");
    var bar = row.querySelector("progress");
    if (bar) bar.parentNode.removeChild(bar);
    var hidden = row.querySelector("input[name=attachment]");
    if (hidden) hidden.parentNode.removeChild(hidden);
    var message = document.createElement("p");
    message.className = "attach-problem";
    message.textContent = problem;
    row.insertBefore(message, row.querySelector(".attach-remove-button"));
    announce(box, text(box, "failed", { name: name, problem: problem }));
  }

  function finished(box, row, temporary, data) {
    renameRow(row, temporary, String(data.id));
    row.setAttribute("data-state", "done");
    row.setAttribute("data-kind", data.kind || "");
    var bar = row.querySelector("progress");
    if (bar) bar.parentNode.removeChild(bar);
    var hidden = row.querySelector("input[name=attachment]");
    if (hidden) hidden.disabled = false;
    var thumb = row.querySelector("[data-attach-thumb]");
    if (thumb && data.thumbnail_url) {
      thumb.src = data.thumbnail_url;
      thumb.hidden = false;
    }
    // The row keeps the name the member chose ("photo.jpg"), as its remove button says; the
    // server's words for the kind and size ("Picture, 1.8 KB") match the rows it draws itself.
    var name = row.querySelector("[data-attach-name]").textContent || data.name;
    var meta = row.querySelector("[data-attach-meta]");
    if (meta) {
      meta.textContent = [data.kind_label, data.size_text].filter(function (part) {
        return !!part;
      }).join(", ");
    }
    showDescription(row, !!data.needs_alt);
    var captions = row.querySelector("[data-attach-captions]");
    if (captions) {
      captions.hidden = data.kind !== "video";
      var captionsFile = captions.querySelector("input");
      if (captionsFile) captionsFile.disabled = data.kind !== "video";
    }
    if (data.needs_alt) {
      announce(box, text(box, "describe", { name: name }));
      var field = row.querySelector("textarea");
      if (field) field.focus();
    } else {
      announce(box, text(box, "done", { name: name }));
    }
  }

  function upload(box, file) {
    var form = box.closest("form");
    var list = box.querySelector("[data-attach-list]");
    var pattern = box.querySelector("template[data-attach-template]");
    if (!list || !pattern) return;
    var max = parseInt(box.getAttribute("data-max") || "0", 10);
    if (max && list.querySelectorAll("[data-attach-item]:not([data-state=failed])").length >= max) {
      announce(box, text(box, "too-many"));
      return;
    }
    counter += 1;
    var temporary = "pending" + counter;
    var row = pattern.content.firstElementChild.cloneNode(true);
    renameRow(row, "__id__", temporary);
    row.setAttribute("data-state", "pending");
    var name = file.name || "image.png";
    row.querySelector("[data-attach-name]").textContent = name;
    // Not sent with the form until the server has answered with the upload's real id.
    row.querySelector("input[name=attachment]").disabled = true;
    showDescription(row, false);
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", text(box, "progress", { name: name }));
    row.insertBefore(bar, row.querySelector("[data-attach-alt]"));
    var button = addRemoveButton(box, row, name);
    button.firstChild.textContent = text(box, "cancel");
    list.appendChild(row);
    announce(box, text(box, "uploading", { name: name }));

    var body = new FormData();
    body.append("file", file, name);
    var request = new XMLHttpRequest();
    row._request = request;
    request.open("POST", box.getAttribute("data-upload-url"));
    request.setRequestHeader("X-CSRFToken", csrfToken(form));
    request.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    request.setRequestHeader("Accept", "application/json");
    request.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) bar.value = Math.round((event.loaded / event.total) * 100);
    });
    request.addEventListener("load", function () {
      row._request = null;
      button.firstChild.textContent = text(box, "remove");
      var data = null;
      try { data = JSON.parse(request.responseText); } catch (error) { data = null; }
      if (request.status === 201 && data && data.id) {
        finished(box, row, temporary, data);
      } else {
        failed(box, row, name, (data && data.message) || text(box, "network"));
      }
    });
    request.addEventListener("error", function () {
      row._request = null;
      button.firstChild.textContent = text(box, "remove");
      failed(box, row, name, text(box, "network"));
    });
    request.send(body);
  }

  function uploadAll(box, files) {
    Array.prototype.forEach.call(files || [], function (file) { upload(box, file); });
  }

  function filesOf(transfer) {
    if (!transfer) return [];
    if (transfer.files && transfer.files.length) return Array.prototype.slice.call(transfer.files);
    var found = [];
    Array.prototype.forEach.call(transfer.items || [], function (item) {
      if (item.kind === "file") {
        var file = item.getAsFile();
        if (file) found.push(file);
      }
    });
    return found;
  }

  function enhance(box) {
    var form = box.closest("form");
    var picker = box.querySelector("input[type=file]");
    var zone = box.querySelector("[data-attach-drop]");
    var hint = box.querySelector("[data-attach-hint]");
    if (!form || !picker || !window.FormData || !("upload" in new XMLHttpRequest())) return;
    box.setAttribute("data-enhanced", "yes");
    if (hint) hint.hidden = false;
    // The rows the server drew keep working as they are; only the remove box becomes a button.
    Array.prototype.forEach.call(box.querySelectorAll("[data-attach-list] [data-attach-item]"),
      function (row) {
        var remove = row.querySelector("[data-attach-remove] input");
        if (remove && !remove.checked) {
          addRemoveButton(box, row, row.querySelector("[data-attach-name]").textContent);
        }
      });
    picker.addEventListener("change", function () {
      var files = Array.prototype.slice.call(picker.files || []);
      uploadAll(box, files);
      // Already uploaded: the form must not send the same files a second time.
      picker.value = "";
    });
    var depth = 0;
    form.addEventListener("dragenter", function (event) {
      if (!event.dataTransfer || Array.prototype.indexOf.call(event.dataTransfer.types || [], "Files") === -1) return;
      depth += 1;
      zone.classList.add("attach-drop-active");
    });
    form.addEventListener("dragleave", function () {
      depth = Math.max(0, depth - 1);
      if (!depth) zone.classList.remove("attach-drop-active");
    });
    form.addEventListener("dragover", function (event) {
      if (event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types || [], "Files") !== -1) {
        event.preventDefault();
        event.dataTransfer.dropEffect = "copy";
      }
    });
    form.addEventListener("drop", function (event) {
      var files = filesOf(event.dataTransfer);
      depth = 0;
      zone.classList.remove("attach-drop-active");
      if (!files.length) return;
      event.preventDefault();
      uploadAll(box, files);
    });
    // A form sent while a file is still on its way would go without it: wait for it instead.
    // (Capture, so the chat pages' own submit handlers do not run first.)
    form.addEventListener("submit", function (event) {
      if (!window.CareCircleAttach.busy(form)) return;
      event.preventDefault();
      event.stopImmediatePropagation();
      announce(box, text(box, "wait"));
    }, true);
    // A picture pasted into the message box (a screenshot) is attached; pasted text stays text.
    form.addEventListener("paste", function (event) {
      var files = filesOf(event.clipboardData);
      if (!files.length) return;
      event.preventDefault();
      uploadAll(box, files);
    });
  }

  window.CareCircleAttach = {
    // [{upload_id, alt_text, is_decorative}] for the uploads chosen in this form.
    choices: function (form) {
      var found = [];
      Array.prototype.forEach.call(form.querySelectorAll("[data-attach-item]"), function (row) {
        var hidden = row.querySelector("input[name=attachment]");
        if (!hidden || hidden.disabled || row.getAttribute("data-state") === "pending") return;
        var id = parseInt(hidden.value, 10);
        if (!id) return;
        var remove = row.querySelector("input[name^=remove_]");
        if (remove && remove.checked) return;
        var alt = row.querySelector("textarea");
        var decorative = row.querySelector("input[name^=decorative_]");
        found.push({
          upload_id: id,
          alt_text: alt && !alt.disabled ? alt.value.trim() : "",
          is_decorative: !!(decorative && !decorative.disabled && decorative.checked)
        });
      });
      return found;
    },
    // True while a file is still on its way: a chat page waits rather than send without it.
    busy: function (form) {
      return !!form.querySelector("[data-attach-item][data-state=pending]");
    },
    // Empties the list after a message went out over a socket (the page did not reload).
    reset: function (form) {
      Array.prototype.forEach.call(form.querySelectorAll("[data-attach-list] [data-attach-item]"),
        function (row) { row.parentNode.removeChild(row); });
    }
  };

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-attach]"), enhance);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
