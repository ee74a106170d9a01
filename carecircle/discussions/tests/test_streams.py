"""The live topic stream "topic:<id>": who may follow it, what a reconnect replays, what is sent."""

from __future__ import annotations

import json
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from carecircle.accounts.models import User
from carecircle.core.factories import UserFactory, make_member, make_topic
from carecircle.core.realtime import STREAMS, Subscription
from carecircle.discussions import actions, streams
from carecircle.discussions.models import Post, Topic
from carecircle.discussions.streams import TopicStream

HANDLER = TopicStream()


def subscribe(user: Any, topic_id: int | str) -> Subscription | None:
    return HANDLER.subscribe(user or AnonymousUser(), str(topic_id), "test-channel")


def posts(topic: Topic) -> list[Post]:
    return list(Post.objects.filter(topic=topic).order_by("position"))


# --- who may follow a topic -----------------------------------------------------------------


def test_the_topic_stream_is_registered_by_the_app():
    assert isinstance(STREAMS["topic"], TopicStream)


@pytest.mark.parametrize("persona", ["visitor", "outsider", "patient", "moderator"])
def test_anyone_may_follow_a_topic_of_a_public_community(request, topic, persona):
    user = None if persona == "visitor" else request.getfixturevalue(persona)
    subscription = subscribe(user, topic.pk)
    assert subscription == Subscription(stream=f"topic:{topic.pk}", key=str(topic.pk))


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("visitor", False),
        ("outsider", False),
        ("caregiver", False),  # a member of another community
        ("patient", True),
        ("manager", True),  # site staff read every community
    ],
)
def test_only_members_follow_a_topic_of_a_members_only_community(
    request, private_topic, community, outsider, persona, allowed
):
    user = None if persona == "visitor" else request.getfixturevalue(persona)
    assert (subscribe(user, private_topic.pk) is not None) is allowed


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [("visitor", False), ("outsider", False), ("patient", True), ("manager", True)],
)
def test_only_members_follow_a_topic_of_a_hidden_community(
    request, hidden_community, patient, persona, allowed
):
    hidden = make_topic(hidden_community, patient, title="Only for us")
    user = None if persona == "visitor" else request.getfixturevalue(persona)
    assert (subscribe(user, hidden.pk) is not None) is allowed


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [("visitor", False), ("patient", False), ("caregiver", False), ("moderator", True)],
)
def test_a_deleted_topic_is_followed_by_its_moderators_only(request, topic, persona, allowed):
    # As on the page: a deleted topic is "not found" for everyone but its moderators, its
    # author included.
    Topic.objects.filter(pk=topic.pk).update(is_deleted=True)
    user = None if persona == "visitor" else request.getfixturevalue(persona)
    assert (subscribe(user, topic.pk) is not None) is allowed


@pytest.mark.parametrize("key", ["999999", str(2**63), "9" * 40])
def test_a_topic_that_does_not_exist_cannot_be_followed(topic, patient, key):
    assert subscribe(patient, key) is None


def test_the_stream_accepts_no_writes(topic, patient):
    subscription = subscribe(patient, topic.pk)
    assert subscription is not None
    from carecircle.core.errors import ValidationFailed

    before = posts(topic)
    with pytest.raises(ValidationFailed):
        HANDLER.handle(patient, subscription, {"type": "send", "body": "Hello there"})
    assert posts(topic) == before


# --- catching up ----------------------------------------------------------------------------


def test_the_backlog_is_every_post_after_the_given_id_oldest_first(community, patient):
    topic = make_topic(community, patient, title="Busy topic", replies=4)
    first, second, third, fourth, fifth = posts(topic)
    subscription = subscribe(None, topic.pk)
    assert subscription is not None
    assert HANDLER.backlog(AnonymousUser(), subscription, second.pk) == [
        {"type": "reply.new", "post_id": third.pk, "position": 3},
        {"type": "reply.new", "post_id": fourth.pk, "position": 4},
        {"type": "reply.new", "post_id": fifth.pk, "position": 5},
    ]
    assert HANDLER.backlog(AnonymousUser(), subscription, fifth.pk) == []
    assert [event["post_id"] for event in HANDLER.backlog(AnonymousUser(), subscription, 0)] == [
        first.pk,
        second.pk,
        third.pk,
        fourth.pk,
        fifth.pk,
    ]


def test_the_backlog_leaves_deleted_posts_to_moderators(community, patient, caregiver, moderator):
    topic = make_topic(community, patient, title="Busy topic", replies=3)
    first, second, third, fourth = posts(topic)
    Post.objects.filter(pk=third.pk).update(is_deleted=True)
    for reader, expected in [
        (caregiver, [second.pk, fourth.pk]),
        (moderator, [second.pk, third.pk, fourth.pk]),
    ]:
        subscription = subscribe(reader, topic.pk)
        assert subscription is not None
        events = HANDLER.backlog(reader, subscription, first.pk)
        assert [event["post_id"] for event in events] == expected


