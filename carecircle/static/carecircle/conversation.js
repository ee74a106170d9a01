// Makes a conversation page live: new messages appear as they are sent, your own are sent over
// the page's socket (with an id of their own, so a send retried after a lost connection is
// stored once), typing is shown, and "seen" follows the others' read markers. The page works
// without this script: the form posts, the page reloads, older messages are a link away.
(function () {
  "use strict";
  var root, list, template, texts, me, streamName, newestId, announcer, typingBox, seenBox;
  var form, box, statusBox, emptyNote, isGroup;
  var pendingByClient = {};
  var typers = {};
  var readers = {};
  var ownNewest = 0;
  var lastTypingSent = 0;
  var readTimer = null;
  var TYPING_EVERY_MS = 3000;
  var TYPING_SHOWN_MS = 5000;

  function format(text, values) {
    return String(text || "").replace(/%\((\w+)\)s/g, function (_match, key) {
      return values[key] == null ? "" : String(values[key]);
    });
  }

  // "1 Dec 2026, 14:05" in the member's time zone, as the server writes it (j M Y, H:i).
  function timeText(iso) {
    var date = new Date(iso);
    try {
      var parts = {};
      new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
        day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit",
        hourCycle: "h23", timeZone: root.getAttribute("data-time-zone") || undefined
      }).formatToParts(date).forEach(function (part) { parts[part.type] = part.value; });
      return parts.day + " " + String(parts.month).replace(/\.$/, "") + " " + parts.year + ", " +
        parts.hour + ":" + parts.minute;
    } catch (error) {
      return date.toLocaleString();
    }
  }

  // "14:05" in the member's time zone, as the actions' hidden context says it (H:i).
  function clockText(iso) {
    var date = new Date(iso);
    try {
      var parts = {};
      new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
        hour: "2-digit", minute: "2-digit", hourCycle: "h23",
        timeZone: root.getAttribute("data-time-zone") || undefined
      }).formatToParts(date).forEach(function (part) { parts[part.type] = part.value; });
      return parts.hour + ":" + parts.minute;
    } catch (error) {
      return date.toTimeString().slice(0, 5);
    }
  }

  // The words a screen reader hears after "Edit", "Delete" or "Report", as on the server:
  // " (your message 14:05)" or " (Bo Hart 14:05)".
  function setContext(link, who, iso) {
    var span = link.querySelector("[data-context]");
    if (span) span.textContent = " (" + who + " " + clockText(iso) + ")";
  }

  function urlFor(attribute, id) {
    var url = root.getAttribute(attribute) || "";
    return url.replace(/\/0\//, "/" + id + "/");
  }

  function nearBottom() {
    var rect = list.getBoundingClientRect();
    return rect.bottom - window.innerHeight < 160;
  }

  function setState(item, text, failed) {
    var state = item.querySelector("[data-state]");
    var retry = item.querySelector("[data-retry]");
    if (state) {
      state.textContent = text || "";
      state.hidden = !text;
      state.classList.toggle("chat-message-failed", !!failed);
    }
    if (retry) retry.hidden = !failed;
    item.classList.toggle("chat-message-pending", !!text && !failed);
  }

  // Body, "edited" and the actions of an item already on the page (server- or script-made).
  function update(item, message) {
    var body = item.querySelector("[data-body]");
    var edited = item.querySelector("[data-edited]");
    var actions = item.querySelector("[data-actions]");
    item.classList.toggle("chat-message-deleted", !!message.is_deleted);
    if (body) {
      if (message.is_deleted) {
        body.innerHTML = "";
        var note = document.createElement("p");
        var words = document.createElement("em");
        words.textContent = message.deleted_by_moderator ? texts.removed : texts.deleted;
        note.appendChild(words);
        body.appendChild(note);
      } else {
        // Rendered and sanitised by the server (Markdown to safe HTML), as on the page.
        body.innerHTML = message.html;
      }
    }
    var files = item.querySelector("[data-attachments]");
    // The server's own attachments component; every file address checks access itself.
    if (files) files.innerHTML = message.is_deleted ? "" : (message.attachments_html || "");
    if (edited) edited.hidden = !message.edited_at || message.is_deleted;
    if (actions && message.is_deleted) actions.hidden = true;
  }

  function fill(item, message) {
    var author = message.author;
    var own = !!author && author.handle === me;
    item.id = "message-" + message.id;
    item.setAttribute("data-message-id", String(message.id));
    item.classList.toggle("chat-message-own", own);
    item.querySelector(".chat-message-author").textContent = author ? author.display_name : texts.former_member;
    var time = item.querySelector("time");
    time.setAttribute("datetime", message.created_at);
    time.textContent = timeText(message.created_at);
    var edit = item.querySelector("[data-edit]");
    var remove = item.querySelector("[data-delete]");
    var report = item.querySelector("[data-report]");
    if (edit) { edit.hidden = !own; edit.href = urlFor("data-edit-url", message.id); }
    if (remove) { remove.hidden = !own; remove.href = urlFor("data-delete-url", message.id); }
    if (report) { report.hidden = own || !author; report.href = urlFor("data-report-url", message.id); }
    [edit, remove].forEach(function (link) {
      if (link) setContext(link, texts.your_message, message.created_at);
    });
    if (report && author) setContext(report, author.display_name, message.created_at);
    update(item, message);
    if (own && !message.is_deleted) ownNewest = Math.max(ownNewest, message.id);
  }

  function blank() {
    return template.content.firstElementChild.cloneNode(true);
  }

  function append(item) {
    var follow = nearBottom();
    list.appendChild(item);
    if (emptyNote) emptyNote.hidden = true;
    if (follow && item.scrollIntoView) item.scrollIntoView({ block: "nearest" });
  }

  // Messages stay in id order (the order they were stored), whatever order they arrive in:
  // the item goes before the first shown message with a greater id. Ones still being sent
  // have no id yet and stay last.
  function place(item, id) {
    var follow = nearBottom();
    var children = list.children;
    var before = null;
    for (var index = 0; index < children.length; index++) {
      var other = children[index];
      if (other === item) continue;
      var otherId = parseInt(other.getAttribute("data-message-id"), 10);
      if (otherId > id) { before = other; break; }
    }
    if (before) list.insertBefore(item, before); else list.appendChild(item);
    if (emptyNote) emptyNote.hidden = true;
    if (!before && follow && item.scrollIntoView) item.scrollIntoView({ block: "nearest" });
  }

  function remember(id) {
    if (id > newestId) newestId = id;
  }

  function onNew(message) {
    remember(message.id);
    if (document.getElementById("message-" + message.id)) return;
    var pending = message.client_id ? pendingByClient[message.client_id] : null;
    if (pending) {
      delete pendingByClient[message.client_id];
      fill(pending, message);
      place(pending, message.id);
      setState(pending, "", false);
      refreshSeen();
      return;
    }
    var item = blank();
    fill(item, message);
    place(item, message.id);
    if (message.author && message.author.handle !== me) {
      stopTyping(message.author.handle);
      announcer.textContent = format(texts.new_message, { name: message.author.display_name });
      markRead();
    }
    refreshSeen();
  }

  function onChanged(message) {
    var item = document.getElementById("message-" + message.id);
    if (item) update(item, message);
    refreshSeen();
  }

  // --- read markers and "seen" ----------------------------------------------------------------

  function markRead() {
    if (document.hidden) return;
    window.clearTimeout(readTimer);
    readTimer = window.setTimeout(function () {
      var id = newestId;
      window.CareCircleLive.request(streamName, { type: "read", message_id: id }).catch(function () {});
    }, 500);
  }

  // Whether the member's own newest message is the last one shown: "seen" sits directly
  // under it, never under someone else's message (or one still being sent).
  function ownNewestIsLast() {
    var last = list.lastElementChild;
    return !!last && !last.classList.contains("chat-message-deleted") &&
      parseInt(last.getAttribute("data-message-id"), 10) === ownNewest;
  }

  function refreshSeen() {
    if (!seenBox || root.getAttribute("data-shares-receipts") !== "yes") return;
    if (!ownNewest || !ownNewestIsLast()) { seenBox.hidden = true; return; }
    // Nobody is shown as having seen a message from before they were added.
    var names = Object.keys(readers).filter(function (handle) {
      return readers[handle].id >= ownNewest && readers[handle].from < ownNewest;
    }).map(function (handle) { return readers[handle].name; });
    if (!names.length) { seenBox.hidden = true; return; }
    seenBox.textContent = isGroup ? format(texts.seen_by, { names: names.join(", ") }) : texts.seen;
    seenBox.hidden = false;
  }

  function onRead(event) {
    if (!event.user) return;
    readers[event.user.handle] = {
      name: event.user.display_name, id: event.message_id, from: event.history_from || 0
    };
    refreshSeen();
  }

  // --- typing -------------------------------------------------------------------------------

  function showTyping() {
    var names = Object.keys(typers).map(function (handle) { return typers[handle].name; });
    typingBox.textContent = names.length ? format(texts.typing, { name: names.join(", ") }) : "";
  }

  function stopTyping(handle) {
    if (!typers[handle]) return;
    window.clearTimeout(typers[handle].timer);
    delete typers[handle];
    showTyping();
  }

  function onTyping(event) {
    if (!event.user || event.user.handle === me) return;
    var handle = event.user.handle;
    if (typers[handle]) window.clearTimeout(typers[handle].timer);
    typers[handle] = {
      name: event.user.display_name,
      timer: window.setTimeout(function () { stopTyping(handle); }, TYPING_SHOWN_MS)
    };
    showTyping();
  }

  function sendTyping() {
    var now = Date.now();
    if (now - lastTypingSent < TYPING_EVERY_MS || !window.CareCircleLive.isOpen()) return;
    lastTypingSent = now;
    window.CareCircleLive.request(streamName, { type: "typing" }).catch(function () {});
  }

  // --- sending ------------------------------------------------------------------------------

  function send(item, clientId, text, confirmed) {
    setState(item, texts.sending, false);
    var frame = { type: "send", client_id: clientId, body: text };
    if (confirmed) frame.confirmed = true;
    window.CareCircleLive.request(streamName, frame, { retry: true }).then(function (message) {
      if (message.support && window.CareCircleSafety) window.CareCircleSafety.support(form, message.support);
      remember(message.id);
      if (pendingByClient[clientId]) {
        delete pendingByClient[clientId];
        var twin = document.getElementById("message-" + message.id);
        if (twin && twin !== item) twin.parentNode.removeChild(twin);
        fill(item, message);
        place(item, message.id);
      }
      setState(item, "", false);
      refreshSeen();
    }, function (error) {
      if (error && error.code === "confirmation_needed" && window.CareCircleSafety) {
        // Nothing was stored: take the waiting bubble away, keep the words, ask first.
        if (item.parentNode) item.parentNode.removeChild(item);
        delete pendingByClient[clientId];
        if (!box.value) box.value = text;
        window.CareCircleSafety.confirm(form, box, error, function () {
          box.value = "";
          append(item);
          pendingByClient[clientId] = item;
          send(item, clientId, text, true);
        });
        return;
      }
      var reason = error && error.message ? " " + error.message : "";
      setState(item, texts.failed + reason, true);
      if (error && error.code === "invalid" && !box.value) box.value = text;
    });
  }

  function onSubmit(event) {
    var text = box.value.trim();
    if (!text || !window.CareCircleLive) return; // the server answers with its message
    // With files the form goes the plain way: the server shows any description it still
    // needs beside its picture, and keeps everything typed.
    if (window.CareCircleAttach && window.CareCircleAttach.choices(form).length) return;
    event.preventDefault();
    var idField = form.querySelector("input[name=client_id]");
    var clientId = idField.value || window.CareCircleLive.newId();
    idField.value = window.CareCircleLive.newId();
    var item = blank();
    item.removeAttribute("data-message-id");
    item.querySelector(".chat-message-author").textContent = root.getAttribute("data-my-name") || "";
    item.classList.add("chat-message-own");
    item.querySelector("[data-body]").textContent = text;
    var retry = item.querySelector("[data-retry]");
    retry.addEventListener("click", function () { send(item, clientId, text); });
    pendingByClient[clientId] = item;
    append(item);
    box.value = "";
    statusBox.textContent = "";
    seenBox.hidden = true;
    send(item, clientId, text);
  }

  // --- the stream ---------------------------------------------------------------------------

  function onEvent(event) {
    if (event.type === "message.new") onNew(event.message);
    else if (event.type === "message.edited" || event.type === "message.deleted") onChanged(event.message);
    else if (event.type === "typing") onTyping(event);
    else if (event.type === "read") onRead(event);
    else if (event.type === "backlog.truncated") statusBox.textContent = texts.reload;
  }

  function onError(frame) {
    if (frame.type === "unsubscribed" || frame.code === "forbidden") {
      statusBox.textContent = texts.closed;
      if (form) form.hidden = true;
    }
  }

  function start() {
    root = document.getElementById("chat");
    if (!root || !root.getAttribute("data-stream") || !window.CareCircleLive) return;
    list = document.getElementById("message-list");
    template = document.getElementById("message-template");
    var textsNode = document.getElementById("chat-texts");
    texts = textsNode ? JSON.parse(textsNode.textContent) : {};
    me = root.getAttribute("data-me");
    streamName = root.getAttribute("data-stream");
    newestId = parseInt(root.getAttribute("data-newest-id"), 10) || 0;
    ownNewest = parseInt(root.getAttribute("data-seen-message-id"), 10) || 0;
    isGroup = root.getAttribute("data-group") === "yes";
    announcer = document.getElementById("chat-announcer");
    typingBox = document.getElementById("chat-typing");
    seenBox = document.getElementById("chat-seen");
    emptyNote = document.getElementById("chat-empty");
    form = root.getAttribute("data-can-write") === "yes" ? document.getElementById("compose") : null;
    box = form ? form.querySelector("textarea[name=body]") : null;
    statusBox = document.getElementById("chat-status") || announcer;
    if (form && box) {
      form.addEventListener("submit", onSubmit);
      box.addEventListener("input", sendTyping);
      box.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
          event.preventDefault();
          if (form.requestSubmit) form.requestSubmit(); else onSubmit(event);
        }
      });
    }
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) markRead();
    });
    document.addEventListener("carecircle:live", function (event) {
      var state = event.detail && event.detail.state;
      if (state === "closed" && form) statusBox.textContent = texts.offline;
      else if (state === "open" && statusBox.textContent === texts.offline) statusBox.textContent = "";
    });
    window.CareCircleLive.subscribe(streamName, {
      after: function () { return newestId; },
      onEvent: onEvent,
      onError: onError
    });
  }

  document.addEventListener("DOMContentLoaded", start);
})();
