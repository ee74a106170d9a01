"""Stream names, and broadcasting: after commit only, never failing a saved write."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import transaction

from carecircle.communities.models import Community
from carecircle.core import realtime
from carecircle.core.factories import CommunityFactory
from carecircle.core.realtime import (
    EVENT_TYPE,
    LocalChannelLayer,
    broadcast,
    group_name,
    parse_stream,
    revoke_access,
    send_now,
)
from tests.realtime_support import flush_channel_layer, run

NOTHING = object()


@pytest.fixture(autouse=True)
def _empty_layer() -> None:
    flush_channel_layer()
    yield
    flush_channel_layer()


# --- names -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stream", "parsed"),
    [
        ("room:3", ("room", "3")),
        ("conversation:1200", ("conversation", "1200")),
        ("user:0", ("user", "0")),
    ],
)
def test_a_well_formed_stream_name_is_parsed(stream, parsed):
    assert parse_stream(stream) == parsed


@pytest.mark.parametrize(
    "stream",
    [
        "room:03",  # would be another group than room:3 and never hear its events
        "room:²",  # str.isdigit() says yes; int() and group names say no
        "room:٣",
        "rööm:3",
        "room:",
        ":3",
        "room",
        "room:3:4",
        "room:-3",
        "room: 3",
        "room:" + "9" * 19,
        "r" * 80 + ":1",
        3,
        None,
        ["room:3"],
    ],
)
def test_anything_else_is_not_a_stream(stream):
    assert parse_stream(stream) is None


def test_a_stream_has_a_group_name_the_channel_layer_accepts():
    layer = get_channel_layer()

    assert group_name("room:3") == "stream.room.3"
    assert layer.require_valid_group_name(group_name("conversation:" + "9" * 18))


# --- broadcasting ------------------------------------------------------------------------------


async def listen(stream: str) -> str:
    """A channel in the stream's group, as a subscribed socket would have."""
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(group_name(stream), channel)
    return channel


async def next_message(channel: str, timeout: float = 0.3) -> object:
    try:
        return await asyncio.wait_for(get_channel_layer().receive(channel), timeout)
    except TimeoutError:
        return NOTHING


@pytest.mark.django_db(transaction=True)
def test_a_broadcast_is_sent_when_the_transaction_commits_not_before():
    async def scenario():
        channel = await listen("room:3")
        layer = get_channel_layer()

        def save_and_broadcast() -> bool:
            with transaction.atomic():
                CommunityFactory(slug="kept")
                broadcast("room:3", {"type": "message.new", "id": 1})
                # Whether anything reached the channel while the transaction was open.
                return channel in layer.channels and not layer.channels[channel].empty()

        sent_early = await database_sync_to_async(save_and_broadcast)()
        return sent_early, await next_message(channel)

    sent_early, after = run(scenario)

    assert sent_early is False
    assert after == {
        "type": EVENT_TYPE,
        "stream": "room:3",
        "event": {"type": "message.new", "id": 1},
    }


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_write_broadcasts_nothing():
    def save_broadcast_and_fail() -> None:
        with transaction.atomic():
            CommunityFactory(slug="rolled-back")
            broadcast("room:3", {"type": "message.new", "id": 1})
            raise RuntimeError("the write failed after its broadcast was scheduled")

    async def scenario():
        channel = await listen("room:3")
        with pytest.raises(RuntimeError):
            await database_sync_to_async(save_broadcast_and_fail)()
        return await next_message(channel)

    assert run(scenario) is NOTHING
    assert not Community.objects.filter(slug="rolled-back").exists()


class BrokenLayer:
    def __init__(self, error: Exception | None = None, delay: float = 0) -> None:
        self.error, self.delay = error, delay
        self.calls = 0

    async def group_send(self, group: str, message: dict) -> None:
        self.calls += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.error:
            raise self.error


def test_a_failing_channel_layer_is_logged_and_reported_not_raised(monkeypatch, caplog):
    layer = BrokenLayer(ConnectionError("Error 111 connecting to 127.0.0.1:6379"))
    monkeypatch.setattr(realtime, "get_channel_layer", lambda: layer)

    with caplog.at_level(logging.WARNING, logger="carecircle.core.realtime"):
        sent = send_now("room:3", {"type": "message.new"})

    assert sent is False
    assert layer.calls == 1
    assert [r.getMessage() for r in caplog.records] == ["Real-time broadcast to room:3 failed"]
    assert isinstance(caplog.records[0].exc_info[1], ConnectionError)


