"""The bell's sentence when a member shares part of their journal with someone."""

from __future__ import annotations

from django.utils.translation import gettext

from carecircle.notifications.models import Notification
from carecircle.notifications.presenters import actor_name


def describe_share(notification: Notification) -> str:
    """The bell's sentence: “Sam shared part of their health journal with you”."""
    return gettext("%(actor)s shared part of their health journal with you") % {
        "actor": actor_name(notification)
    }
