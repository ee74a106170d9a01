"""Who may follow what, and whose notifications are whose."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from carecircle.core.errors import NotFoundError, PermissionDeniedError
from carecircle.core.models import ModerationState


def is_signed_in(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and actor.is_active)


def check_signed_in(actor: Any) -> None:
    if not is_signed_in(actor):
        raise PermissionDeniedError(_("Please sign in first."), code="not_signed_in")


def can_watch(actor: Any, *, community: Any = None, topic: Any = None) -> bool:
    """Whether the member may set a watch level here: they can read the community (a topic
    counts only while it is shown to everyone who reads it)."""
    from carecircle.communities.permissions import can_read_community

    if not is_signed_in(actor) or (community is None) == (topic is None):
        return False
    if topic is not None:
        if topic.is_deleted or topic.moderation_state != ModerationState.VISIBLE:
            return False
        community = topic.community
    return can_read_community(actor, community)


def check_can_watch(actor: Any, *, community: Any = None, topic: Any = None) -> None:
    check_signed_in(actor)
    if topic is not None and (
        topic.is_deleted or topic.moderation_state != ModerationState.VISIBLE
    ):
        raise NotFoundError(_("This topic is no longer available."))
    if not can_watch(actor, community=community, topic=topic):
        raise PermissionDeniedError(_("You cannot follow this community."))


def can_mark_read(actor: Any, notification: Any) -> bool:
    """Only the member a notification is for may mark it read."""
    return is_signed_in(actor) and notification.recipient_id == actor.pk


def check_can_mark_read(actor: Any, notification: Any) -> None:
    check_signed_in(actor)
    if not can_mark_read(actor, notification):
        raise PermissionDeniedError(_("This notification is not yours."))
