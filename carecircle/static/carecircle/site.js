// Keeps what a member types in this browser until the server confirms it was saved.
// Forms with data-draft-key store their text fields locally on every keystroke; a page that
// renders data-draft-saved="key" clears that key. Everything works without this script.
(function () {
  "use strict";
  var PREFIX = "carecircle-draft:";

  function store() {
    try { return window.localStorage; } catch (error) { return null; }
  }

  function restore(form, key) {
    var storage = store();
    if (!storage) return;
    var saved;
    try { saved = JSON.parse(storage.getItem(PREFIX + key) || "null"); } catch (error) { saved = null; }
    if (!saved) return;
    var restored = false;
    Object.keys(saved).forEach(function (name) {
      var field = form.elements.namedItem(name);
      if (field && "value" in field && !field.value && saved[name]) {
        field.value = saved[name];
        restored = true;
      }
    });
    if (restored) {
      var note = form.querySelector("[data-draft-note]");
      if (note) note.hidden = false;
    }
  }

  function remember(form, key) {
    var storage = store();
    if (!storage) return;
    var data = {};
    Array.prototype.forEach.call(form.querySelectorAll("textarea, input[type=text]"), function (field) {
      if (field.name) data[field.name] = field.value;
    });
    try { storage.setItem(PREFIX + key, JSON.stringify(data)); } catch (error) { /* storage full */ }
  }

  function setup(root) {
    Array.prototype.forEach.call(root.querySelectorAll("[data-draft-saved]"), function (marker) {
      var storage = store();
      if (storage) storage.removeItem(PREFIX + marker.getAttribute("data-draft-saved"));
    });
    Array.prototype.forEach.call(root.querySelectorAll("form[data-draft-key]"), function (form) {
      if (form.dataset.draftReady) return;
      form.dataset.draftReady = "1";
      var key = form.getAttribute("data-draft-key");
      restore(form, key);
      form.addEventListener("input", function () { remember(form, key); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { setup(document); });
  document.addEventListener("htmx:afterSettle", function (event) { setup(event.target); });
  // A quote button fills the reply box without a page load (the link reloads with ?quote=
  // when scripts are off). The quoted Markdown comes from the API, so pages stay small.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-quote-post]");
    if (!button || !window.fetch) return;
    var box = document.getElementById(button.getAttribute("data-quote-target"));
    if (!box) return;
    event.preventDefault();
    fetch("/api/v1/posts/" + button.getAttribute("data-quote-post") + "/quote", {
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    }).then(function (response) {
      if (!response.ok) throw new Error("quote failed");
      return response.json();
    }).then(function (data) {
      box.value = (box.value ? box.value + "\n\n" : "") + data.markdown;
      box.focus();
      box.dispatchEvent(new Event("input", { bubbles: true }));
    }).catch(function () {
      window.location.href = button.href;
    });
  });
})();
