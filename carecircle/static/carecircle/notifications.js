// Keeps the header's "Notifications" count current: the server sends {"type": "notifications",
// "unread": N} on the member's own stream whenever the count changes (realtime.js turns it into
// a "carecircle:user-event"). Without scripts the count is right at every page load.
(function () {
  "use strict";
  document.addEventListener("carecircle:user-event", function (event) {
    var detail = event.detail || {};
    if (detail.type !== "notifications" || typeof detail.unread !== "number") return;
    var unread = Math.max(0, Math.floor(detail.unread));
    Array.prototype.forEach.call(
      document.querySelectorAll("[data-notification-badge]"),
      function (badge) {
        var count = badge.querySelector("[data-notification-count]");
        if (count) count.textContent = String(unread);
        badge.hidden = unread <= 0;
      }
    );
  });
})();
