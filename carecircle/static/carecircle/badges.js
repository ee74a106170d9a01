// Keeps the header's "Messages" count current: the server sends {"type": "unread",
// "conversations": N} on the member's own stream whenever the count changes (realtime.js turns
// it into a "carecircle:user-event"). Without scripts the count is right at every page load.
(function () {
  "use strict";
  document.addEventListener("carecircle:user-event", function (event) {
    var detail = event.detail || {};
    if (detail.type !== "unread" || typeof detail.conversations !== "number") return;
    Array.prototype.forEach.call(document.querySelectorAll("[data-unread-badge]"), function (badge) {
      var count = badge.querySelector("[data-unread-count]");
      if (count) count.textContent = String(detail.conversations);
      badge.hidden = detail.conversations <= 0;
    });
  });
})();
