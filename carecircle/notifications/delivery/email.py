"""Notification emails: one message per member for what they have not read in the bell.

A notification gets an `email_due_at` a few minutes after it happens; if the member reads it
in-app first, no email goes. Every minute `send_due_emails` gathers each member's due lines into
one message. Without the member's opt-in (`email_includes_details`) the message says only what
kind of thing happened and how often (`kinds.generic`): no words of a post, no topic title, no
community name, no name of who wrote, since an inbox can be read over a shoulder and the name
of a condition community is health information.
"""

from __future__ import annotations

import logging
import re
import smtplib
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, mailers
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from carecircle.communities.permissions import can_read_community
from carecircle.core.mail import UnfoldedHeadersEmail
from carecircle.notifications import preferences
from carecircle.notifications.delivery import unsubscribe
from carecircle.notifications.kinds import get_kind
from carecircle.notifications.models import Notification, NotificationSettings
from carecircle.notifications.queries import readable_filter

logger = logging.getLogger(__name__)

#: Members handled per round of queries.
BATCH = 200
EXCERPT_LENGTH = 200
VISIBLE = "visible"

NOTIFICATIONS_PATH = "/notifications/"
SETTINGS_PATH = "/notifications/settings/"


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def open_path(notification: Notification) -> str:
    """The bell's own link: marks the line read, then goes where it points."""
    return f"/notifications/{notification.pk}/open/"


def generic_text(notification: Notification) -> str:
    """The kind's plain sentence, which names what happened and nothing else."""
    kind = get_kind(notification.kind)
    return str(kind.generic) if kind is not None else _("You have a new notification")


def actor_name(notification: Notification) -> str:
    if notification.actor is not None:
        return str(notification.actor.display_name)
    return notification.actor_label


def _topic_visible(notification: Notification) -> bool:
    topic = notification.topic
    return topic is None or (not topic.is_deleted and topic.moderation_state == VISIBLE)


def _post_visible(notification: Notification) -> bool:
    post = notification.post
    return post is None or (not post.is_deleted and post.moderation_state == VISIBLE)


def place_of(notification: Notification) -> Any:
    """The community a line is about now: its topic's current one (topics move), else the
    community the line names."""
    if notification.topic is not None:
        return notification.topic.community
    return notification.community


def is_still_readable(notification: Notification, user: Any) -> bool:
    """Whether the thing it is about still shows to the member: the bell's own rule
    (`queries.readable_filter`), asked of this one line."""
    return (
        Notification.objects.filter(pk=notification.pk, recipient_id=user.pk)
        .filter(readable_filter())
        .exists()
    )


_MARKDOWN_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MARKDOWN_MARKS = re.compile(r"(^|\s)(#{1,6}|>+|[-*+]|\d+\.)\s+|[*_`~|]+")


def plain_excerpt(markdown: str, length: int = EXCERPT_LENGTH) -> str:
    """The first `length` characters of a post as plain text (markdown marks dropped)."""
    text = _MARKDOWN_LINK.sub(r"\1", markdown or "")
    text = _MARKDOWN_MARKS.sub(r"\1", text)
    text = " ".join(text.split())
    if len(text) > length:
        text = text[: length - 1].rstrip() + "…"
    return text


@dataclass(frozen=True)
class Details:
    """What an opted-in member may read about one line; empty strings where nothing shows."""

    actor: str
    topic: str
    community: str
    excerpt: str


def details_of(notification: Notification, user: Any) -> Details:
    """Who, where and an excerpt, each only when the member may still read it."""
    topic = notification.topic
    community = place_of(notification)
    readable = community is None or can_read_community(user, community)
    topic_ok = readable and topic is not None and _topic_visible(notification)
    post = notification.post
    post_ok = (
        readable
        and post is not None
        and _post_visible(notification)
        and _topic_visible(notification)
    )
    return Details(
        actor=actor_name(notification),
        topic=topic.title if topic_ok and topic is not None else "",
        community=community.name if readable and community is not None else "",
        excerpt=plain_excerpt(post.body) if post_ok and post is not None else "",
    )


@dataclass(frozen=True)
class Line:
    id: int
    text: str
    count: int
    count_text: str
    url: str
    details: Details | None


def _line(notification: Notification, user: Any, includes_details: bool) -> Line:
    count = notification.count
    count_text = (
        ngettext("%(count)d update", "%(count)d updates", count) % {"count": count}
        if count > 1
        else ""
    )
    return Line(
        id=notification.pk,
        text=generic_text(notification),
        count=count,
        count_text=count_text,
        url=absolute(open_path(notification)),
        details=details_of(notification, user) if includes_details else None,
    )