def test_an_unanswering_channel_layer_is_given_up_on(monkeypatch, caplog):
    monkeypatch.setattr(realtime, "get_channel_layer", lambda: BrokenLayer(delay=5))
    monkeypatch.setattr(realtime, "SEND_TIMEOUT_SECONDS", 0.1)
    started = time.monotonic()

    sent = send_now("room:3", {"type": "message.new"})

    assert sent is False
    assert time.monotonic() - started < 2
    assert "Real-time broadcast to room:3 failed" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_write_whose_broadcast_fails_is_saved_and_does_not_fail(monkeypatch, caplog):
    monkeypatch.setattr(realtime, "get_channel_layer", lambda: BrokenLayer(ConnectionError()))

    with transaction.atomic():
        CommunityFactory(slug="saved-anyway")
        broadcast("room:3", {"type": "message.new"})

    assert Community.objects.filter(slug="saved-anyway").count() == 1
    assert "Real-time broadcast to room:3 failed" in caplog.text


def test_with_no_channel_layer_a_broadcast_reports_it_was_not_sent(monkeypatch):
    monkeypatch.setattr(realtime, "get_channel_layer", lambda: None)

    assert send_now("room:3", {"type": "message.new"}) is False


@pytest.mark.django_db(transaction=True)
def test_revoking_access_tells_the_stream_after_commit():
    def revoke() -> None:
        with transaction.atomic():
            revoke_access("room:3", [5, 7], reason="removed")

    async def scenario():
        channel = await listen("room:3")
        await database_sync_to_async(revoke)()
        return await next_message(channel)

    assert run(scenario) == {
        "type": EVENT_TYPE,
        "stream": "room:3",
        "event": {"type": "access.revoked", "user_ids": [5, 7], "reason": "removed"},
    }


# --- the embedded layer -------------------------------------------------------------------------


def test_the_local_layer_gives_each_group_member_the_message_once():
    layer = LocalChannelLayer()

    async def scenario():
        channels = [await layer.new_channel() for _ in range(3)]
        for channel in channels:
            await layer.group_add("stream.room.3", channel)
        await layer.group_discard("stream.room.3", channels[2])
        message = {"type": EVENT_TYPE, "stream": "room:3", "event": {"id": 1}}
        await layer.group_send("stream.room.3", message)
        message["event"]["id"] = 2  # the sender's later change does not reach anyone
        received = [await layer.receive(channel) for channel in channels[:2]]
        left_out = layer.channels.get(channels[2])
        return received, left_out

    received, left_out = run(scenario)

    expected = {"type": EVENT_TYPE, "stream": "room:3", "event": {"id": 1}}
    assert received == [expected, expected]
    assert left_out is None


def test_the_local_layer_sweeps_expired_messages_at_most_once_a_period():
    layer = LocalChannelLayer(expiry=0, sweep_seconds=3600)

    async def scenario():
        slow = await layer.new_channel()
        await layer.group_add("stream.room.3", slow)
        await layer.group_send("stream.room.3", {"type": EVENT_TYPE})  # expires at once
        await layer.group_send("stream.nothing.1", {"type": EVENT_TYPE})  # the first sweep
        swept_once = slow in layer.groups.get("stream.room.3", {})
        layer.swept_at -= 3600
        await layer.group_send("stream.nothing.1", {"type": EVENT_TYPE})
        return swept_once, slow in layer.groups.get("stream.room.3", {})

    still_there_before_the_period, still_there_after = run(scenario)

    # The first sweep ran before the message was queued; the next only once the period passed,
    # and it drops the channel whose message expired unread, as channels' layer does.
    assert still_there_before_the_period is True
    assert still_there_after is False


def test_a_channel_receiving_for_many_sockets_may_fall_further_behind():
    layer = LocalChannelLayer(capacity=100)
    layer.widen("specific..inmemory!hub")

    assert layer.get_capacity("specific..inmemory!abc") == 100
    assert layer.get_capacity("specific..inmemory!hub") == 10_000
