"""Notifications in a member's data export.

Export: the lines in their bell (what, who, when, read or not; never more text than the bell
shows), their notification choices, what they watch, their push devices (name and dates, not
the keys) and the digests sent to them. Everything about a member goes with the account
(cascade); lines that named them as the actor keep no name (the actor becomes null).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from carecircle.notifications.models import (
    DigestRun,
    Notification,
    NotificationSettings,
    PushSubscription,
    Watch,
)
from carecircle.privacy.registry import Row, register


def notifications(member: Any) -> Iterator[Row]:
    rows = Notification.objects.filter(recipient=member).select_related("actor").order_by("pk")
    for row in rows:
        yield {
            "kind": row.kind,
            "from": row.actor.display_name if row.actor is not None else row.actor_label or None,
            "link": row.url,
            "count": row.count,
            "created_at": row.created_at,
            "updated_at": row.updated_at,
            "read_at": row.read_at,
            "emailed_at": row.emailed_at,
            "pushed_at": row.pushed_at,
        }


def choices(member: Any) -> Iterator[Row]:
    row = NotificationSettings.objects.filter(user=member).first()
    if row is None:
        return
    yield {
        "channels": row.channels,
        "email_includes_details": row.email_includes_details,
        "push_includes_details": row.push_includes_details,
        "is_email_paused": row.is_email_paused,
        "quiet_hours_start": row.quiet_hours_start.isoformat() if row.quiet_hours_start else None,
        "quiet_hours_end": row.quiet_hours_end.isoformat() if row.quiet_hours_end else None,
        "digest": row.digest,
        "last_digest_at": row.last_digest_at,
    }


def watches(member: Any) -> Iterator[Row]:
    rows = Watch.objects.filter(user=member).select_related("community", "topic").order_by("pk")
    for row in rows:
        yield {
            "community": row.community.name if row.community is not None else None,
            "topic": row.topic.title if row.topic is not None else None,
            "level": row.level,
            "updated_at": row.updated_at,
        }


def devices(member: Any) -> Iterator[Row]:
    for row in PushSubscription.objects.filter(user=member).order_by("pk"):
        yield {"device": row.label, "created_at": row.created_at, "last_used_at": row.last_used_at}


def _register_all() -> None:
    register("notifications.Notification", name="notifications", export=notifications)
    register("notifications.NotificationSettings", name="notification_settings", export=choices)
    register("notifications.Watch", name="watches", export=watches)
    register("notifications.PushSubscription", name="push_devices", export=devices)
    register(DigestRun, name="digests_sent", fields=["period", "sent_at", "topic_count"])


_register_all()
