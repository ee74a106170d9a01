"""The moderator's home, the review queues, one item's page and the moderation log."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from carecircle.accounts import queries as account_queries
from carecircle.communities import queries as community_queries
from carecircle.communities.models import Community
from carecircle.communities.permissions import membership_of
from carecircle.core.errors import DomainError, PermissionDeniedError, ValidationFailed
from carecircle.core.http import private_no_store
from carecircle.core.ids import parse_int
from carecircle.core.interfaces import field_errors, page_errors
from carecircle.core.pagination import PageRequest, paginate
from carecircle.moderation import actions, permissions, queries
from carecircle.moderation.context_processors import remember_open_count
from carecircle.moderation.models import ModerationAction, ReviewItem
from carecircle.moderation.views.common import (
    guideline_headings,
    item_row,
    reason_label,
)

QUEUES = [code for code, _label in ReviewItem.Queue.choices]
# Decisions offered for each kind of item, in the order a moderator weighs them.
KIND_DECISIONS: dict[str, list[str]] = {
    ReviewItem.Kind.POST: ["dismiss", "hide", "unhide", "edit", "delete", "warn", "suspend", "ban"],
    ReviewItem.Kind.TOPIC: [
        "dismiss", "hide", "unhide", "edit", "lock", "unlock", "move", "delete", "warn",
        "suspend", "ban",
    ],
    ReviewItem.Kind.MESSAGE: ["dismiss", "hide", "unhide", "delete", "warn", "suspend", "ban"],
    ReviewItem.Kind.MEMBER: ["dismiss", "warn", "suspend", "ban"],
}  # fmt: skip
DECISION_LABELS = {
    "approve": _("Approve: publish it"),
    "reject": _("Reject: do not publish it"),
    "dismiss": _("Dismiss the reports: nothing wrong"),
    "hide": _("Hide it"),
    "unhide": _("Make it visible again"),
    "edit": _("Edit it"),
    "lock": _("Lock the topic"),
    "unlock": _("Unlock the topic"),
    "move": _("Move the topic to another community"),
    "delete": _("Delete it"),
    "warn": _("Warn the author"),
    "suspend": _("Suspend the author for some days"),
    "ban": _("Ban the author"),
    "escalate": _("Escalate to site staff (keeps it open)"),
}
REASON_REQUIRED = {"reject", "hide", "edit", "delete", "warn", "suspend", "ban"}


def _queues_for(actor: Any, community: Community) -> list[str]:
    """The queues `actor` works in this community: all of them for its moderators, the
    medical-accuracy queue for verified professionals who belong to it."""
    if permissions.can_moderate(actor, community):
        return QUEUES
    if getattr(actor, "is_professional", False) and membership_of(actor, community) is not None:
        return [ReviewItem.Queue.PROFESSIONAL]
    raise PermissionDeniedError(
        _("Only this community's moderators can open its review queue."), code="not_moderator"
    )


def _render_queue(
    request: HttpRequest, community: Community | None, allowed: list[str], template: str
) -> HttpResponse:
    actor = request.user
    counts = dict(
        queries.review_items(actor, community=community, queue=None)
        .order_by()
        .values_list("queue")
        .annotate(count=Count("id"))
    )
    current = request.GET.get("queue", "")
    if current not in allowed:
        # Open on the first queue with something waiting (safeguarding first when urgent).
        if counts.get(ReviewItem.Queue.SAFEGUARDING) and ReviewItem.Queue.SAFEGUARDING in allowed:
            current = ReviewItem.Queue.SAFEGUARDING
        else:
            current = next((code for code in allowed if counts.get(code)), allowed[0])
    page = paginate(
        queries.review_items(actor, community=community, queue=current),
        PageRequest.from_params(request.GET.get("page")),
    )
    labels = dict(ReviewItem.Queue.choices)
    tabs = [(code, labels[code], counts.get(code, 0)) for code in allowed]
    remember_open_count(request)
    context = {
        "community": community,
        "tabs": tabs,
        "current": current,
        "current_label": labels[current],
        "page": page,
        "rows": [item_row(item) for item in page.items],
        "query_prefix": f"queue={current}&",
        "can_moderate": permissions.can_moderate(actor, community),
    }
    return private_no_store(render(request, template, context))


@login_required
@page_errors
@require_GET
def moderation_home(request: HttpRequest) -> HttpResponse:
    """The communities the actor reviews, with how much is waiting in each."""
    actor: Any = request.user
    communities = queries.moderated_communities(actor)
    is_site_staff = bool(actor.is_site_staff)
    if not communities and not is_site_staff:
        raise PermissionDeniedError(
            _("This page is for moderators and verified professionals who review posts."),
            code="not_moderator",
        )
    remember_open_count(request)
    context = {
        "communities": communities,
        "is_site_staff": is_site_staff,
        "site_open": queries.review_items(actor, community=None).count() if is_site_staff else 0,
        "can_manage_site": permissions.can_manage_moderation_settings(actor, None),
        "is_site_admin": bool(actor.is_site_admin),
    }
    return private_no_store(render(request, "moderation/moderation_home.html", context))


@login_required
@page_errors
@require_GET
def moderation_queue(request: HttpRequest, slug: str) -> HttpResponse:
    community = community_queries.get_community(request.user, slug)
    allowed = _queues_for(request.user, community)
    return _render_queue(request, community, allowed, "moderation/moderation_queue.html")


@login_required
@page_errors
@require_GET
def moderation_site_queue(request: HttpRequest) -> HttpResponse:
    """Items with no community (private messages, members) and escalations, for site staff."""
    permissions.check_can_moderate(request.user, None)
    return _render_queue(request, None, QUEUES, "moderation/moderation_site_queue.html")


# --- one item ------------------------------------------------------------------------------------


def _decisions(actor: Any, item: ReviewItem) -> list[tuple[str, str]]:
    if item.kind == ReviewItem.Kind.APPEAL:
        return []
    codes = list(KIND_DECISIONS.get(item.kind, []))
    if item.queue == ReviewItem.Queue.APPROVAL:
        codes = ["approve", "reject", *[c for c in codes if c not in ("dismiss", "unhide")]]
    if not item.is_escalated:
        codes.append("escalate")
    return [
        (code, str(DECISION_LABELS[code]))
        for code in codes
        if permissions.can_act_on_item(actor, item, code)
    ]


def _grouped_reports(item: ReviewItem) -> list[tuple[str, list[Any]]]:
    groups: OrderedDict[str, list[Any]] = OrderedDict()
    for report in item.reports.all():
        groups.setdefault(reason_label(report), []).append(report)
    return sorted(groups.items(), key=lambda pair: -len(pair[1]))


def _content(item: ReviewItem) -> dict[str, Any]:
    """The words under review now, the words as first queued, and where to see them."""
    current_html = ""
    current_text = ""
    title = ""
    link = ""
    is_gone = False
    if item.post is not None:
        post = item.post
        current_text, current_html = post.body, post.body_html
        title = post.topic.title if post.position == 1 else ""
        is_gone = post.is_deleted
        link = post.get_absolute_url()
    elif item.topic is not None:
        title = item.topic.title
        is_gone = item.topic.is_deleted
        link = item.topic.get_absolute_url()
    elif item.message is not None:
        message = item.message
        current_text, current_html = message.body, message.body_html
        is_gone = message.deleted_at is not None
        room = message.room
        if room is not None:
            link = reverse("room_detail", kwargs={"slug": room.community.slug, "room": room.slug})
    elif item.member is not None:
        link = item.member.get_absolute_url()
    snapshot = item.body_snapshot or ""
    return {
        "title": title,
        "html": "" if is_gone else current_html,
        "is_gone": is_gone,
        "link": link,
        "snapshot": snapshot if snapshot and (is_gone or snapshot != current_text) else "",
    }


def _destinations(actor: Any, item: ReviewItem) -> list[Community]:
    if item.kind != ReviewItem.Kind.TOPIC:
        return []
    return [
        community
        for community, _count in queries.moderated_communities(actor)
        if community.pk != item.community_id and permissions.can_moderate(actor, community)
    ]


def _render_item(
    request: HttpRequest,
    item: ReviewItem,
    *,
    errors: dict[str, str] | None = None,
    form: str = "",
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = request.user
    content = _content(item)
    values = values or {}
    decisions = _decisions(actor, item)
    post = item.post
    show_context_note = bool(
        post is not None
        and item.queue == ReviewItem.Queue.PROFESSIONAL
        and permissions.can_add_context_note(actor, post)
    )
    appeal = item.appeal if item.kind == ReviewItem.Kind.APPEAL else None
    steps = (
        [
            (code, label, bool((item.checklist or {}).get(code)), (item.checklist or {}).get(code))
            for code, label in actions.SAFEGUARDING_STEPS
        ]
        if item.queue == ReviewItem.Queue.SAFEGUARDING
        else []
    )
    defaults = {
        "decision": "",
        "reason": "",
        "guideline": "",
        "days": "",
        "destination": "",
        "body": post.body if post is not None and not content["is_gone"] else "",
        "title": item.topic.title if item.topic is not None else "",
        "note_body": "",
        "resource_url": "",
        "resource_title": "",
        "uphold": "",
        "appeal_decision": "",
    }
    defaults.update(values)
    context = {
        "item": item,
        "content": content,
        "reports": _grouped_reports(item),
        "history": queries.item_context(actor, item),
        "decisions": decisions,
        "decision_codes": [code for code, _label in decisions],
        "reason_required": sorted(REASON_REQUIRED),
        "destinations": _destinations(actor, item)
        if any(d == "move" for d, _l in decisions)
        else [],
        "guidelines": guideline_headings(item.community),
        "show_context_note": show_context_note,
        "appeal": appeal,
        "can_decide_appeal": appeal is not None and permissions.can_decide_appeal(actor, appeal),
        "steps": steps,
        "errors": errors or {},
        # Each form shows only its own errors.
        "errors_for": {form: errors or {}} if form else {},
        "form": form,
        "values": defaults,
        "back": (
            reverse("moderation_queue", args=[item.community.slug]) + f"?queue={item.queue}"
            if item.community is not None
            else reverse("moderation_site_queue") + f"?queue={item.queue}"
        ),
    }
    return private_no_store(
        render(request, "moderation/moderation_item.html", context, status=status)
    )


def _post_values(request: HttpRequest, names: list[str]) -> dict[str, str]:
    return {name: request.POST.get(name, "") for name in names}


DECISION_FIELDS = ["decision", "reason", "guideline", "days", "destination", "body", "title"]


def _decide(request: HttpRequest, item: ReviewItem, values: dict[str, str]) -> str:
    decision = values["decision"]
    destination = None
    if decision == "move":
        destination = next(
            (c for c in _destinations(request.user, item) if c.slug == values["destination"]),
            None,
        )
    is_edit = decision == "edit"
    actions.resolve_item(
        actor=request.user,
        item=item,
        decision=decision,
        reason=values["reason"],
        guideline=values["guideline"],
        body=values["body"] if is_edit else None,
        title=(values["title"] or None) if is_edit and item.topic is not None else None,
        destination=destination,
        days=parse_int(values["days"]) if decision == "suspend" else None,
    )
    return _("Decision recorded: %(decision)s.") % {
        "decision": DECISION_LABELS.get(decision, decision)
    }


@login_required
@page_errors
@require_http_methods(["GET", "POST"])
def moderation_item(request: HttpRequest, item_id: int) -> HttpResponse:
    """One item: the content, its reports, the author's history and the forms to decide."""
    actor = request.user
    item = queries.review_item_for(actor, item_id)
    if request.method == "GET":
        return _render_item(request, item)
    form = request.POST.get("form", "decision")
    values: dict[str, str] = {}
    try:
        if form == "context_note":
            values = _post_values(request, ["note_body", "resource_url", "resource_title"])
            if item.post is None:
                raise PermissionDeniedError(_("Context notes go under posts."), code="not_a_post")
            actions.add_context_note(
                actor=actor,
                post=item.post,
                body=values["note_body"],
                resource_url=values["resource_url"],
                resource_title=values["resource_title"],
                item=item,
            )
            done = _("Your note is shown under the post.")
        elif form == "checklist":
            step = request.POST.get("step", "")
            is_done = request.POST.get("is_done") == "1"
            actions.update_safeguarding_checklist(
                actor=actor, item=item, step=step, is_done=is_done
            )
            done = _("Checklist updated.")
        elif form == "appeal":
            values = _post_values(request, ["uphold", "appeal_decision"])
            if item.appeal is None or values["uphold"] not in ("yes", "no"):
                raise ValidationFailed(
                    _("Choose whether to reverse the decision or keep it."), field="uphold"
                )
            actions.decide_appeal(
                actor=actor,
                appeal=item.appeal,
                uphold=values["uphold"] == "yes",
                decision=values["appeal_decision"],
            )
            done = _("Appeal decided. The member has been told.")
        else:
            form = "decision"
            values = _post_values(request, DECISION_FIELDS)
            done = _decide(request, item, values)
    except DomainError as error:
        errors = field_errors(error)
        if form == "context_note" and "body" in errors:
            errors["note_body"] = errors.pop("body")
        if form == "appeal" and "decision" in errors:
            errors["appeal_decision"] = errors.pop("decision")
        if form == "decision" and error.status == 403:
            errors = {"form": str(error.message)}
        item = queries.review_item_for(actor, item_id)
        return _render_item(
            request,
            item,
            errors=errors,
            form=form,
            values=values,
            status=400 if error.status in (403, 404) else error.status,
        )
    messages.success(request, done)
    item = queries.review_item_for(actor, item_id)
    if not item.is_open and form in ("decision", "appeal"):
        if item.community is not None:
            return redirect(
                reverse("moderation_queue", args=[item.community.slug]) + f"?queue={item.queue}"
            )
        return redirect(reverse("moderation_site_queue") + f"?queue={item.queue}")
    return redirect("moderation_item", item_id=item.pk)


