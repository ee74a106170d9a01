"""Pages: the bell's list, opening and marking notifications, settings, watch levels.

Everything works with plain forms and links; notifications.js only keeps the header's count
current. Every page here is the member's own, so none is kept by a shared cache.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carecircle.communities.queries import visible_communities
from carecircle.core.errors import DomainError
from carecircle.core.http import private_no_store
from carecircle.core.ids import parse_id
from carecircle.core.interfaces import field_errors, page_errors
from carecircle.core.models import ModerationState
from carecircle.core.pagination import PageRequest, paginate
from carecircle.discussions.queries import get_topic
from carecircle.notifications import actions, forms, queries
from carecircle.notifications.models import (
    DigestFrequency,
    Notification,
    PushSubscription,
    WatchLevel,
)
from carecircle.notifications.presenters import describe


def site_relative(url: str) -> str:
    """`url` if it is a path on this site ("/t/3/"), else "" (never another host, never "//x")."""
    if not url or not url.startswith("/") or url.startswith("//") or url.startswith("/\\"):
        return ""
    if not url_has_allowed_host_and_scheme(url, allowed_hosts=None):
        return ""
    return url


def _next(request: HttpRequest, default: str) -> str:
    return site_relative(request.POST.get("next", "")) or default


def _own_notification(request: HttpRequest, notification_id: int) -> Notification:
    """The member's own notification, still readable; 404 for anyone else's (no leak)."""
    found = queries.notifications_for(request.user).filter(pk=notification_id).first()
    if found is None:
        raise Http404(_("Notification not found."))
    return found


# --- the list ------------------------------------------------------------------------------


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    """The member's notifications, newest first; `?unread=1` shows only the unread ones."""
    unread_only = request.GET.get("unread") == "1"
    page = paginate(
        queries.notifications_for(request.user, unread_only=unread_only),
        PageRequest.from_params(request.GET.get("page")),
    )
    entries = [(item, describe(item)) for item in page.items]
    context: dict[str, Any] = {
        "page": page,
        "entries": entries,
        "has_unread": any(item.read_at is None for item in page.items),
        "unread_only": unread_only,
        "query_prefix": "unread=1&" if unread_only else "",
        "next_url": request.get_full_path(),
    }
    return private_no_store(render(request, "notifications/notification_list.html", context))


@login_required
@require_GET
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark the notification read and go where it points (only ever a page on this site)."""
    notification = _own_notification(request, notification_id)
    if notification.read_at is None:
        actions.mark_read(actor=request.user, notification=notification)
    post = notification.post
    if (
        post is not None
        and notification.topic is not None
        and (post.is_deleted or post.moderation_state != ModerationState.VISIBLE)
    ):
        # The latest reply of a collapsed line is gone: the topic still has the others.
        return redirect(notification.topic.get_absolute_url())
    return redirect(site_relative(notification.url) or reverse("notification_list"))


@login_required
@require_POST
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    notification = _own_notification(request, notification_id)
    actions.mark_read(actor=request.user, notification=notification)
    return redirect(_next(request, reverse("notification_list")))


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    marked = actions.mark_all_read(actor=request.user)
    if marked:
        messages.success(request, _("All your notifications are marked as read."))
    return redirect(_next(request, reverse("notification_list")))


# --- settings ------------------------------------------------------------------------------


def _push_context(request: HttpRequest) -> dict[str, Any]:
    """What the devices section (DELIVERY's partial) needs."""
    from carecircle.notifications.delivery import vapid

    return {
        "push_subscriptions": list(
            PushSubscription.objects.filter(user_id=request.user.pk or 0).order_by("-created_at")
        ),
        "vapid_public_key": vapid.public_key(),
    }


def settings_errors(error: DomainError) -> dict[str, str]:
    """{field: message} for every problem the action found; the table's cells share one."""
    problems = error.details or [{"field": error.field or "form", "message": str(error.message)}]
    errors: dict[str, str] = {}
    for problem in problems:
        name = str(problem.get("field") or "form")
        if name.startswith("channels"):
            name = "channels"
        errors.setdefault(name, str(problem.get("message", "")))
    return errors or field_errors(error)


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request: HttpRequest) -> HttpResponse:
    """Which kinds reach the member where, details in emails, quiet hours, digest, pause."""
    saved = queries.settings_of(request.user)
    values = forms.values_from_row(saved)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        values = forms.values_from_post(request.POST, saved)
        try:
            forms.read_quiet_hours(values)
            actions.update_notification_settings(actor=request.user, **values.arguments)
        except DomainError as error:
            errors, status = settings_errors(error), error.status
        else:
            messages.success(request, _("Your notification settings are saved."))
            return redirect("notification_settings")
    context = {
        "values": values,
        "errors": errors,
        "rows": forms.channel_rows(values),
        "channel_names": forms.channel_names(),
        "digest_choices": DigestFrequency.choices,
        **_push_context(request),
    }
    return private_no_store(
        render(request, "notifications/notification_settings.html", context, status=status)
    )


# --- watch levels --------------------------------------------------------------------------


@login_required
@require_POST
@page_errors
def watch_set(request: HttpRequest) -> HttpResponse:
    """Set the member's watch level for one community (`community_id`) or topic (`topic_id`)."""
    level = request.POST.get("level", "")
    community_id = parse_id(request.POST.get("community_id"))
    topic_id = parse_id(request.POST.get("topic_id"))
    if topic_id is not None:
        topic = get_topic(request.user, topic_id)
        target: dict[str, Any] = {"topic": topic}
        default = topic.get_absolute_url()
    elif community_id is not None:
        community = visible_communities(request.user).filter(pk=community_id).first()
        if community is None:
            raise Http404(_("Community not found."))
        target = {"community": community}
        default = community.get_absolute_url()
    else:
        raise Http404(_("Choose a community or a topic to watch."))
    try:
        watch = actions.set_watch_level(actor=request.user, level=level, **target)
    except DomainError as error:
        if error.status in (403, 404):
            raise
        messages.error(request, str(error.message))
    else:
        messages.success(
            request,
            _("Notifications for this topic: %(level)s") % {"level": WatchLevel(watch.level).label}
            if topic_id is not None
            else _("Notifications for this community: %(level)s")
            % {"level": WatchLevel(watch.level).label},
        )
    return redirect(_next(request, default))
