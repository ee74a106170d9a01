"""JSON API for community chat rooms: the same actions as the room page and the room stream.

Every endpoint needs a signed-in member (or token); rooms are for members of their community
and site staff. A room the caller may not read answers 404, the same as one that does not
exist. Messages have the shape of the socket's `message.new` events (`message_payload`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from carecircle.api.api import member_auth
from carecircle.api.schemas import ErrorOut
from carecircle.communities import queries as community_queries
from carecircle.communities.queries import get_member
from carecircle.messaging.actions import rooms as actions
from carecircle.messaging.actions.common import message_payload, with_support
from carecircle.messaging.api.attachments import (
    MessageAttachmentIn,
    MessageAttachmentOut,
    choices_of,
)
from carecircle.messaging.models import ChatRoom, ChatSession
from carecircle.messaging.permissions import rooms as permissions
from carecircle.messaging.queries import rooms as queries

router = Router(tags=["chat rooms"], auth=member_auth)


class RoomAuthorOut(Schema):
    handle: str
    display_name: str


class RoomMessageOut(Schema):
    id: int
    stream: str
    client_id: str | None
    author: RoomAuthorOut | None
    html: str
    # ISO 8601 strings, exactly as the socket sends them (`message_payload`).
    created_at: str
    edited_at: str | None
    is_deleted: bool
    deleted_by_moderator: bool
    moderation_state: str = "visible"
    # In order; none once the message is deleted.
    attachments: list[MessageAttachmentOut] = []


class SentRoomMessageOut(RoomMessageOut):
    # Crisis helplines for the author, when their words suggest crisis; else null.
    support: dict[str, Any] | None = None


class RoomMessagePage(Schema):
    items: list[RoomMessageOut]
    has_older: bool
    has_newer: bool


class RoomMessageIn(Schema):
    # May be empty when the message carries attachments.
    body: str = ""
    client_id: str | None = None
    attachments: list[MessageAttachmentIn] = Field(default_factory=list, max_length=50)
    confirmed: bool = False  # true after a 422 "confirmation_needed", to send as written


class ChatSessionOut(Schema):
    id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    opens_at: datetime
    publishes_transcript: bool
    published_topic_id: int | None
    is_live: bool
    is_over: bool


class ChatSessionIn(Schema):
    title: str
    starts_at: datetime
    ends_at: datetime
    publishes_transcript: bool = False


class ChatRoomOut(Schema):
    id: int
    community: str
    slug: str
    name: str
    description: str
    is_archived: bool
    is_open: bool
    slow_mode_seconds: int
    retention_days: int | None
    stream: str
    url: str


class ChatRoomDetailOut(ChatRoomOut):
    current_session: ChatSessionOut | None
    upcoming_sessions: list[ChatSessionOut]
    past_sessions: list[ChatSessionOut]
    can_write: bool
    can_moderate: bool
    can_manage: bool


class ChatRoomIn(Schema):
    name: str
    description: str = ""
    retention_days: int | None = None


class ChatRoomPatch(Schema):
    name: str | None = None
    description: str | None = None
    retention_days: int | None = None
    clear_retention: bool = False
    is_archived: bool | None = None


class PresenceMemberOut(Schema):
    handle: str
    display_name: str


class PresenceOut(Schema):
    members: list[PresenceMemberOut]
    count: int


class SlowModeIn(Schema):
    seconds: int


class RestrictionIn(Schema):
    minutes: int
    reason: str = ""


class RestrictionOut(Schema):
    handle: str
    until: datetime
    reason: str


class PublishedOut(Schema):
    topic_id: int
    url: str


def _session_out(session: ChatSession) -> ChatSessionOut:
    now = timezone.now()
    return ChatSessionOut(
        id=session.pk,
        title=session.title,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        opens_at=session.starts_at - queries.EARLY_OPEN,
        publishes_transcript=session.publishes_transcript,
        published_topic_id=session.published_topic_id,
        is_live=session.starts_at - queries.EARLY_OPEN <= now < session.ends_at,
        is_over=session.ends_at <= now,
    )


def _room_fields(room: ChatRoom, state: queries.RoomState) -> dict[str, Any]:
    return {
        "id": room.pk,
        "community": room.community.slug,
        "slug": room.slug,
        "name": room.name,
        "description": room.description,
        "is_archived": room.is_archived,
        "is_open": state.is_open and not room.is_archived,
        "slow_mode_seconds": room.slow_mode_seconds,
        "retention_days": room.retention_days,
        "stream": actions.room_stream(room.pk),
        "url": reverse("room_detail", kwargs={"slug": room.community.slug, "room": room.slug}),
    }


def _room_detail(actor: Any, room: ChatRoom) -> ChatRoomDetailOut:
    state, past = queries.room_sessions(room)
    return ChatRoomDetailOut(
        **_room_fields(room, state),
        current_session=_session_out(state.current) if state.current else None,
        upcoming_sessions=[_session_out(s) for s in state.upcoming],
        past_sessions=[_session_out(s) for s in past],
        can_write=permissions.can_write_in_room(actor, room),
        can_moderate=permissions.can_moderate_room(actor, room),
        can_manage=permissions.can_manage_rooms(actor, room.community),
    )


@router.get(
    "/communities/{slug}/rooms",
    response={200: list[ChatRoomOut], 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def list_rooms(request: HttpRequest, slug: str) -> list[ChatRoomOut]:
    """The community's chat rooms (members and site staff), open rooms first."""
    community = community_queries.get_community(request.user, slug)
    return [
        ChatRoomOut(**_room_fields(room, room.state))  # type: ignore[attr-defined]
        for room in queries.community_rooms(request.user, community)
    ]