# --- the log -------------------------------------------------------------------------------------


@login_required
@page_errors
@require_GET
def moderation_log(request: HttpRequest, slug: str = "") -> HttpResponse:
    """Every decision, newest first; filter by what was done and about whom."""
    actor = request.user
    community = community_queries.get_community(actor, slug) if slug else None
    permissions.check_can_read_moderation_log(actor, community)
    member = None
    handle = request.GET.get("member", "").strip().lstrip("@")
    errors: dict[str, str] = {}
    if handle:
        try:
            member = account_queries.get_member(handle)
        except DomainError as error:
            errors["member"] = str(error.message)
    entries = queries.moderation_log(actor, community=community, member=member)
    verb = request.GET.get("verb", "")
    if verb in ModerationAction.Verb.values:
        entries = entries.filter(verb=verb)
    else:
        verb = ""
    if errors:
        entries = entries.none()
    page = paginate(entries, PageRequest.from_params(request.GET.get("page")))
    kept = {name: value for name, value in (("verb", verb), ("member", handle)) if value}
    prefix = f"{urlencode(kept)}&" if kept else ""
    context = {
        "community": community,
        "page": page,
        "verbs": ModerationAction.Verb.choices,
        "verb": verb,
        "member_handle": handle,
        "errors": errors,
        "query_prefix": prefix,
    }
    return private_no_store(render(request, "moderation/moderation_log.html", context))
