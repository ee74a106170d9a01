// The push service worker, served at /sw.js. The push carries {"title", "body", "url", "tag"}:
// a short private line (never anyone's words); a click opens or focuses the notification.
"use strict";

self.addEventListener("push", function (event) {
  var data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    data = {};
  }
  var title = data.title || "CareCircle";
  var url = typeof data.url === "string" && data.url.charAt(0) === "/" ? data.url : "/notifications/";
  var options = { body: data.body || "", data: { url: url } };
  if (data.tag) {
    options.tag = data.tag;
    // A newer event in the same topic replaces the line; let it alert again.
    options.renotify = true;
  }
  event.waitUntil(self.registration.showNotification(title, options));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var path = (event.notification.data && event.notification.data.url) || "/notifications/";
  var target = new URL(path, self.location.origin).href;
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
      for (var i = 0; i < windows.length; i += 1) {
        var client = windows[i];
        if (client.url === target && "focus" in client) return client.focus();
      }
      // A new window rather than taking over an open one, which may hold a half-written reply.
      return self.clients.openWindow(target);
    })
  );
});
