/* The moderation gate in live chat: "please check before sending" and private crisis support.
 *
 * CareCircleSafety.confirm(anchor, box, error, sendAnyway): shows a notice after `anchor`
 * listing what the server found (error.details when the socket sends them, else its message),
 * with "Send anyway" (calls sendAnyway) and "Edit" (focuses the kept text in `box`).
 * CareCircleSafety.support(anchor, support): shows the helplines the server sent with an ack.
 * Texts come from data-* attributes on the anchor's closest [data-safety-texts] element.
 */
(function () {
  "use strict";

  function texts(anchor) {
    var holder = anchor.closest("[data-safety-texts]") || anchor;
    return function (name, fallback) { return holder.getAttribute("data-safety-" + name) || fallback; };
  }

  function clear(anchor, kind) {
    var old = anchor.parentNode.querySelector("[data-safety-box=" + kind + "]");
    if (old) old.parentNode.removeChild(old);
  }

  function confirm(anchor, box, error, sendAnyway) {
    var t = texts(anchor);
    clear(anchor, "check");
    var notice = document.createElement("section");
    notice.className = "notice notice-warn safety-check";
    notice.setAttribute("data-safety-box", "check");
    notice.setAttribute("role", "alert");
    var heading = document.createElement("h2");
    heading.className = "safety-heading";
    heading.textContent = t("heading", "Please check before you send");
    notice.appendChild(heading);
    var details = (error && error.details) || [];
    var found = details.filter(function (d) { return d.kind === "personal_details" || d.kind === "misinformation"; });
    if (found.length) {
      var list = document.createElement("ul");
      found.forEach(function (d) {
        var item = document.createElement("li");
        item.textContent = d.explanation + (d.matched && d.kind === "personal_details" ? " (" + d.matched + ")" : "");
        list.appendChild(item);
      });
      notice.appendChild(list);
    } else {
      var message = document.createElement("p");
      message.textContent = (error && error.message) || "";
      notice.appendChild(message);
    }
    var kept = document.createElement("p");
    kept.className = "meta";
    kept.textContent = t("kept", "Nothing was sent. Your text is kept.");
    notice.appendChild(kept);
    var row = document.createElement("div");
    row.className = "button-row";
    var edit = document.createElement("button");
    edit.type = "button";
    edit.className = "button-secondary";
    edit.textContent = t("edit", "Edit");
    edit.addEventListener("click", function () { clear(anchor, "check"); box.focus(); });
    var anyway = document.createElement("button");
    anyway.type = "button";
    anyway.textContent = t("anyway", "Send anyway");
    anyway.addEventListener("click", function () { clear(anchor, "check"); sendAnyway(); });
    row.appendChild(edit);
    row.appendChild(anyway);
    notice.appendChild(row);
    anchor.parentNode.insertBefore(notice, anchor.nextSibling);
    heading.setAttribute("tabindex", "-1");
    heading.focus();
  }

  function support(anchor, data) {
    if (!data || !data.message) return;
    var t = texts(anchor);
    clear(anchor, "support");
    var section = document.createElement("section");
    section.className = "card support-box";
    section.setAttribute("data-safety-box", "support");
    var heading = document.createElement("h2");
    heading.textContent = t("support", "Support is available");
    section.appendChild(heading);
    var status = document.createElement("div");
    status.setAttribute("role", "status");
    var text = document.createElement("p");
    text.textContent = data.message;
    status.appendChild(text);
    section.appendChild(status);
    var list = document.createElement("ul");
    list.className = "support-resources";
    (data.resources || []).forEach(function (resource) {
      var item = document.createElement("li");
      var name = document.createElement("strong");
      name.textContent = resource.name;
      item.appendChild(name);
      if (resource.phone) {
        item.appendChild(document.createTextNode(" — "));
        var phone = document.createElement("a");
        phone.href = "tel:" + resource.phone.replace(/\s+/g, "");
        phone.textContent = resource.phone;
        item.appendChild(phone);
      }
      if (resource.url) {
        item.appendChild(document.createElement("br"));
        var link = document.createElement("a");
        link.href = resource.url;
        link.rel = "noopener";
        link.textContent = resource.url;
        item.appendChild(link);
      }
      list.appendChild(item);
    });
    section.appendChild(list);
    anchor.parentNode.insertBefore(section, anchor.nextSibling);
  }

  window.CareCircleSafety = { confirm: confirm, support: support };
})();
