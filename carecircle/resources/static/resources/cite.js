// "Copy link" for a resource's citation link. Without JavaScript the link sits in a read-only
// box the member can select and copy by hand; this only adds the button.
(function () {
  "use strict";
  var input = document.querySelector("[data-cite-link]");
  var button = document.querySelector("[data-copy-cite]");
  var status = document.querySelector("[data-copy-status]");
  if (!input || !button || !navigator.clipboard) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(input.value).then(
      function () {
        if (status) { status.textContent = button.getAttribute("data-copied") || "Copied."; }
      },
      function () {
        input.focus();
        input.select();
      }
    );
  });
  input.addEventListener("focus", function () { input.select(); });
})();
