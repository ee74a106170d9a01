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

// Signing out of this browser also stops its web push: a shared or passed-on device must not
// keep showing this member's notifications. The sign-out waits for that (at most 1.5 s);
// without scripts the device stays listed in the notification settings, to remove there.
(function () {
  "use strict";
  if (!("serviceWorker" in navigator) || !window.fetch || !window.Promise) return;
  var forms = document.querySelectorAll('form[action$="/accounts/logout/"]');
  Array.prototype.forEach.call(forms, function (form) {
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-push-forgotten")) return;
      event.preventDefault();
      var headers = { "Accept": "application/json" };
      try {
        var extra = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
        Object.keys(extra).forEach(function (name) { headers[name] = extra[name]; });
      } catch (error) { /* no token: the server refuses, the sign-out still goes on */ }
      var forget = navigator.serviceWorker.getRegistration("/").then(function (registration) {
        return registration ? registration.pushManager.getSubscription() : null;
      }).then(function (subscription) {
        if (!subscription) return null;
        var url = "/api/v1/me/push-subscriptions?endpoint=" +
          encodeURIComponent(subscription.endpoint);
        return Promise.all([
          fetch(url, { method: "DELETE", headers: headers, credentials: "same-origin" }),
          subscription.unsubscribe()
        ]);
      });
      var timeout = new Promise(function (resolve) { setTimeout(resolve, 1500); });
      Promise.race([forget, timeout]).catch(function () { return null; }).then(function () {
        form.setAttribute("data-push-forgotten", "1");
        form.submit();
      });
    });
  });
})();
