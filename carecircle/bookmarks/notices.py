"""The bell's sentence for a bookmark reminder."""

from __future__ import annotations

from django.utils.translation import gettext

from carecircle.notifications.models import Notification


def describe_reminder(notification: Notification) -> str:
    """“Reminder: the post you bookmarked in “Sleep and fatigue”” (names only what the member
    may read: the bell drops lines whose topic or post they can no longer see)."""
    topic = notification.topic
    if topic is None:
        return gettext("Reminder: something you bookmarked")
    if notification.post_id is not None:
        return gettext("Reminder: the post you bookmarked in “%(title)s”") % {"title": topic.title}
    return gettext("Reminder: “%(title)s”, which you bookmarked") % {"title": topic.title}