def build_message(
    user: Any, row: NotificationSettings | None, notifications: list[Notification]
) -> EmailMultiAlternatives:
    """The email for these lines (not sent)."""
    includes_details = bool(row is not None and row.email_includes_details)
    lines = [_line(n, user, includes_details) for n in notifications]
    total = len(lines)
    unsubscribe_url = unsubscribe.make_url(user, "notifications")
    context = {
        "site_name": settings.SITE_NAME,
        "member": user,
        "lines": lines,
        "total": total,
        "includes_details": includes_details,
        "notifications_url": absolute(NOTIFICATIONS_PATH),
        "settings_url": absolute(SETTINGS_PATH),
        "unsubscribe_url": unsubscribe_url,
    }
    subject = ngettext(
        "You have %(count)d new notification on %(site)s",
        "You have %(count)d new notifications on %(site)s",
        total,
    ) % {"count": total, "site": settings.SITE_NAME}
    context["subject"] = subject
    return one_click_email(
        template="notifications/email/notification",
        context=context,
        subject=subject,
        to=user.email,
        unsubscribe_url=unsubscribe_url,
    )


def one_click_email(
    *, template: str, context: dict[str, Any], subject: str, to: str, unsubscribe_url: str
) -> UnfoldedHeadersEmail:
    """A text + HTML email (`<template>.txt` / `.html`) with RFC 8058 one-click unsubscribe."""
    message = UnfoldedHeadersEmail(
        subject=subject,
        body=render_to_string(f"{template}.txt", context),
        to=[to],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return message


def _due(now: datetime) -> Any:
    return Notification.objects.filter(
        email_due_at__lte=now, emailed_at__isnull=True, read_at__isnull=True
    )


def _stop_emails(ids: list[int]) -> None:
    if ids:
        Notification.objects.filter(pk__in=ids, emailed_at__isnull=True).update(email_due_at=None)


def _claim(user_id: int, ids: list[int], now: datetime) -> list[int]:
    """Mark these lines emailed in one statement; [] when another worker got any of them.

    On PostgreSQL the rows are locked first (SKIP LOCKED), so a second worker passes over a
    member the first is already sending to. Everywhere, the UPDATE's `emailed_at IS NULL`
    condition decides: only the worker whose update changed every row it selected sends.
    """
    with transaction.atomic():
        candidates = _due(now).filter(recipient_id=user_id, pk__in=ids)
        if connection.vendor == "postgresql":
            candidates = candidates.select_for_update(skip_locked=True)
        claimed = sorted(candidates.values_list("pk", flat=True))
        if not claimed:
            return []
        updated = Notification.objects.filter(
            pk__in=claimed, emailed_at__isnull=True, read_at__isnull=True
        ).update(emailed_at=now)
        if updated != len(claimed):
            # Someone else claimed part of it in between: leave it all to them (and the rest to
            # the next minute) rather than send a line twice.
            transaction.set_rollback(True)
            return []
    return claimed


def _unclaim(ids: list[int]) -> None:
    Notification.objects.filter(pk__in=ids).update(emailed_at=None)


def send_due_emails(*, now: datetime | None = None) -> int:
    """Send every member's due notification email; returns how many emails went.

    Read lines are dropped, lines whose kind's email channel the member has since switched off
    (or paused) too; a member in quiet hours gets theirs when the quiet hours end. A mail
    outage un-claims what it could not send, so the next run retries. Members are taken in
    batches: one claim and one mail-server connection per batch.
    """
    now = now or timezone.now()
    # Read in the bell before the wait was over: no email, ever, for these.
    Notification.objects.filter(
        email_due_at__isnull=False, emailed_at__isnull=True, read_at__isnull=False
    ).update(email_due_at=None)
    sent = 0
    last_user_id = 0
    while True:
        user_ids = list(
            _due(now)
            .filter(recipient_id__gt=last_user_id)
            .order_by("recipient_id")
            .values_list("recipient_id", flat=True)
            .distinct()[:BATCH]
        )
        if not user_ids:
            return sent
        last_user_id = user_ids[-1]
        members = get_user_model().objects.in_bulk(user_ids)
        rows = NotificationSettings.objects.in_bulk(user_ids)
        by_member: dict[int, list[Notification]] = defaultdict(list)
        due = _due(now).filter(recipient_id__in=user_ids)
        for notification in due.select_related(
            "actor", "community", "topic__community", "post"
        ).order_by("recipient_id", "-updated_at", "-id"):
            by_member[notification.recipient_id].append(notification)
        # The bell's rule, for the whole batch in one query: what the member can no longer
        # read (moved, hidden, a conversation they left) is never emailed.
        readable = set(due.filter(readable_filter()).values_list("pk", flat=True))
        ready = {
            user_id: kept
            for user_id in user_ids
            if (
                kept := _sendable(
                    members.get(user_id), rows.get(user_id), by_member[user_id], readable, now
                )
            )
        }
        claimed = _claim_batch(ready, now)
        if claimed is None:
            # Another worker claimed some of this batch in between: go member by member.
            claimed = {}
            for user_id, kept in ready.items():
                ids = _claim(user_id, [n.pk for n in kept], now)
                if ids:
                    claimed[user_id] = ids
        result = _send_batch(members, rows, ready, claimed)
        if result is None:
            return sent  # the mail server is down: what is left stays due for the next run
        sent += result


def _sendable(
    user: Any,
    row: NotificationSettings | None,
    notifications: list[Notification],
    readable: set[int],
    now: datetime,
) -> list[Notification]:
    """The lines that may go to this member now; drops or postpones the others."""
    if not notifications:
        return []
    if user is None or not user.is_active or user.memorialised_at is not None or not user.email:
        _stop_emails([n.pk for n in notifications])
        return []
    keep = [
        n
        for n in notifications
        if preferences.channel_enabled(row, n.kind, "email") and n.pk in readable
    ]
    kept_ids = {n.pk for n in keep}
    _stop_emails([n.pk for n in notifications if n.pk not in kept_ids])
    if not keep:
        return []
    quiet_end = preferences.quiet_hours_end(row, user, now)
    if quiet_end is not None:
        Notification.objects.filter(pk__in=[n.pk for n in keep], emailed_at__isnull=True).update(
            email_due_at=quiet_end
        )
        return []
    return keep


def _claim_batch(
    ready: dict[int, list[Notification]], now: datetime
) -> dict[int, list[int]] | None:
    """Claim every ready line of the batch in one statement; None when another worker got any
    of them, or the member read any of them, in between (then `_claim` goes member by member,
    taking only what is still due and unread)."""
    ids = sorted(n.pk for kept in ready.values() for n in kept)
    if not ids:
        return {}
    with transaction.atomic():
        # Unread too: a line read in the bell since it was gathered is not emailed.
        candidates = Notification.objects.filter(
            pk__in=ids, emailed_at__isnull=True, read_at__isnull=True
        )
        if connection.vendor == "postgresql":
            candidates = candidates.select_for_update(skip_locked=True)
        if len(list(candidates.values_list("pk", flat=True))) != len(ids):
            transaction.set_rollback(True)
            return None
        updated = Notification.objects.filter(
            pk__in=ids, emailed_at__isnull=True, read_at__isnull=True
        ).update(emailed_at=now)
        if updated != len(ids):
            transaction.set_rollback(True)
            return None
    return {user_id: [n.pk for n in kept] for user_id, kept in ready.items()}


def _send_batch(
    members: dict[int, Any],
    rows: dict[int, NotificationSettings],
    ready: dict[int, list[Notification]],
    claimed: dict[int, list[int]],
) -> int | None:
    """Send the claimed emails over one connection; None (after un-claiming what did not go)
    when the mail server failed."""
    if not claimed:
        return 0
    mail_connection = mailers.default
    sent = 0
    pending = list(claimed.items())
    try:
        mail_connection.open()
        for user_id, ids in pending:
            chosen_ids = set(ids)
            chosen = [n for n in ready[user_id] if n.pk in chosen_ids]
            message = build_message(members[user_id], rows.get(user_id), chosen)
            mail_connection.send_messages([message])
            sent += 1
    except (OSError, smtplib.SMTPException):
        logger.exception("Could not send notification emails (after %d in this batch)", sent)
        _unclaim([pk for _user, left in pending[sent:] for pk in left])
        return None
    except Exception:
        # Whatever went wrong, what was not sent must stay due, never silently "emailed".
        _unclaim([pk for _user, left in pending[sent:] for pk in left])
        raise
    finally:
        try:
            mail_connection.close()
        except (OSError, smtplib.SMTPException):
            logger.warning("Closing the mail connection failed", exc_info=True)
    return sent
