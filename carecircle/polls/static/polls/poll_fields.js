// "Add another option" for the new-topic form's poll: the form works without it (empty option
// inputs are ignored), this only saves members from posting the form to get more inputs.
(function () {
  "use strict";
  function enhance(fieldset) {
    if (fieldset.dataset.enhanced) return;
    fieldset.dataset.enhanced = "1";
    var slot = fieldset.querySelector("[data-poll-add-slot]");
    var max = parseInt(fieldset.dataset.max || "20", 10);
    if (!slot) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button-secondary button-small";
    button.textContent = fieldset.dataset.addLabel || "+";
    slot.appendChild(button);
    function rows() { return fieldset.querySelectorAll(".poll-option"); }
    function refresh() { button.hidden = rows().length >= max; }
    button.addEventListener("click", function () {
      var all = rows();
      if (all.length >= max) return;
      var copy = all[all.length - 1].cloneNode(true);
      var number = all.length + 1;
      copy.classList.remove("field-invalid");
      var error = copy.querySelector(".field-error");
      if (error) error.remove();
      var label = copy.querySelector("label");
      var input = copy.querySelector("input");
      input.id = "id_poll_option_" + number;
      input.value = "";
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
      label.htmlFor = input.id;
      label.textContent = label.textContent.replace(/\d+/, String(number));
      all[all.length - 1].after(copy);
      input.focus();
      refresh();
    });
    refresh();
  }
  function start() {
    document.querySelectorAll("[data-poll-options]").forEach(enhance);
    // Typing a question means the member wants the poll: tick "Add this poll" for them.
    var question = document.getElementById("id_poll_question");
    var wanted = document.getElementById("id_add_poll");
    if (question && wanted) {
      question.addEventListener("input", function () {
        if (question.value.trim()) wanted.checked = true;
      });
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