@router.post(
    "/communities/{slug}/rooms",
    response={201: ChatRoomDetailOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut,
              409: ErrorOut},
)  # fmt: skip
def create_room(request: HttpRequest, slug: str, payload: ChatRoomIn) -> Status[ChatRoomDetailOut]:
    """Open a chat room (the community's managers)."""
    community = community_queries.get_community(request.user, slug)
    room = actions.create_room(actor=request.user, community=community, **payload.dict())
    return Status(201, _room_detail(request.user, room))


@router.get("/rooms/{room_id}", response={200: ChatRoomDetailOut, 401: ErrorOut, 404: ErrorOut})
def get_room(request: HttpRequest, room_id: int) -> ChatRoomDetailOut:
    """A room with its current, next and recent sessions."""
    return _room_detail(request.user, queries.get_room_by_id(request.user, room_id))


@router.patch(
    "/rooms/{room_id}",
    response={200: ChatRoomDetailOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut,
              409: ErrorOut},
)  # fmt: skip
def update_room(request: HttpRequest, room_id: int, payload: ChatRoomPatch) -> ChatRoomDetailOut:
    """Rename, describe, set how long messages are kept, archive or reopen (managers)."""
    room = queries.get_room_by_id(request.user, room_id)
    changes = payload.model_dump(exclude_unset=True)
    with transaction.atomic():
        if {"name", "description", "retention_days", "clear_retention"} & changes.keys():
            retention = room.retention_days
            if payload.clear_retention:
                retention = None
            elif "retention_days" in changes:
                retention = payload.retention_days
            actions.update_room(
                actor=request.user,
                room=room,
                name=payload.name if payload.name is not None else room.name,
                description=(
                    payload.description if payload.description is not None else room.description
                ),
                retention_days=retention,
            )
        if payload.is_archived is not None:
            actions.set_room_archived(
                actor=request.user, room=room, is_archived=payload.is_archived
            )
    return _room_detail(request.user, room)


@router.get(
    "/rooms/{room_id}/messages",
    response={200: RoomMessagePage, 401: ErrorOut, 404: ErrorOut},
)
def list_messages(
    request: HttpRequest,
    room_id: int,
    before: int | None = None,
    after: int | None = None,
    limit: int = queries.MESSAGES_PAGE,
) -> RoomMessagePage:
    """Messages oldest first: the latest `limit`, or those before / after a message id (at most
    200). Deleted messages keep their place without their words."""
    room = queries.get_room_by_id(request.user, room_id)
    page = queries.room_messages(request.user, room, before=before, after=after, limit=limit)
    return RoomMessagePage(
        items=[RoomMessageOut(**message_payload(m)) for m in page.items],
        has_older=page.has_older,
        has_newer=page.has_newer,
    )


@router.post(
    "/rooms/{room_id}/messages",
    response={201: SentRoomMessageOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut,
              404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut},
)  # fmt: skip
def send_message(
    request: HttpRequest, room_id: int, payload: RoomMessageIn
) -> Status[SentRoomMessageOut]:
    """Send a message. With a `client_id` (a UUID) a repeated send returns the stored message."""
    room = queries.get_room_by_id(request.user, room_id)
    message = actions.send_room_message(
        actor=request.user,
        room=room,
        body=payload.body,
        client_id=payload.client_id,
        confirmed=payload.confirmed,
        attachments=choices_of(payload.attachments),
    )
    return Status(201, SentRoomMessageOut(**with_support(message)))


