"""A member reports a post, topic, message or member (works with and without JavaScript)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from carecircle.communities.models import Community
from carecircle.core.errors import DomainError, NotFoundError
from carecircle.core.http import private_no_store, safe_next
from carecircle.core.interfaces import field_errors, page_errors
from carecircle.discussions import queries as discussion_queries
from carecircle.messaging.queries.reports import message_for_report
from carecircle.moderation import actions, queries
from carecircle.moderation.models import Report, ReportReason
from carecircle.moderation.views.common import excerpt

REPORT_KINDS = ("post", "topic", "message", "member")
# "Custom" is not offered itself: each of the community's own reasons is its own choice.
BUILT_IN_REASONS = [choice for choice in Report.Reason.choices if choice[0] != "custom"]
CUSTOM_PREFIX = "custom:"


def _member_target(actor: Any, target_id: int) -> Any:
    # Members are reported from their public profile or a post byline, where the display name
    # is already shown to any signed-in member.
    from carecircle.accounts.models import User

    member = (
        User.objects.filter(pk=target_id, is_active=True).only("display_name", "handle").first()
    )
    if member is None:
        raise NotFoundError(_("Member not found."))
    return member


def _target(actor: Any, kind: str, target_id: int) -> dict[str, Any]:
    """What is being reported, as far as the reporter may read it; NotFoundError otherwise."""
    if kind == "post":
        post = discussion_queries.get_post(actor, target_id)
        return {
            "label": _("a post in “%(title)s”") % {"title": post.topic.title},
            "excerpt": "" if post.is_deleted else excerpt(post.body, 280),
            "community": post.topic.community,
            "back": post.get_absolute_url(),
            "is_own": queries.is_own_target(actor, "post", post),
        }
    if kind == "topic":
        topic = discussion_queries.get_topic(actor, target_id)
        return {
            "label": _("the topic “%(title)s”") % {"title": topic.title},
            "excerpt": "",
            "community": topic.community,
            "back": topic.get_absolute_url(),
            "is_own": queries.is_own_target(actor, "topic", topic),
        }
    if kind == "message":
        message = message_for_report(actor, target_id)
        room = message.room
        return {
            "label": _("a chat message") if room else _("a private message"),
            "excerpt": "" if message.deleted_at else excerpt(message.body, 280),
            "community": room.community if room else None,
            "back": (
                reverse("room_detail", kwargs={"slug": room.community.slug, "room": room.slug})
                if room
                else reverse("conversation_detail", args=[message.conversation_id])
            ),
            "is_own": message.author_id == actor.pk,
        }
    if kind == "member":
        member = _member_target(actor, target_id)
        return {
            "label": _("the member %(name)s") % {"name": member.display_name},
            "excerpt": "",
            "community": None,
            "back": member.get_absolute_url(),
            "is_own": member.pk == actor.pk,
        }
    raise NotFoundError(_("There is nothing to report here."))


def _custom_reasons(community: Community | None) -> list[ReportReason]:
    if community is None:
        return []
    return list(ReportReason.objects.filter(community=community, is_active=True))


def _reason_choices(custom: list[ReportReason]) -> list[tuple[str, str, str]]:
    """(value, label, description) for each radio button."""
    choices = [(str(value), str(label), "") for value, label in BUILT_IN_REASONS]
    # The community's own reasons come before "Something else", which stays last.
    other = choices.pop()
    choices += [
        (f"{CUSTOM_PREFIX}{reason.pk}", reason.label, reason.description) for reason in custom
    ]
    return [*choices, other]


def _split_reason(value: str) -> tuple[str, int | None]:
    if value.startswith(CUSTOM_PREFIX):
        try:
            return "custom", int(value.removeprefix(CUSTOM_PREFIX))
        except ValueError:
            return "custom", None
    return value, None


def _member_country(actor: Any) -> str:
    """The country on the member's profile (for their local helplines); "" when unknown."""
    from carecircle.accounts.models import Profile

    return Profile.objects.filter(user=actor).values_list("country", flat=True).first() or ""


@login_required
@page_errors
@require_http_methods(["GET", "POST"])
def report_create(request: HttpRequest, kind: str, target_id: int) -> HttpResponse:
    """The report form; on success thanks the member and, for a crisis, says where to get help."""
    if kind not in REPORT_KINDS:
        raise Http404(_("There is nothing to report here."))
    actor = request.user
    target = _target(actor, kind, target_id)
    custom = _custom_reasons(target["community"])
    back = safe_next(request) or target["back"]
    reason = request.POST.get("reason", "")
    note = request.POST.get("note", "")
    errors: dict[str, str] = {}
    status = 200
    template = "moderation/report_create.html"
    partial = "#report_form" if request.htmx else ""  # type: ignore[attr-defined]
    if request.method == "POST":
        reason_code, custom_id = _split_reason(reason)
        try:
            actions.report_content(
                actor=actor,
                kind=kind,
                target_id=target_id,
                reason=reason_code,
                note=note,
                custom_reason_id=custom_id,
            )
        except DomainError as error:
            errors, status = field_errors(error), error.status
            if error.code == "already_reported":
                errors = {}
                target["already_reported"] = True
                status = 200
        else:
            is_crisis = reason_code == Report.Reason.CRISIS
            context = {
                "target": target,
                "kind": kind,
                "back": back,
                "done": True,
                "is_crisis": is_crisis,
                "crisis_resources": (
                    queries.crisis_resources(_member_country(actor)) if is_crisis else []
                ),
            }
            done = f"{template}#report_done" if partial else template
            return private_no_store(render(request, done, context))
        if partial:
            # htmx swaps only 2xx answers: the form with its errors comes back as a 200.
            status = 200
    context = {
        "target": target,
        "kind": kind,
        "target_id": target_id,
        "reasons": _reason_choices(custom),
        "reason": reason,
        "note": note,
        "errors": errors,
        "next": back,
        "back": back,
    }
    return private_no_store(render(request, template + partial, context, status=status))