def test_a_long_backlog_is_cut_short_and_says_so(community, patient, monkeypatch):
    monkeypatch.setattr(streams, "BACKLOG_LIMIT", 2)
    topic = make_topic(community, patient, title="Busy topic", replies=4)
    first, second, third, _fourth, _fifth = posts(topic)
    subscription = subscribe(patient, topic.pk)
    assert subscription is not None
    assert HANDLER.backlog(patient, subscription, first.pk) == [
        {"type": "reply.new", "post_id": second.pk, "position": 2},
        {"type": "reply.new", "post_id": third.pk, "position": 3},
        {"type": "backlog.truncated"},
    ]
    # Exactly the limit is not cut short.
    assert HANDLER.backlog(patient, subscription, third.pk)[-1]["type"] == "reply.new"


def test_no_backlog_once_the_topic_is_no_longer_readable(private_topic, patient):
    subscription = subscribe(patient, private_topic.pk)
    assert subscription is not None
    first = posts(private_topic)[0]
    actions.reply_to_topic(actor=patient, topic=private_topic, body="A reply here")
    assert len(HANDLER.backlog(patient, subscription, first.pk)) == 1
    private_topic.community.memberships.filter(user=patient).delete()
    patient = User.objects.get(pk=patient.pk)
    assert HANDLER.backlog(patient, subscription, first.pk) == []


# --- events on a real socket ----------------------------------------------------------------


@pytest.fixture
def fresh_layer() -> None:
    # The in-memory layer's queues belong to the event loop that first waited on them; every
    # socket test runs in a loop of its own, so it gets a layer of its own too.
    channel_layers.backends.clear()


def session_cookie(user: User | None) -> list[tuple[bytes, bytes]]:
    headers = [(b"origin", b"http://testserver")]
    if user is not None:
        client = Client()
        client.force_login(user)
        key = client.cookies[settings.SESSION_COOKIE_NAME].value
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={key}".encode()))
    return headers


class Socket(ApplicationCommunicator):
    """A browser's /ws/ socket, driven in-process.

    The same calls as channels.testing.Socket, which cannot be imported here:
    that package also loads its live-server helpers, which need daphne.
    """

    def __init__(self, headers: list[tuple[bytes, bytes]]) -> None:
        from config.asgi import application

        scope = {
            "type": "websocket",
            "path": "/ws/",
            "query_string": b"",
            "headers": headers,
            "subprotocols": [],
        }
        super().__init__(application, scope)

    async def connect(self) -> bool:
        await self.send_input({"type": "websocket.connect"})
        return (await self.receive_output(5))["type"] == "websocket.accept"

    async def send_json_to(self, data: dict) -> None:
        await self.send_input({"type": "websocket.receive", "text": json.dumps(data)})

    async def receive_from(self, timeout: float = 5) -> str:
        message = await self.receive_output(timeout)
        assert message["type"] == "websocket.send", message
        return str(message["text"])

    async def receive_json_from(self, timeout: float = 5) -> Any:
        return json.loads(await self.receive_from(timeout))

    async def disconnect(self) -> None:
        await self.send_input({"type": "websocket.disconnect", "code": 1000})
        await self.wait(5)


async def open_socket(user_headers: list[tuple[bytes, bytes]]) -> Socket:
    socket = Socket(user_headers)
    assert await socket.connect()
    assert (await socket.receive_json_from())["type"] == "hello"
    return socket


async def follow(socket: Socket, stream: str, after: int | None = None) -> list:
    """Subscribe; the frames up to and including "caught_up" (or the refusal)."""
    frame: dict[str, Any] = {"type": "subscribe", "stream": stream}
    if after is not None:
        frame["after"] = after
    await socket.send_json_to(frame)
    frames = []
    while True:
        answer = await socket.receive_json_from(timeout=5)
        frames.append(answer)
        if answer["type"] in ("caught_up", "error"):
            return frames


async def next_event(socket: Socket) -> dict:
    raw = await socket.receive_from(timeout=5)
    frame = json.loads(raw)
    assert frame["type"] == "event", frame
    return {"raw": raw, **frame}


