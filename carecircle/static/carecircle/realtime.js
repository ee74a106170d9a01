// The page's one live connection (/ws/), shared by every live feature on the page.
// Protocol: docs/realtime.md. Pages keep working without it: this only adds live updates.
//
//   CareCircleLive.subscribe("conversation:12", {
//     after: function () { return lastMessageId; },   // catch up from here after a reconnect
//     onEvent: function (event) {}, onCaughtUp: function () {}, onError: function (frame) {}
//   });
//   CareCircleLive.request("conversation:12", {type: "send", client_id: id, body: text},
//                          {retry: true}).then(function (data) {}, function (error) {});
//
// Requests marked retry are sent again after a reconnect until the server answers; they must
// carry a client-generated id so the server stores them once. Member-wide events (unread
// counts) arrive as a "carecircle:user-event" event on document; the connection state as
// "carecircle:live" (detail.state: "connecting", "open", "closed", "signed-out").
(function () {
  "use strict";
  var socket = null;
  var streams = {};
  var pending = {};
  var nextRef = 1;
  var attempt = 0;
  var pingTimer = null;
  var reconnectTimer = null;
  var stopped = false;

  function announce(state) {
    document.dispatchEvent(new CustomEvent("carecircle:live", { detail: { state: state } }));
  }

  function url() {
    var scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    return scheme + "//" + window.location.host + "/ws/";
  }

  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  function subscribeFrame(name) {
    var options = streams[name];
    var frame = { type: "subscribe", stream: name };
    var after = options.after ? options.after() : null;
    if (typeof after === "number" && after >= 0) frame.after = after;
    return frame;
  }

  function connect() {
    if (stopped || socket) return;
    announce("connecting");
    try {
      socket = new WebSocket(url());
    } catch (error) {
      socket = null;
      scheduleReconnect();
      return;
    }
    socket.addEventListener("open", function () {
      attempt = 0;
      announce("open");
      Object.keys(streams).forEach(function (name) { send(subscribeFrame(name)); });
      pingTimer = window.setInterval(function () { send({ type: "ping" }); }, 25000);
    });
    socket.addEventListener("message", function (message) {
      var frame;
      try { frame = JSON.parse(message.data); } catch (error) { return; }
      receive(frame);
    });
    socket.addEventListener("close", function (event) {
      socket = null;
      window.clearInterval(pingTimer);
      if (event.code === 4401) {
        stopped = true;
        announce("signed-out");
        return;
      }
      announce("closed");
      // Requests that may not be repeated fail now; the rest wait for the next connection.
      Object.keys(pending).forEach(function (ref) {
        if (!pending[ref].retry) {
          pending[ref].reject({ code: "disconnected" });
          delete pending[ref];
        }
      });
      scheduleReconnect();
    });
  }

  function scheduleReconnect() {
    if (stopped || reconnectTimer) return;
    attempt += 1;
    var delay = Math.min(30000, 500 * Math.pow(2, Math.min(attempt, 6)));
    delay = delay / 2 + Math.random() * delay / 2;
    reconnectTimer = window.setTimeout(function () {
      reconnectTimer = null;
      connect();
    }, delay);
  }

  function resendPending(name) {
    Object.keys(pending).forEach(function (ref) {
      var request = pending[ref];
      if (request.frame.stream === name) send(request.frame);
    });
  }

  function receive(frame) {
    var options = frame.stream ? streams[frame.stream] : null;
    if (frame.type === "event") {
      if (frame.stream && frame.stream.indexOf("user:") === 0) {
        document.dispatchEvent(new CustomEvent("carecircle:user-event", { detail: frame.event }));
      } else if (options && options.onEvent) {
        options.onEvent(frame.event);
      }
    } else if (frame.type === "caught_up") {
      if (options && options.onCaughtUp) options.onCaughtUp();
      resendPending(frame.stream);
    } else if (frame.type === "reply") {
      var request = pending[frame.ref];
      if (!request) return;
      delete pending[frame.ref];
      if (frame.ok) request.resolve(frame.data); else request.reject(frame);
    } else if (frame.type === "error" || frame.type === "unsubscribed") {
      if (options && options.onError) options.onError(frame);
      if (frame.type === "unsubscribed") delete streams[frame.stream];
    } else if (frame.type === "signed_out") {
      stopped = true;
      announce("signed-out");
    }
  }

  window.CareCircleLive = {
    subscribe: function (name, options) {
      streams[name] = options || {};
      if (!send(subscribeFrame(name))) connect();
    },
    unsubscribe: function (name) {
      delete streams[name];
      send({ type: "unsubscribe", stream: name });
    },
    request: function (name, frame, options) {
      var retry = !!(options && options.retry);
      return new Promise(function (resolve, reject) {
        var ref = String(nextRef++);
        var full = Object.assign({}, frame, { stream: name, ref: ref });
        pending[ref] = { frame: full, resolve: resolve, reject: reject, retry: retry };
        if (!send(full) && !retry) {
          delete pending[ref];
          reject({ code: "disconnected" });
        }
        connect();
      });
    },
    isOpen: function () { return !!socket && socket.readyState === WebSocket.OPEN; },
    newId: function () {
      if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
      var bytes = new Uint8Array(16);
      window.crypto.getRandomValues(bytes);
      bytes[6] = (bytes[6] & 0x0f) | 0x40;
      bytes[8] = (bytes[8] & 0x3f) | 0x80;
      var hex = Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
      return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
    },
    start: connect
  };

  // Members' pages connect for their live badges; other pages connect when they subscribe.
  document.addEventListener("DOMContentLoaded", function () {
    if (document.body.hasAttribute("data-live-member")) connect();
  });
  window.addEventListener("online", function () {
    if (!socket && !stopped) {
      window.clearTimeout(reconnectTimer);
      reconnectTimer = null;
      attempt = 0;
      connect();
    }
  });
})();