@router.delete(
    "/rooms/{room_id}/messages/{message_id}",
    response={204: None, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def delete_message(request: HttpRequest, room_id: int, message_id: int) -> Status[None]:
    """Delete a message (its author, or the community's moderators)."""
    room = queries.get_room_by_id(request.user, room_id)
    message = queries.get_room_message(request.user, room, message_id)
    actions.delete_room_message(actor=request.user, message=message)
    return Status(204, None)


@router.get("/rooms/{room_id}/presence", response={200: PresenceOut, 401: ErrorOut, 404: ErrorOut})
def presence(request: HttpRequest, room_id: int) -> PresenceOut:
    """Who is in the room now, as the caller may see it."""
    room = queries.get_room_by_id(request.user, room_id)
    present = queries.room_presence(request.user, room.pk)
    return PresenceOut(
        members=[PresenceMemberOut(**m) for m in present.members], count=present.count
    )


@router.post(
    "/rooms/{room_id}/sessions",
    response={201: ChatSessionOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut,
              409: ErrorOut},
)  # fmt: skip
def schedule_session(
    request: HttpRequest, room_id: int, payload: ChatSessionIn
) -> Status[ChatSessionOut]:
    """Schedule a session (managers). The room then takes messages only around its sessions."""
    room = queries.get_room_by_id(request.user, room_id)
    session = actions.schedule_session(actor=request.user, room=room, **payload.dict())
    return Status(201, _session_out(session))


@router.delete(
    "/rooms/{room_id}/sessions/{session_id}",
    response={204: None, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
)
def cancel_session(request: HttpRequest, room_id: int, session_id: int) -> Status[None]:
    """Cancel a session that has not started (managers)."""
    room = queries.get_room_by_id(request.user, room_id)
    session = queries.get_session(request.user, room, session_id)
    actions.cancel_session(actor=request.user, session=session)
    return Status(204, None)


@router.get(
    "/rooms/{room_id}/sessions/{session_id}/transcript",
    response={200: list[RoomMessageOut], 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def transcript(request: HttpRequest, room_id: int, session_id: int) -> list[RoomMessageOut]:
    """The session's messages (without deleted ones), once it has ended."""
    room = queries.get_room_by_id(request.user, room_id)
    session = queries.get_session(request.user, room, session_id)
    return [
        RoomMessageOut(**message_payload(m))
        for m in queries.session_transcript(request.user, session)
    ]


@router.post(
    "/rooms/{room_id}/sessions/{session_id}/publish",
    response={201: PublishedOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut,
              409: ErrorOut, 429: ErrorOut},
)  # fmt: skip
def publish_transcript(request: HttpRequest, room_id: int, session_id: int) -> Status[PublishedOut]:
    """Publish an ended session's transcript as a topic (managers; sessions announced as
    published only; once)."""
    room = queries.get_room_by_id(request.user, room_id)
    session = queries.get_session(request.user, room, session_id)
    topic = actions.publish_session_transcript(actor=request.user, session=session)
    return Status(201, PublishedOut(topic_id=topic.pk, url=topic.get_absolute_url()))


@router.put(
    "/rooms/{room_id}/slow-mode",
    response={200: ChatRoomDetailOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def set_slow_mode(request: HttpRequest, room_id: int, payload: SlowModeIn) -> ChatRoomDetailOut:
    """One message per `seconds` per member (0 turns it off); moderators."""
    room = queries.get_room_by_id(request.user, room_id)
    actions.set_room_slow_mode(actor=request.user, room=room, seconds=payload.seconds)
    return _room_detail(request.user, room)


@router.put(
    "/rooms/{room_id}/restrictions/{handle}",
    response={200: RestrictionOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut,
              409: ErrorOut},
)  # fmt: skip
def mute_member(
    request: HttpRequest, room_id: int, handle: str, payload: RestrictionIn
) -> RestrictionOut:
    """Stop a member writing in the room for `minutes` (moderators)."""
    room = queries.get_room_by_id(request.user, room_id)
    permissions.check_can_moderate_room(request.user, room)
    member = get_member(request.user, room.community, handle)
    restriction = actions.restrict_room_member(
        actor=request.user, room=room, member=member, minutes=payload.minutes, reason=payload.reason
    )
    return RestrictionOut(handle=member.handle, until=restriction.until, reason=restriction.reason)


@router.delete(
    "/rooms/{room_id}/restrictions/{handle}",
    response={204: None, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def unmute_member(request: HttpRequest, room_id: int, handle: str) -> Status[None]:
    """End a member's mute in the room (moderators)."""
    room = queries.get_room_by_id(request.user, room_id)
    permissions.check_can_moderate_room(request.user, room)
    member = get_member(request.user, room.community, handle)
    actions.lift_room_restriction(actor=request.user, room=room, member=member)
    return Status(204, None)
