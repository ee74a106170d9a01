"""The bell's sentence when a curator reviews a member's library suggestion."""

from __future__ import annotations

from django.utils.translation import gettext

from carecircle.notifications.models import Notification
from carecircle.notifications.presenters import actor_name


def describe_review(notification: Notification) -> str:
    """“Sam added your suggestion to the library” or “… did not add your suggestion …”."""
    decision = (notification.data or {}).get("decision")
    if decision == "approve":
        return gettext("%(actor)s added your suggestion to the library") % {
            "actor": actor_name(notification)
        }
    return gettext("%(actor)s reviewed your suggestion: it was not added to the library") % {
        "actor": actor_name(notification)
    }
