"""Who may read, write in, moderate and manage a community's chat rooms.

Rooms are for a community's members (and site staff); visitors never see them, even in a
public community. Limits that depend on the moment (a scheduled session's window, a mute,
slow mode) are checked by the send action, not here.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.communities.models import Community
from carecircle.communities.permissions import (
    can_manage_community,
    can_moderate_community,
    is_site_staff,
    membership_of,
)
from carecircle.core.errors import PermissionDeniedError
from carecircle.messaging.models import ChatRoom, ChatSession, Message


def can_use_rooms(actor: Any, community: Community) -> bool:
    """Whether the actor may read the community's rooms: its members and site staff."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    return is_site_staff(actor) or membership_of(actor, community) is not None


def can_read_room(actor: Any, room: ChatRoom) -> bool:
    """Whether the actor may read the room's messages and see who is in it (archived too)."""
    return can_use_rooms(actor, room.community)


def can_write_in_room(actor: Any, room: ChatRoom) -> bool:
    """Whether the actor may write in the room at all (not archived, member or staff)."""
    return not room.is_archived and can_use_rooms(actor, room.community)


def can_moderate_room(actor: Any, room: ChatRoom) -> bool:
    """Community moderators and managers (and site staff): delete, mute, slow mode."""
    return can_moderate_community(actor, room.community)


def can_manage_rooms(actor: Any, community: Community) -> bool:
    """Community managers (and site managers): create, edit, archive rooms, schedule sessions."""
    return can_manage_community(actor, community)


def can_delete_room_message(actor: Any, message: Message, room: ChatRoom) -> bool:
    """The author (while they may still read the room) or a moderator."""
    if can_moderate_room(actor, room):
        return True
    return (
        getattr(actor, "pk", None) is not None
        and message.author_id == actor.pk
        and can_read_room(actor, room)
    )


def can_read_transcript(actor: Any, session: ChatSession, room: ChatRoom) -> bool:
    """Readers of the room, once the session is over."""
    return can_read_room(actor, room) and session.ends_at <= timezone.now()


def can_publish_transcript(actor: Any, session: ChatSession, room: ChatRoom) -> bool:
    """Managers, for an ended session announced as published, not yet published."""
    return (
        can_manage_rooms(actor, room.community)
        and session.publishes_transcript
        and session.published_topic_id is None
        and session.ends_at <= timezone.now()
    )


def check_can_use_rooms(actor: Any, community: Community) -> None:
    if not can_use_rooms(actor, community):
        raise PermissionDeniedError(
            _("Chat rooms are for members of this community. Join it to take part."),
            code="members_only",
        )


def check_can_write_in_room(actor: Any, room: ChatRoom) -> None:
    check_can_use_rooms(actor, room.community)
    if room.is_archived:
        raise PermissionDeniedError(
            _("This room is archived: you can read it, but no new messages can be sent."),
            code="archived",
        )


def check_can_moderate_room(actor: Any, room: ChatRoom) -> None:
    if not can_moderate_room(actor, room):
        raise PermissionDeniedError(
            _("Only this community's moderators can do that."), code="not_moderator"
        )


def check_can_manage_rooms(actor: Any, community: Community) -> None:
    if not can_manage_rooms(actor, community):
        raise PermissionDeniedError(
            _("Only this community's managers can set up chat rooms."), code="not_manager"
        )


def check_can_delete_room_message(actor: Any, message: Message, room: ChatRoom) -> None:
    if not can_delete_room_message(actor, message, room):
        raise PermissionDeniedError(_("You can delete only your own messages."), code="not_author")


def check_can_read_transcript(actor: Any, session: ChatSession, room: ChatRoom) -> None:
    check_can_use_rooms(actor, room.community)
    if session.ends_at > timezone.now():
        raise PermissionDeniedError(
            _("The transcript can be read once the session has ended."), code="not_ended"
        )


def check_can_publish_transcript(actor: Any, session: ChatSession, room: ChatRoom) -> None:
    check_can_manage_rooms(actor, room.community)
    if not session.publishes_transcript:
        raise PermissionDeniedError(
            _(
                "This session was not announced as published, so its transcript stays in the "
                "room. Members were not told their words might become a topic."
            ),
            code="not_publishable",
        )
    if session.ends_at > timezone.now():
        raise PermissionDeniedError(
            _("The transcript can be published once the session has ended."), code="not_ended"
        )