@pytest.mark.django_db(transaction=True)
def test_a_visitor_sees_replies_reactions_edits_and_removals_as_ids_and_counts(
    fresh_layer, community, patient, caregiver, moderator
):
    topic = make_topic(community, patient, title="Live topic", body="The first post", replies=1)
    first, second = posts(topic)
    secret_words = ["Secret reply words", "Changed words", "Pat the patient", "patient"]
    headers = session_cookie(None)

    async def journey() -> None:
        socket = await open_socket(headers)
        stream = f"topic:{topic.pk}"
        assert await follow(socket, stream, after=first.pk) == [
            {"type": "subscribed", "stream": stream},
            {
                "type": "event",
                "stream": stream,
                "event": {"type": "reply.new", "post_id": second.pk, "position": 2},
            },
            {"type": "caught_up", "stream": stream},
        ]
        seen = []

        reply = await database_sync_to_async(actions.reply_to_topic)(
            actor=patient, topic=topic, body="Secret reply words"
        )
        seen.append(await next_event(socket))
        await database_sync_to_async(actions.toggle_reaction)(
            actor=caregiver, post=reply, kind="hug"
        )
        seen.append(await next_event(socket))
        await database_sync_to_async(actions.edit_post)(
            actor=patient, post=reply, body="Changed words"
        )
        seen.append(await next_event(socket))
        await database_sync_to_async(actions.delete_post)(actor=patient, post=reply)
        seen.append(await next_event(socket))
        await database_sync_to_async(actions.restore_post)(actor=moderator, post=reply)
        seen.append(await next_event(socket))
        await database_sync_to_async(actions.set_topic_locked)(
            actor=moderator, topic=topic, is_locked=True
        )
        seen.append(await next_event(socket))

        assert [frame["event"] for frame in seen] == [
            {"type": "reply.new", "post_id": reply.pk, "position": 3},
            {
                "type": "reactions",
                "post_id": reply.pk,
                "counts": {"like": 0, "hug": 1, "helpful": 0, "same": 0},
            },
            {"type": "post.edited", "post_id": reply.pk},
            {"type": "post.removed", "post_id": reply.pk},
            {"type": "post.restored", "post_id": reply.pk},
            {"type": "topic.locked", "is_locked": True},
        ]
        assert {frame["stream"] for frame in seen} == {stream}
        # Ids and counts only: no text and nobody's name on the wire.
        for frame in seen:
            for words in secret_words:
                assert words not in frame["raw"]
        assert await socket.receive_nothing(timeout=0.2)
        await socket.disconnect()

    async_to_sync(journey)()


@pytest.mark.django_db(transaction=True)
def test_a_refused_write_sends_nothing(fresh_layer, topic, patient, outsider):
    headers = session_cookie(patient)

    async def journey() -> None:
        socket = await open_socket(headers)
        frames = await follow(socket, f"topic:{topic.pk}")
        assert frames[-1]["type"] == "caught_up"
        from carecircle.core.errors import PermissionDeniedError

        with pytest.raises(PermissionDeniedError):
            await database_sync_to_async(actions.reply_to_topic)(
                actor=outsider, topic=topic, body="Not a member"
            )
        assert await socket.receive_nothing(timeout=0.3)
        await socket.disconnect()

    async_to_sync(journey)()


@pytest.mark.django_db(transaction=True)
def test_members_only_topics_refuse_visitors_and_outsiders_on_the_socket(
    fresh_layer, private_topic, patient, outsider
):
    stream = f"topic:{private_topic.pk}"
    sockets = [
        (session_cookie(None), "error"),
        (session_cookie(outsider), "error"),
        (session_cookie(patient), "caught_up"),
    ]

    async def journey() -> None:
        for headers, expected in sockets:
            socket = await open_socket(headers)
            frames = await follow(socket, stream, after=0)
            assert frames[-1]["type"] == expected
            if expected == "error":
                assert frames == [
                    {
                        "type": "error",
                        "stream": stream,
                        "code": "forbidden",
                        "message": frames[0]["message"],
                    }
                ]
            await socket.disconnect()

        # A refused visitor hears nothing of what happens there afterwards.
        socket = await open_socket(session_cookie(None))
        await follow(socket, stream)
        await database_sync_to_async(actions.reply_to_topic)(
            actor=patient, topic=private_topic, body="Members only"
        )
        assert await socket.receive_nothing(timeout=0.3)
        await socket.disconnect()

    async_to_sync(journey)()


@pytest.mark.django_db(transaction=True)
def test_each_topic_hears_only_its_own_events(fresh_layer, community, patient):
    one = make_topic(community, patient, title="First topic")
    two = make_topic(community, patient, title="Second topic")
    member = UserFactory(handle="reader")
    make_member(community, member)
    headers = session_cookie(member)

    async def journey() -> None:
        socket = await open_socket(headers)
        await follow(socket, f"topic:{one.pk}")
        await database_sync_to_async(actions.reply_to_topic)(
            actor=patient, topic=two, body="Elsewhere"
        )
        assert await socket.receive_nothing(timeout=0.3)
        reply = await database_sync_to_async(actions.reply_to_topic)(
            actor=patient, topic=one, body="Here"
        )
        frame = await next_event(socket)
        assert frame["stream"] == f"topic:{one.pk}"
        assert frame["event"] == {"type": "reply.new", "post_id": reply.pk, "position": 2}
        await socket.disconnect()

    async_to_sync(journey)()
