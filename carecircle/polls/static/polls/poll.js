// After htmx redraws a poll (vote, change, take back, close), keyboard focus would fall to the
// page's start: move it to the poll's question instead. What happened is announced by the
// status region beside the poll (filled by the answer), so this only keeps the place.
(function () {
  "use strict";
  document.addEventListener("htmx:afterSettle", function () {
    var swapped = document.querySelector("[data-poll-swapped]");
    if (!swapped) return;
    swapped.removeAttribute("data-poll-swapped");
    var heading = swapped.querySelector(".poll-question");
    if (heading) heading.focus({ preventScroll: false });
  });
})();
