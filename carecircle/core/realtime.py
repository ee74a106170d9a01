"""Real-time delivery over WebSockets: persisted first, broadcast second.

Every live update belongs to a *stream* named "<kind>:<key>" ("conversation:12", "room:3",
"topic:9", "user:5"). A browser opens one socket (`carecircle.core.consumers.RealtimeConsumer`
at /ws/) and subscribes to the streams of the page it shows; each subscription is authorised
by the stream's handler, which apps register here from their `streams.py`.

Actions never talk to sockets. They save, then call `broadcast(stream, event)`, which sends
after the transaction commits and only logs when the channel layer is unreachable: the data
is already saved, and a client that missed the event fetches it on its next subscribe
(`backlog`), so nothing acknowledged is lost. The wire protocol is in docs/realtime.md.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

#: The channel-layer message type of stream events.
EVENT_TYPE = "stream.event"
#: How many events may wait for a channel that receives for many sockets (a process's stream
#: hub, `carecircle.core.consumers.StreamHub`) before new ones are dropped.
WIDE_CHANNEL_CAPACITY = 10_000


def group_name(stream: str) -> str:
    """The channel-layer group of a stream ("room:3" -> "stream.room.3")."""
    return "stream." + stream.replace(":", ".")


def parse_stream(stream: Any) -> tuple[str, str] | None:
    """("room", "3") for "room:3"; None for anything malformed or not written canonically.

    Only ASCII letters and digits (channel-layer group names allow nothing else, and
    `str.isdigit` also accepts "²"), and no leading zeros: "room:03" would be a different
    group from "room:3" and never hear its events.
    """
    if not isinstance(stream, str) or len(stream) > 80 or not stream.isascii():
        return None
    kind, separator, key = stream.partition(":")
    if not separator or not kind.isalpha() or not key.isdigit() or len(key) > 18:
        return None
    if key != "0" and key.startswith("0"):
        return None
    return kind, key


@dataclass
class Subscription:
    """What a handler decided when it let `user` subscribe; kept for the socket's lifetime.

    `context` holds whatever the handler needs to filter events without a query (for example
    the ids of members the subscriber has blocked).
    """

    stream: str
    key: str
    context: dict[str, Any] = field(default_factory=dict)


class StreamHandler:
    """One kind of stream. Methods run in a worker thread and may use the ORM.

    `subscribe` must check permission and return None to refuse; every other method can
    assume a subscription it granted. `handle` receives client frames ("send", "typing",
    "read" ...) and must call actions, which check permission again: being subscribed is not
    a licence to write.
    """

    kind: str = ""

    def subscribe(self, user: Any, key: str, channel_name: str) -> Subscription | None:
        raise NotImplementedError

    def unsubscribe(self, user: Any, subscription: Subscription, channel_name: str) -> None:
        """Called when the socket leaves the stream or closes (presence ends here)."""

    def heartbeat(self, user: Any, subscription: Subscription, channel_name: str) -> None:
        """Called about every 30 seconds while subscribed (presence stays fresh here)."""

    def backlog(self, user: Any, subscription: Subscription, after: int | None) -> list[dict]:
        """Events the subscriber missed since message id `after` (oldest first, capped)."""
        return []

    def handle(self, user: Any, subscription: Subscription, frame: dict) -> dict | None:
        """Answer one client frame; raise a DomainError to refuse it with a message."""
        from carecircle.core.errors import ValidationFailed

        raise ValidationFailed("This stream accepts no messages.", code="unsupported")

    def visible(self, user: Any, subscription: Subscription, event: dict) -> dict | None:
        """The event as this subscriber may see it, or None to drop it. No queries here."""
        return event


STREAMS: dict[str, StreamHandler] = {}


def register_stream(handler: StreamHandler) -> StreamHandler:
    """Make a stream kind available to sockets (call from an app's `ready()`)."""
    STREAMS[handler.kind] = handler
    return handler


#: A broadcast waits at most this long for the channel layer (an unreachable Redis must not
#: hold up the request or socket frame that saved something).
SEND_TIMEOUT_SECONDS = 2.0


async def _group_send(layer: Any, stream: str, event: dict) -> None:
    message = {"type": EVENT_TYPE, "stream": stream, "event": event}
    await asyncio.wait_for(layer.group_send(group_name(stream), message), SEND_TIMEOUT_SECONDS)


def send_now(stream: str, event: dict) -> bool:
    """Send an event to a stream's subscribers now; False (logged) when the layer failed.

    Call it from synchronous code (an action, an on_commit callback), never from a coroutine.
    """
    layer = get_channel_layer()
    if layer is None:
        return False
    try:
        async_to_sync(_group_send)(layer, stream, event)
    except Exception:  # noqa: BLE001 - a broadcast must never undo or fail a saved write
        logger.warning("Real-time broadcast to %s failed", stream, exc_info=True)
        return False
    return True


async def _group_send_many(layer: Any, items: list[tuple[str, dict]]) -> int:
    failed = 0
    for stream, event in items:
        try:
            await _group_send(layer, stream, event)
        except Exception:  # noqa: BLE001 - one stream's failure must not stop the others
            failed += 1
            logger.warning("Real-time broadcast to %s failed", stream, exc_info=True)
    return failed


def send_now_many(items: list[tuple[str, dict]]) -> int:
    """Send each (stream, event) now, in one trip into the event loop; returns how many failed.

    A fan-out to a thousand members' own streams costs one `async_to_sync` instead of a
    thousand (each of which starts a thread and an event loop turn).
    """
    if not items:
        return 0
    layer = get_channel_layer()
    if layer is None:
        return len(items)
    try:
        return async_to_sync(_group_send_many)(layer, items)
    except Exception:  # noqa: BLE001 - a broadcast must never undo or fail a saved write
        logger.warning("Real-time broadcast to %d streams failed", len(items), exc_info=True)
        return len(items)


def broadcast(stream: str, event: dict) -> None:
    """Send `event` to everyone subscribed to `stream` once the current transaction commits."""
    transaction.on_commit(lambda: send_now(stream, event))


def revoke_access(stream: str, user_ids: list[int], reason: str = "") -> None:
    """After commit, drop these members' subscriptions to `stream` on every socket they have."""
    broadcast(stream, {"type": "access.revoked", "user_ids": list(user_ids), "reason": reason})


class LocalChannelLayer(InMemoryChannelLayer):
    """Channels' in-memory layer (the embedded default: one process) without its quadratic cost.

    The stock layer looks through every channel and group for expired entries on every
    `receive` and `group_send`, and copies a broadcast once per recipient. With every socket
    of a busy room receiving each message, a broadcast cost O(sockets^2): 200 sockets in a room
    spent most of the server's time there. Here expiry is swept at most once a second, and a
    group message is copied once and shared by its recipients, which only read it. The
    process's stream hub, which receives for all its sockets, may fall further behind than a
    single socket before events are dropped.
    """

    extensions = ["groups", "flush"]

    def __init__(self, *args: Any, sweep_seconds: float = 1.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sweep_seconds = sweep_seconds
        self.swept_at = 0.0
        self.wide_channels: set[str] = set()

    def widen(self, channel: str) -> None:
        """Let `channel`, which receives for many sockets, hold WIDE_CHANNEL_CAPACITY events."""
        self.wide_channels.add(channel)

    def get_capacity(self, channel: str) -> int:
        if channel in self.wide_channels:
            return max(self.capacity, WIDE_CHANNEL_CAPACITY)
        return int(super().get_capacity(channel))

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self.swept_at < self.sweep_seconds:
            return
        self.swept_at = now
        super()._clean_expired()

    async def group_send(self, group: str, message: dict) -> None:
        assert isinstance(message, dict), "Message is not a dict"
        self.require_valid_group_name(group)
        self._clean_expired()
        channels = list(self.groups.get(group, {}))
        if not channels:
            return
        shared = (time.time() + self.expiry, copy.deepcopy(message))
        for channel in channels:
            queue = self.channels.setdefault(
                channel, asyncio.Queue(maxsize=self.get_capacity(channel))
            )
            try:
                queue.put_nowait(shared)
            except asyncio.QueueFull:
                # As in channels' layers: a recipient that is this far behind loses the
                # message (its client catches up by id on its next subscribe).
                logger.info("Channel %s is full; a message to %s was dropped", channel, group)
