"""Set-up shared by the chat room tests (import with `from ...rooms_fixtures import *`).

Builds on the personas of the root conftest: `community` has patient and caregiver as members
and `moderator` as its moderator; `room_manager` manages it (a community role, not site staff).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from carecircle.accounts.models import Profile, User
from carecircle.communities.models import Community, Membership
from carecircle.core.factories import UserFactory, make_member
from carecircle.core.models import AuditEvent
from carecircle.discussions.models import Post, Topic
from carecircle.messaging.models import (
    ChatRoom,
    ChatSession,
    MemberBlock,
    Message,
    RoomRestriction,
)

TIMEOUT = 3

__all__ = [
    "TIMEOUT",
    "add_room_message",
    "block",
    "hide_presence",
    "make_session",
    "open_socket",
    "receive_until",
    "room",
    "room_manager",
    "rooms_state",
    "signed_in",
    "socket_for",
]


@pytest.fixture
def room_manager(community: Community) -> User:
    """A manager of `community` (its own role, not a site manager)."""
    user = UserFactory(display_name="Rita the room manager", handle="rita")
    make_member(community, user, Membership.Role.MANAGER)
    return user


@pytest.fixture
def room(community: Community, room_manager: User) -> ChatRoom:
    """An always-open room (no sessions) in `community`."""
    return ChatRoom.objects.create(
        community=community,
        name="Tuesday evening support group",
        slug="tuesday-evening-support-group",
        created_by=room_manager,
    )


def make_session(
    room: ChatRoom,
    *,
    starts_in: timedelta,
    lasts: timedelta = timedelta(hours=1),
    publishes_transcript: bool = False,
    title: str = "Evening circle",
) -> ChatSession:
    """A session starting `starts_in` from now (negative: already started), inserted directly.

    It was scheduled a day before it starts (or now, for one starting within a day), as the
    schedule action allows: its transcript covers its whole window."""
    now = timezone.now()
    starts_at = now + starts_in
    session = ChatSession.objects.create(
        room=room,
        title=title,
        starts_at=starts_at,
        ends_at=starts_at + lasts,
        publishes_transcript=publishes_transcript,
    )
    scheduled_at = min(now, starts_at - timedelta(days=1))
    ChatSession.objects.filter(pk=session.pk).update(created_at=scheduled_at)
    session.created_at = scheduled_at
    return session


def add_room_message(
    room: ChatRoom, author: Any, body: str, *, at: datetime | None = None, **fields: Any
) -> Message:
    """A message inserted directly, optionally back-dated to `at`."""
    message = Message.objects.create(
        room=room, author=author, body=body, body_html=f"<p>{body}</p>", **fields
    )
    if at is not None:
        Message.objects.filter(pk=message.pk).update(created_at=at)
        message.created_at = at
    return message


def block(blocker: User, blocked: User) -> MemberBlock:
    return MemberBlock.objects.create(blocker=blocker, blocked=blocked)


def hide_presence(user: User) -> None:
    Profile.objects.update_or_create(user=user, defaults={"is_presence_hidden": True})


def rooms_state() -> dict[str, list[dict]]:
    """Every row a chat room write may touch, to assert that a refused action changed nothing."""
    return {
        "rooms": list(ChatRoom.objects.order_by("pk").values()),
        "sessions": list(ChatSession.objects.order_by("pk").values()),
        "restrictions": list(RoomRestriction.objects.order_by("pk").values()),
        "messages": list(Message.objects.order_by("pk").values()),
        "topics": list(Topic.objects.order_by("pk").values("pk", "title")),
        "posts": list(Post.objects.order_by("pk").values("pk")),
        "audit": list(AuditEvent.objects.order_by("pk").values("pk", "verb")),
    }


def signed_in(user: User) -> Client:
    """A browser signed in as `user`, its session in the member's list (as after sign-in)."""
    client = Client()
    client.force_login(user)
    assert client.get("/account/sign-in/").status_code == 200
    return client


def socket_for(client: Client | None) -> Any:
    """A socket to /ws/ on the project's ASGI app (channels' communicator, without daphne)."""
    from config.asgi import application
    from tests.realtime_support import WebsocketCommunicator

    headers = [(b"origin", b"http://testserver")]
    if client is not None:
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    return WebsocketCommunicator(application, "/ws/", headers=headers)


async def open_socket(client: Client | None) -> Any:
    socket = socket_for(client)
    connected, _code = await socket.connect(timeout=TIMEOUT)
    assert connected
    hello = await socket.receive_json_from(timeout=TIMEOUT)
    assert hello["type"] == "hello"
    return socket


async def receive_until(socket: Any, done: Any) -> list[dict]:
    """Frames up to and including the first for which `done(frame)` is true."""
    frames = []
    while True:
        output = await socket.receive_output(timeout=TIMEOUT)
        if output["type"] == "websocket.close":
            raise AssertionError(f"socket closed after {frames}")
        frame = json.loads(output["text"])
        frames.append(frame)
        if done(frame):
            return frames
