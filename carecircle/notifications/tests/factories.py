"""Test helpers for notifications, shared by every notifications test module.

These insert rows directly (test set-up, not the action under test).
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.utils import timezone

from carecircle.notifications.models import (
    Notification,
    NotificationSettings,
    PushSubscription,
    Watch,
)

_endpoints = iter(range(1, 10**9))


def make_notification(
    recipient: Any,
    *,
    kind: str = "reply",
    url: str = "/",
    actor: Any = None,
    actor_label: str = "",
    community: Any = None,
    topic: Any = None,
    post: Any = None,
    conversation: Any = None,
    group_key: str = "",
    count: int = 1,
    data: dict | None = None,
    updated_at: datetime | None = None,
    read_at: datetime | None = None,
    email_due_at: datetime | None = None,
    emailed_at: datetime | None = None,
) -> Notification:
    """One bell line for `recipient`; the community defaults to the topic's."""
    if community is None and topic is not None:
        community = topic.community
    return Notification.objects.create(
        recipient=recipient,
        kind=kind,
        url=url,
        actor=actor,
        actor_label=actor_label,
        community=community,
        topic=topic,
        post=post,
        conversation=conversation,
        group_key=group_key,
        count=count,
        data=data or {},
        updated_at=updated_at or timezone.now(),
        read_at=read_at,
        email_due_at=email_due_at,
        emailed_at=emailed_at,
    )


def set_watch(user: Any, level: str, *, community: Any = None, topic: Any = None) -> Watch:
    """Store a watch level for a community or a topic."""
    target = {"topic": topic} if topic is not None else {"community": community}
    watch, _created = Watch.objects.update_or_create(user=user, **target, defaults={"level": level})
    return watch


def make_settings(
    user: Any,
    *,
    channels: dict | None = None,
    quiet_hours: tuple[time, time] | None = None,
    **fields: Any,
) -> NotificationSettings:
    """Store a member's notification settings (`quiet_hours` as (start, end) local times)."""
    start, end = quiet_hours if quiet_hours is not None else (None, None)
    row, _created = NotificationSettings.objects.update_or_create(
        user=user,
        defaults={
            "channels": channels or {},
            "quiet_hours_start": start,
            "quiet_hours_end": end,
            **fields,
        },
    )
    return row


def make_push_subscription(user: Any, *, label: str = "Phone") -> PushSubscription:
    """A browser subscription with a made-up endpoint (nothing is ever sent to it in tests)."""
    number = next(_endpoints)
    return PushSubscription.objects.create(
        user=user,
        endpoint=f"https://push.example.org/send/{user.pk}-{number}",
        p256dh="BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U",
        auth="tBHItJI5svbpez7KI4CCXg",
        label=label,
    )


def deliver(
    recipients: list[Any],
    *,
    kind: str = "reply",
    actor: Any = None,
    actor_label: str = "",
    community: Any = None,
    topic: Any = None,
    post: Any = None,
    conversation: Any = None,
    group_key: str = "",
    url: str = "/somewhere/",
    data: dict | None = None,
) -> list[int]:
    """Run `actions.deliver_notifications` for these members (as the background task would)."""
    from carecircle.notifications.actions import deliver_notifications

    if community is None and topic is not None:
        community = topic.community
    return deliver_notifications(
        recipient_ids=[recipient.pk for recipient in recipients],
        kind=kind,
        url=url,
        actor_id=actor.pk if actor is not None else None,
        actor_label=actor_label,
        community_id=community.pk if community is not None else None,
        topic_id=topic.pk if topic is not None else None,
        post_id=post.pk if post is not None else None,
        conversation_id=conversation.pk if conversation is not None else None,
        group_key=group_key,
        data=data or {},
    )
