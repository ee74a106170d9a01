// The live topic page: new replies, changed posts and reaction counts, without a reload.
//
// The stream "topic:<id>" (carecircle/discussions/streams.py) only says *that* something
// happened, by post id; the posts themselves are fetched as HTML fragments over HTTP, drawn for
// this reader. New and changed posts are never put in front of the reader unasked: a polite
// status region after the post list offers "N new replies — show them", and only a click (or
// Enter) appends them and moves focus to the first one. Reaction counts change in place,
// silently. Without this script (or without a connection) the page is the plain server page.
(function () {
  "use strict";
  var list = document.getElementById("posts");
  var region = document.querySelector("[data-live-status]");
  if (!list || !region || !window.CareCircleLive || !window.fetch || !window.Promise) return;

  var data = list.dataset;
  var stream = "topic:" + data.liveTopic;
  var isLastPage = list.hasAttribute("data-last-page");
  // The highest post id this page shows (or was told about, on pages before the last).
  var lastShown = parseInt(data.lastPost, 10) || 0;
  var pendingNew = {}; // post id -> position: announced, not shown yet
  var pendingChanged = {}; // post id -> true: on the page, changed since
  var note = "";
  var busy = false;
  var renderTimer = null;
  var renderedAt = 0;
  // A busy topic must not turn the status region into a running commentary.
  var QUIET_MS = 3000;

  var labels = {};
  (data.reactionLabels || "").split("|").forEach(function (pair) {
    var split = pair.indexOf("=");
    if (split > 0) labels[pair.slice(0, split)] = pair.slice(split + 1);
  });

  function counted(one, other, count) {
    return (count === 1 ? one : other).replace("{count}", String(count));
  }

  function withId(url, id) {
    // The page gives URLs reversed with id 0 ("/p/0/fragment/"); put the real id in its place.
    return url.replace(/\/0\/(?!.*\/0\/)/, "/" + id + "/");
  }

  function postElement(id) {
    return list.querySelector('article[data-post-id="' + id + '"]');
  }

  function ids(set) {
    return Object.keys(set).map(Number).sort(function (a, b) { return a - b; });
  }

  // --- the status region ----

  var noteElement = document.createElement("p");
  var row = document.createElement("div");
  row.className = "button-row";
  var newControl = document.createElement(isLastPage ? "button" : "a");
  if (isLastPage) {
    newControl.type = "button";
  } else {
    newControl.className = "button";
  }
  var changedControl = document.createElement("button");
  changedControl.type = "button";
  changedControl.className = "button-secondary";
  newControl.hidden = true;
  changedControl.hidden = true;
  noteElement.hidden = true;
  row.appendChild(newControl);
  row.appendChild(changedControl);
  region.appendChild(noteElement);
  region.appendChild(row);

  function render() {
    renderTimer = null;
    renderedAt = Date.now();
    var waiting = ids(pendingNew);
    var changed = ids(pendingChanged);
    setText(newControl, waiting.length ? counted(data.newOne, data.newOther, waiting.length) : "");
    newControl.hidden = !waiting.length;
    if (!isLastPage && waiting.length) newControl.href = withId(data.permalinkUrl, waiting[0]);
    setText(changedControl, changed.length ? counted(data.changedOne, data.changedOther, changed.length) : "");
    changedControl.hidden = !changed.length;
    setText(noteElement, note);
    noteElement.hidden = !note;
  }

  function setText(element, text) {
    // Unchanged text is left alone, so nothing is announced twice.
    if (element.textContent !== text) element.textContent = text;
  }

  function scheduleRender(now) {
    if (now) {
      window.clearTimeout(renderTimer);
      render();
      return;
    }
    if (renderTimer) return;
    var wait = Math.max(0, renderedAt + QUIET_MS - Date.now());
    renderTimer = window.setTimeout(render, wait);
  }

  // --- fetching and placing posts ----

  function fetchHtml(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error("fragment " + response.status);
        return response.text().then(function (text) {
          return { html: text, more: response.headers.get("X-More-Posts") === "1" };
        });
      });
  }

  function parsePosts(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    return Array.prototype.slice.call(template.content.querySelectorAll("article[data-post-id]"));
  }

  function activate(element) {
    if (window.htmx) window.htmx.process(element);
  }

  function focusPost(article) {
    article.setAttribute("tabindex", "-1");
    article.focus();
  }

  function showNew() {
    if (busy) return;
    busy = true;
    fetchHtml(withId(data.postsAfterUrl, lastShown)).then(function (answer) {
      var first = null;
      parsePosts(answer.html).forEach(function (article) {
        var id = Number(article.dataset.postId);
        if (id > lastShown) lastShown = id;
        delete pendingNew[id];
        if (postElement(id)) return;
        list.appendChild(article);
        activate(article);
        if (!first) first = article;
      });
      // Announced posts that did not come back were deleted meanwhile (or are not ours to see).
      if (!answer.more) {
        ids(pendingNew).forEach(function (id) { if (id <= lastShown) delete pendingNew[id]; });
      }
      scheduleRender(true);
      if (first) focusPost(first);
    }).catch(function () {
      // Leave the control in place: the reader can try again.
    }).then(function () { busy = false; });
  }

  function showChanged() {
    if (busy) return;
    busy = true;
    var wanted = ids(pendingChanged);
    Promise.all(wanted.map(function (id) {
      return fetchHtml(withId(data.postUrl, id)).then(function (answer) {
        var fresh = parsePosts(answer.html)[0];
        var old = postElement(id);
        delete pendingChanged[id];
        if (!fresh || !old) return null;
        old.replaceWith(fresh);
        activate(fresh);
        return fresh;
      }, function () { return null; });
    })).then(function (replaced) {
      scheduleRender(true);
      var first = replaced.filter(Boolean)[0];
      if (first) focusPost(first);
    }).then(function () { busy = false; });
  }

  newControl.addEventListener("click", function (event) {
    if (!isLastPage) return; // a link to the newest posts' page
    event.preventDefault();
    showNew();
  });
  changedControl.addEventListener("click", showChanged);

  // --- reaction counts, in place ----

  function countSpans(count) {
    var visible = document.createElement("span");
    visible.setAttribute("aria-hidden", "true");
    visible.textContent = "· " + count;
    var spoken = document.createElement("span");
    spoken.className = "visually-hidden";
    spoken.textContent = ", " + counted(data.peopleOne, data.peopleOther, count);
    return [visible, spoken];
  }

  function updateReactions(postId, counts) {
    var article = postElement(postId);
    if (!article) return;
    var bar = document.getElementById("reactions-" + postId);
    if (bar && bar.tagName === "FORM") {
      // A member's toggle buttons: only the numbers change, the pressed state is theirs.
      // The same markup as the server draws (discussion_tags.reaction_bar).
      Array.prototype.forEach.call(bar.querySelectorAll("button[name=kind]"), function (button) {
        var count = counts[button.value] || 0;
        var label = "";
        Array.prototype.forEach.call(button.childNodes, function (node) {
          if (node.nodeType === Node.TEXT_NODE) label += node.textContent;
        });
        button.textContent = label.trim() + (count ? " " : "");
        if (count) countSpans(count).forEach(function (span) { button.appendChild(span); });
      });
      return;
    }
    var body = article.querySelector(".post-body");
    if (!body) return;
    var shown = Object.keys(labels).filter(function (kind) { return counts[kind] > 0; });
    if (!shown.length) {
      if (bar) bar.remove();
      return;
    }
    if (!bar) {
      bar = document.createElement("p");
      bar.className = "post-actions";
      bar.id = "reactions-" + postId;
      body.after(bar);
    }
    bar.textContent = "";
    shown.forEach(function (kind, index) {
      if (index) bar.appendChild(document.createTextNode(" "));
      var badge = document.createElement("span");
      badge.className = "badge";
      badge.textContent = labels[kind] + " · " + counts[kind];
      bar.appendChild(badge);
    });
  }

  // --- the stream ----

  function onEvent(event) {
    var id = event.post_id;
    switch (event.type) {
      case "reply.new":
        if (id > lastShown && !postElement(id) && !(id in pendingNew)) {
          pendingNew[id] = event.position;
          scheduleRender(ids(pendingNew).length === 1);
        }
        break;
      case "reactions":
        updateReactions(id, event.counts || {});
        break;
      case "post.edited":
      case "post.removed":
      case "post.restored":
        if (postElement(id)) {
          pendingChanged[id] = true;
          scheduleRender(false);
        } else if (event.type === "post.removed" && id in pendingNew) {
          delete pendingNew[id];
          scheduleRender(false);
        } else if (event.type === "post.restored" && id > lastShown) {
          pendingNew[id] = 0;
          scheduleRender(false);
        }
        break;
      case "topic.locked":
        note = event.is_locked ? data.locked : data.unlocked;
        scheduleRender(true);
        break;
      case "backlog.truncated":
        note = data.truncated;
        scheduleRender(true);
        break;
    }
  }

  window.CareCircleLive.subscribe(stream, {
    // Pages before the last follow from now on: what came before is on the later pages.
    after: function () { return isLastPage ? lastShown : null; },
    onEvent: onEvent,
    onError: function () { /* not readable (any more): the page stays as it is */ }
  });
})();
