// Web push on the notification settings page: offers "Turn on notifications on this device"
// only where the browser can do it, subscribes with the site's public key, and tells the server
// (POST /api/v1/me/push-subscriptions). "Remove" buttons work as plain forms without scripts;
// with scripts they call the API and, for this device, unsubscribe the browser too.
(function () {
  "use strict";
  var box = document.querySelector("[data-push-devices]");
  if (!box) return;
  var button = box.querySelector("[data-push-enable]");
  var status = box.querySelector("[data-push-status]");
  var unsupported = box.querySelector("[data-push-unsupported]");
  var publicKey = box.getAttribute("data-vapid-public-key");
  var apiUrl = box.getAttribute("data-api-url");
  var text = function (name) { return box.getAttribute("data-text-" + name) || ""; };
  var isSupported = window.isSecureContext && "serviceWorker" in navigator &&
    "PushManager" in window && "Notification" in window;
  if (!isSupported || !publicKey || !apiUrl) return;
  if (unsupported) unsupported.hidden = true;

  var registration = null;

  function say(message) { status.textContent = message; }

  function headers() {
    var result = { "Content-Type": "application/json", "Accept": "application/json" };
    try {
      var extra = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
      Object.keys(extra).forEach(function (name) { result[name] = extra[name]; });
    } catch (error) { /* no CSRF header: the API answers 403 and we say so */ }
    return result;
  }

  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4))
      .replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function base64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var raw = "";
    for (var i = 0; i < bytes.length; i += 1) raw += String.fromCharCode(bytes[i]);
    return window.btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function deviceLabel() {
    var agent = navigator.userAgent;
    var browser = /Edg\//.test(agent) ? "Edge" : /Firefox\//.test(agent) ? "Firefox" :
      /Chrome\//.test(agent) ? "Chrome" : /Safari\//.test(agent) ? "Safari" : "";
    var system = /Android/.test(agent) ? "Android" : /iPhone|iPad/.test(agent) ? "iOS" :
      /Mac OS X/.test(agent) ? "macOS" : /Windows/.test(agent) ? "Windows" :
      /Linux/.test(agent) ? "Linux" : "";
    return [browser, system].filter(Boolean).join(" · ") || text("this-device");
  }

  function listedEndpoints() {
    return Array.prototype.map.call(box.querySelectorAll("[data-endpoint]"), function (item) {
      return item.getAttribute("data-endpoint");
    });
  }

  function addToList(endpoint, label) {
    var list = box.querySelector("[data-push-device-list]");
    var none = box.querySelector("[data-push-none]");
    if (!list) {
      list = document.createElement("ul");
      list.className = "push-device-list";
      list.setAttribute("data-push-device-list", "");
      (none || button).insertAdjacentElement("afterend", list);
    }
    if (none) none.remove();
    var item = document.createElement("li");
    item.setAttribute("data-endpoint", endpoint);
    var name = document.createElement("span");
    name.textContent = label + " ";
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "button-small button-secondary";
    remove.textContent = text("remove");
    remove.addEventListener("click", function () { removeDevice(endpoint, item); });
    item.appendChild(name);
    item.appendChild(remove);
    list.appendChild(item);
  }

  function removeDevice(endpoint, item) {
    fetch(apiUrl + "?endpoint=" + encodeURIComponent(endpoint), {
      method: "DELETE", headers: headers(), credentials: "same-origin"
    }).then(function (response) {
      if (!response.ok && response.status !== 404) throw new Error(String(response.status));
      item.remove();
      say(text("removed"));
      return registration ? registration.pushManager.getSubscription() : null;
    }).then(function (subscription) {
      if (subscription && subscription.endpoint === endpoint) {
        button.hidden = false;
        return subscription.unsubscribe();
      }
      return null;
    }).catch(function () { say(text("failed")); });
  }

  function register(subscription) {
    var keys = subscription.toJSON().keys || {};
    var label = deviceLabel();
    return fetch(apiUrl, {
      method: "POST",
      headers: headers(),
      credentials: "same-origin",
      body: JSON.stringify({
        endpoint: subscription.endpoint,
        keys: {
          p256dh: keys.p256dh || base64url(subscription.getKey("p256dh")),
          auth: keys.auth || base64url(subscription.getKey("auth"))
        },
        label: label
      })
    }).then(function (response) {
      if (!response.ok) {
        return response.json().then(function (body) {
          throw { userMessage: body && body.message ? body.message : text("failed") };
        }, function () { throw { userMessage: text("failed") }; });
      }
      if (listedEndpoints().indexOf(subscription.endpoint) === -1) {
        addToList(subscription.endpoint, label);
      }
      button.hidden = true;
      say(text("on"));
    });
  }

  function turnOn() {
    button.disabled = true;
    say(text("working"));
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") throw { userMessage: text("denied") };
      return registration.pushManager.getSubscription();
    }).then(function (existing) {
      return existing || registration.pushManager.subscribe({
        userVisibleOnly: true, applicationServerKey: keyBytes(publicKey)
      });
    }).then(register).catch(function (error) {
      // Our own messages are translated; a browser's error is not, so it gets the general one.
      say(error && error.userMessage ? error.userMessage : text("failed"));
    }).then(function () { button.disabled = false; });
  }

  Array.prototype.forEach.call(box.querySelectorAll("form[data-push-remove]"), function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var endpoint = form.querySelector("input[name=endpoint]").value;
      removeDevice(endpoint, form.closest("li"));
    });
  });

  navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function (found) {
    registration = found;
    return found.pushManager.getSubscription();
  }).then(function (subscription) {
    var isListed = subscription && listedEndpoints().indexOf(subscription.endpoint) !== -1;
    if (isListed && Notification.permission === "granted") {
      say(text("on"));
      return;
    }
    button.hidden = false;
    button.addEventListener("click", turnOn);
  }).catch(function () {
    if (unsupported) unsupported.hidden = false;
  });
})();
