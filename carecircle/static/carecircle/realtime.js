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
// Requests marked retry are sent again after a reconnect (once the stream has caught up) until
// the server answers; they must carry a client-generated id so the server stores them once.
// A request is sent at most once per connection. Member-wide events (unread counts) arrive as
// a "carecircle:user-event" event on document; the connection state as "carecircle:live"
// (detail.state: "connecting", "open", "closed", "signed-out").
(function () {
  "use strict";
  var KEEPALIVE_MS = 25000;
  // No frame at all (not even the answer to a keep-alive) for this long: the connection is
  // dead even if the browser has not noticed (a laptop waking up, a mobile network switch).
  var SILENCE_MS = 2 * KEEPALIVE_MS + 10000;
  // A connection that stayed open this long was healthy: the next drop starts backing off
  // from the beginning again. One that closes sooner keeps backing off.
  var HEALTHY_MS = 10000;
  var CLOSE_SIGNED_OUT = 4401;
  var CLOSE_TOO_BIG = 1009;

  var socket = null;
  var generation = 0; // one number per connection, to know what was sent on which
  var streams = {};
  var pending = {};
  var nextRef = 1;
  var attempt = 0;
  var openedAt = 0;
  var lastFrameAt = 0;
  var pingTimer = null;
  var reconnectTimer = null;
  var stopped = false;
  var maxFrameBytes = 32 * 1024;
  var encoder = window.TextEncoder ? new TextEncoder() : null;

  function announce(state) {
    document.dispatchEvent(new CustomEvent("carecircle:live", { detail: { state: state } }));
  }

  function url() {
    var scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    return scheme + "//" + window.location.host + "/ws/";
  }

  function isOpen() {
    return !!socket && socket.readyState === WebSocket.OPEN;
  }

  function send(frame) {
    if (!isOpen()) return false;
    socket.send(JSON.stringify(frame));
    return true;
  }

  function byteLength(text) {
    return encoder ? encoder.encode(text).length : text.length * 3;
  }

  function subscribeFrame(name) {
    var options = streams[name];
    var frame = { type: "subscribe", stream: name };
    var after = options.after ? options.after() : null;
    if (typeof after === "number" && after >= 0) frame.after = after;
    return frame;
  }

  function settle(ref, ok, value) {
    var request = pending[ref];
    if (!request) return;
    delete pending[ref];
    if (ok) request.resolve(value); else request.reject(value);
  }

  function failPending(test, error) {
    Object.keys(pending).forEach(function (ref) {
      if (test(pending[ref])) settle(ref, false, error);
    });
  }

  function sendRequest(ref) {
    var request = pending[ref];
    if (request.sentOn === generation) return; // already on this connection: wait for its reply
    if (send(request.frame)) request.sentOn = generation;
  }

  function connect() {
    if (stopped || socket) return;
    window.clearTimeout(reconnectTimer);
    reconnectTimer = null;
    announce("connecting");
    var ws;
    try {
      ws = new WebSocket(url());
    } catch (error) {
      scheduleReconnect();
      return;
    }
    socket = ws;
    generation += 1;
    ws.addEventListener("open", function () {
      if (ws !== socket) return;
      openedAt = lastFrameAt = Date.now();
      announce("open");
      Object.keys(streams).forEach(function (name) { send(subscribeFrame(name)); });
      pingTimer = window.setInterval(keepAlive, KEEPALIVE_MS);
    });
    ws.addEventListener("message", function (message) {
      if (ws !== socket) return;
      lastFrameAt = Date.now();
      var frame;
      try { frame = JSON.parse(message.data); } catch (error) { return; }
      receive(frame);
    });
    ws.addEventListener("close", function (event) {
      if (ws === socket) dropped(event.code);
    });
  }

  function keepAlive() {
    if (Date.now() - lastFrameAt > SILENCE_MS) {
      var dead = socket;
      dropped(1006);
      try { dead.close(); } catch (error) { /* already closing */ }
      return;
    }
    send({ type: "ping" });
  }

  function dropped(code) {
    socket = null;
    window.clearInterval(pingTimer);
    pingTimer = null;
    if (openedAt && Date.now() - openedAt > HEALTHY_MS) attempt = 0;
    openedAt = 0;
    if (code === CLOSE_SIGNED_OUT) {
      signedOut();
      return;
    }
    announce("closed");
    if (code === CLOSE_TOO_BIG) {
      // The server refused a frame as too large; sending it again would only repeat this.
      failPending(function (request) { return request.sentOn === generation; }, { code: "too_big" });
    }
    // Requests that may not be repeated fail now; the rest wait for the next connection.
    failPending(function (request) { return !request.retry; }, { code: "disconnected" });
    scheduleReconnect();
  }

  function signedOut() {
    if (stopped) return;
    stopped = true;
    window.clearTimeout(reconnectTimer);
    reconnectTimer = null;
    failPending(function () { return true; }, { code: "signed_out" });
    announce("signed-out");
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
      if (request.frame.stream === name && request.retry) sendRequest(ref);
    });
  }

  function receive(frame) {
    if (frame.type === "batch") {
      // Frames that waited for this socket together, in order.
      (frame.frames || []).forEach(receive);
      return;
    }
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
      settle(frame.ref, !!frame.ok, frame.ok ? frame.data : frame);
    } else if (frame.type === "error" || frame.type === "unsubscribed") {
      if (frame.stream) {
        // The stream is gone for this page: its waiting requests cannot be answered.
        failPending(function (request) { return request.frame.stream === frame.stream; }, frame);
        if (frame.type === "unsubscribed" || frame.code !== "server_error") {
          delete streams[frame.stream];
        }
      }
      if (options && options.onError) options.onError(frame);
    } else if (frame.type === "hello") {
      if (typeof frame.max_frame_bytes === "number") maxFrameBytes = frame.max_frame_bytes;
    } else if (frame.type === "signed_out") {
      signedOut();
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
        if (stopped) {
          reject({ code: "signed_out" });
          return;
        }
        var ref = String(nextRef++);
        var full = Object.assign({}, frame, { stream: name, ref: ref });
        if (byteLength(JSON.stringify(full)) > maxFrameBytes) {
          reject({ code: "too_big" });
          return;
        }
        pending[ref] = { frame: full, resolve: resolve, reject: reject, retry: retry, sentOn: 0 };
        sendRequest(ref);
        if (!pending[ref].sentOn && !retry) {
          delete pending[ref];
          reject({ code: "disconnected" });
        }
        connect();
      });
    },
    isOpen: isOpen,
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
      attempt = 0;
      connect();
    }
  });
})();
