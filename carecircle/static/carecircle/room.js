// A chat room page made live: follows the room's stream (realtime.js), sends over the socket,
// shows who is here and who is writing. Without it the page still works: the form posts, the
// page shows the latest messages, "Older messages" pages back.
//
// Never moves the keyboard focus; new messages are announced politely, several at a time.
(function () {
  "use strict";

  var root = document.getElementById("room");
  if (!root || root.dataset.live !== "true") return;
  if (window.CareCircleLive) {
    start();
  } else {
    // Pages that do not load the live connection themselves get it here, once.
    var loader = document.createElement("script");
    loader.src = root.dataset.realtimeSrc;
    loader.nonce = document.currentScript ? document.currentScript.nonce : "";
    loader.addEventListener("load", function () { if (window.CareCircleLive) start(); });
    document.head.appendChild(loader);
  }

  function start() {
    var live = window.CareCircleLive;
    var stream = root.dataset.stream;
    var ownHandle = root.dataset.ownHandle;
    var canModerate = root.dataset.canModerate === "true";
    var log = document.getElementById("room-log");
    var empty = document.getElementById("room-empty");
    var template = document.getElementById("room-message-template");
    var announcer = document.getElementById("room-announcer");
    var typingLine = document.getElementById("room-typing");
    var form = document.getElementById("room-composer");
    var presenceList = document.getElementById("presence-list");
    var presenceCount = document.getElementById("presence-count");
    var presenceMore = document.getElementById("presence-more");
    var presenceEmpty = document.getElementById("presence-empty");
    var lastId = parseInt(root.dataset.lastId, 10) || 0;
    var text = function (name) { return root.getAttribute("data-text-" + name) || ""; };
    var fill = function (pattern, values) {
      return pattern.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
    };

    var parts;
    try {
      parts = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
        day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
        timeZone: root.dataset.timeZone || undefined
      });
    } catch (error) {
      parts = new Intl.DateTimeFormat(undefined, {
        day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23"
      });
    }
    // "1 Dec, 19:02" in the member's time zone, as the page itself writes it.
    var timeFormat = {
      format: function (date) {
        var found = {};
        parts.formatToParts(date).forEach(function (part) { found[part.type] = part.value; });
        return found.day + " " + found.month + ", " + found.hour + ":" + found.minute;
      }
    };

    // --- messages ----

    function nearBottom() {
      return log.scrollHeight - log.scrollTop - log.clientHeight < 80;
    }

    function scrollToEnd() {
      log.scrollTop = log.scrollHeight;
    }

    function link(href, label, context) {
      var a = document.createElement("a");
      a.href = href;
      a.textContent = label;
      var hidden = document.createElement("span");
      hidden.className = "visually-hidden";
      hidden.textContent = " (" + context + ")";
      a.appendChild(hidden);
      return a;
    }

    function render(item, message) {
      var own = !!message.author && message.author.handle === ownHandle;
      var name = message.author ? message.author.display_name : text("former");
      var created = new Date(message.created_at);
      item.id = "message-" + message.id;
      item.setAttribute("data-message-id", message.id);
      item.className = "room-message" + (own ? " room-message-own" : "") +
        (message.is_deleted ? " room-message-deleted" : "");
      item.querySelector(".room-message-author").textContent = name;
      var time = item.querySelector("time");
      time.setAttribute("datetime", message.created_at);
      time.textContent = timeFormat.format(created);
      var body = item.querySelector(".room-message-body");
      if (message.is_deleted) {
        body.textContent = "";
        var note = document.createElement("p");
        var em = document.createElement("em");
        em.textContent = message.deleted_by_moderator ? text("removed") : text("deleted");
        note.appendChild(em);
        body.appendChild(note);
      } else {
        // Sanitised on the server, exactly the HTML the page itself shows.
        body.innerHTML = message.html;
      }
      var files = item.querySelector("[data-attachments]");
      // The server's own attachments component; every file address checks access itself.
      if (files) files.innerHTML = message.is_deleted ? "" : (message.attachments_html || "");
      var actions = item.querySelector(".room-message-actions");
      if (!actions) return item;
      actions.textContent = "";
      var context = name + ", " + time.textContent;
      if (!message.is_deleted && (own || canModerate)) {
        actions.appendChild(link(
          root.dataset.deleteUrl.replace("/0/", "/" + message.id + "/"), text("delete"), context));
      }
      if (!message.is_deleted && root.dataset.reportUrl && message.author && !own) {
        actions.appendChild(link(
          root.dataset.reportUrl + message.id + "/?next=" + root.dataset.next, text("report"), context));
      }
      actions.hidden = !actions.firstChild;
      return item;
    }

    var pendingAnnouncements = [];
    var announceTimer = null;

    function announce(message) {
      if (!message.author || message.author.handle === ownHandle) return;
      pendingAnnouncements.push(message.author.display_name);
      if (announceTimer) return;
      announceTimer = window.setTimeout(function () {
        var names = pendingAnnouncements;
        pendingAnnouncements = [];
        announceTimer = null;
        announcer.textContent = names.length === 1
          ? fill(text("new-one"), { name: names[0] })
          : fill(text("new-many"), { count: names.length });
      }, 1500);
    }

    // The first message shown with a greater id than `id` (null: none, so `id` goes last).
    function followerOf(id) {
      var follower = null;
      for (var item = log.lastElementChild; item; item = item.previousElementSibling) {
        if (parseInt(item.getAttribute("data-message-id"), 10) < id) break;
        follower = item;
      }
      return follower;
    }

    // `kind`: "new" (from the stream: announced), "sent" (the reply to our own send), or
    // "changed" (edited or deleted). A message already shown is never added twice, and only a
    // change redraws it: a late copy of a new message must not bring back deleted words.
    function show(message, kind) {
      var existing = document.getElementById("message-" + message.id);
      if (existing) {
        if (kind === "changed") render(existing, message);
        return;
      }
      var stick = nearBottom();
      var item = render(template.content.firstElementChild.cloneNode(true), message);
      // Messages arrive in any order (the reply to a send, the stream, a catch-up): by id.
      log.insertBefore(item, followerOf(message.id));
      if (empty) empty.hidden = true;
      if (message.id > lastId) lastId = message.id;
      if (stick) scrollToEnd();
      if (kind === "new") announce(message);
      clearTyping(message.author && message.author.handle);
    }

    // --- presence and typing ----

    var present = {};
    var presentTotal = 0;
    Array.prototype.forEach.call(presenceList.querySelectorAll("li"), function (item) {
      present[item.getAttribute("data-handle")] = item.textContent;
    });
    presentTotal = Object.keys(present).length;

    function renderPresence() {
      var handles = Object.keys(present).sort(function (a, b) {
        return present[a].localeCompare(present[b]);
      });
      presenceList.textContent = "";
      handles.forEach(function (handle) {
        var item = document.createElement("li");
        item.setAttribute("data-handle", handle);
        item.textContent = present[handle];
        presenceList.appendChild(item);
      });
      presentTotal = Math.max(presentTotal, handles.length);
      presenceCount.textContent = "(" + presentTotal + ")";
      presenceEmpty.hidden = handles.length > 0;
      presenceMore.hidden = presentTotal <= handles.length;
      presenceMore.textContent = fill(text("more"), { count: presentTotal - handles.length });
    }

    var typing = {};

    function renderTyping() {
      var names = Object.keys(typing).map(function (handle) { return typing[handle].name; });
      typingLine.textContent = names.length ? fill(text("typing"), { name: names.join(", ") }) : "";
    }

    function clearTyping(handle) {
      if (!handle || !typing[handle]) return;
      window.clearTimeout(typing[handle].timer);
      delete typing[handle];
      renderTyping();
    }

    // --- composer state ----

    function setComposerNotice(message) {
      if (!form) return;
      form.hidden = true;
      var notice = document.createElement("p");
      notice.className = "notice notice-warn";
      notice.textContent = message;
      form.parentNode.insertBefore(notice, form);
    }

    // --- the stream ----

    function onEvent(event) {
      switch (event.type) {
        case "message.new":
          show(event.message, "new");
          break;
        case "message.edited":
        case "message.deleted":
          show(event.message, "changed");
          break;
        case "presence":
          present = {};
          event.members.forEach(function (member) { present[member.handle] = member.display_name; });
          presentTotal = event.count;
          renderPresence();
          break;
        case "presence.joined":
          if (!present[event.member.handle]) {
            present[event.member.handle] = event.member.display_name;
            presentTotal += 1;
          }
          renderPresence();
          break;
        case "presence.left":
          if (present[event.member.handle]) {
            delete present[event.member.handle];
            presentTotal = Math.max(0, presentTotal - 1);
          }
          clearTyping(event.member.handle);
          renderPresence();
          break;
        case "typing":
          var handle = event.user.handle;
          if (typing[handle]) window.clearTimeout(typing[handle].timer);
          typing[handle] = {
            name: event.user.display_name,
            timer: window.setTimeout(function () { clearTyping(handle); }, 5000)
          };
          renderTyping();
          break;
        case "backlog.truncated":
          var notice = document.createElement("p");
          notice.className = "notice";
          notice.textContent = text("reload") + " ";
          var reload = document.createElement("a");
          reload.href = window.location.pathname;
          reload.textContent = text("reload-link");
          notice.appendChild(reload);
          log.parentNode.insertBefore(notice, log);
          break;
        case "room.archived":
          if (event.is_archived) setComposerNotice(text("ended"));
          break;
        case "restriction":
          if (event.until) setComposerNotice(text("muted"));
          break;
      }
    }

    live.subscribe(stream, {
      after: function () { return lastId; },
      onEvent: onEvent,
      onError: function (frame) {
        if (frame.type === "unsubscribed" || frame.code === "forbidden") setComposerNotice(text("ended"));
      }
    });

    scrollToEnd();

    if (!form) return;

    // A closed room with a session coming: the form appears when the room opens.
    if (form.hidden && form.getAttribute("data-opens-at")) {
      var wait = new Date(form.getAttribute("data-opens-at")).getTime() - Date.now();
      if (wait < 2147483647) {
        window.setTimeout(function () {
          form.hidden = false;
          var closed = document.getElementById("room-closed-notice");
          if (closed) closed.hidden = true;
        }, Math.max(0, wait));
      }
    }

    var textarea = form.querySelector("textarea");
    var clientId = form.querySelector("input[name=client_id]");
    var error = document.getElementById("error_body");
    var status = document.getElementById("room-send-status");
    var lastTyping = 0;

    function showError(message) {
      error.textContent = message || "";
      error.hidden = !message;
      if (message) {
        textarea.setAttribute("aria-invalid", "true");
        error.setAttribute("role", "alert");
      } else {
        textarea.removeAttribute("aria-invalid");
        error.removeAttribute("role");
      }
    }

    form.addEventListener("submit", function (submit) {
      // With files the form goes the plain way: the server shows any description it still
      // needs beside its picture, and keeps everything typed.
      if (window.CareCircleAttach && window.CareCircleAttach.choices(form).length) return;
      submit.preventDefault();
      var body = textarea.value;
      var id = clientId.value || live.newId();
      // The next message gets its own id at once, even if this one is still on its way.
      clientId.value = live.newId();
      showError("");
      status.textContent = live.isOpen() ? text("sending") : text("waiting");
      sendRoomMessage(id, body, false);
    });

    function sendRoomMessage(id, body, confirmed) {
      var frame = { type: "send", client_id: id, body: body };
      if (confirmed) frame.confirmed = true;
      live.request(stream, frame, { retry: true }).then(
        function (message) {
          status.textContent = "";
          show(message, "sent");
          scrollToEnd();
          if (message.support && window.CareCircleSafety) window.CareCircleSafety.support(form, message.support);
          // Only clear what was sent: the member may have started the next message meanwhile.
          if (textarea.value === body) textarea.value = "";
        },
        function (failure) {
          status.textContent = "";
          if (failure && failure.code === "confirmation_needed" && window.CareCircleSafety) {
            // Nothing was sent; the words stay in the box until the member decides.
            window.CareCircleSafety.confirm(form, textarea, failure, function () {
              sendRoomMessage(id, body, true);
            });
            return;
          }
          showError(failure.message || "");
        }
      );
    }

    textarea.addEventListener("keydown", function (key) {
      if (key.key === "Enter" && (key.ctrlKey || key.metaKey)) {
        key.preventDefault();
        form.requestSubmit();
      }
    });

    textarea.addEventListener("input", function () {
      var now = Date.now();
      if (now - lastTyping < 3000 || !textarea.value.trim() || !live.isOpen()) return;
      lastTyping = now;
      live.request(stream, { type: "typing" }).catch(function () {});
    });
  }
})();
