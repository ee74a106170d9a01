"""The one WebSocket a page opens (/ws/): authenticated by the session, multiplexing streams.

Each frame is checked before anything else: its size, the socket's frame rate (a flooding
socket is closed, others are untouched), the session's time limits, and that the stream was
granted to this socket. Writes go through the stream handler to actions, which check
permission again. The protocol is described in docs/realtime.md.

A socket never dies of a handler's mistake: an unexpected exception is logged and answered
with a `server_error`, and the socket goes on. It closes only on purpose (size, flood,
session over), with a code the browser understands.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.utils.translation import gettext as _

from carecircle.core.errors import DomainError
from carecircle.core.realtime import (
    STREAMS,
    StreamHandler,
    Subscription,
    group_name,
    parse_stream,
)

logger = logging.getLogger(__name__)

# Close codes in the private range (4000-4999) so the client knows what happened.
CLOSE_SIGNED_OUT = 4401
CLOSE_FLOODING = 4429
CLOSE_TOO_BIG = 1009
# How often a socket's streams hear that it is still there (room presence), driven by the
# browser's keep-alive (every 25 seconds).
HEARTBEAT_SECONDS = 30
# The session is checked again on the first frame after this many seconds (every second or
# third keep-alive); a socket that sends nothing is checked before it is given an event once
# its last check is older than twice this. Signing out elsewhere closes sockets at once through
# the member's stream; this catches a lost broadcast, and the idle and age limits, which count
# in hours and days. Every 20 seconds, the checks of 500 sockets were a third of the database
# work of a busy room.
SESSION_CHECK_SECONDS = 60
# A client's `ref` is echoed in the reply; anything else is not worth sending back.
MAX_REF_LENGTH = 64
# Frames waiting for one socket whose client does not read them (a stalled network): above
# this the socket is closed with 1013 ("try again later"); the client reconnects and catches up
# by message id, rather than silently missing events.
OUTBOX_LIMIT = 1000
# At most this many waiting frames go in one "batch" message.
BATCH_MAX = 50
CLOSE_TOO_SLOW = 1013
# Where config/asgi.py leaves the server's own `send` in the scope: live events are written with
# it directly, not through every middleware's `send` wrapper (see KeepServerSend).
SERVER_SEND = "carecircle.server_send"
# The process re-joins a stream's channel-layer group this often: groups forget members after
# a day (channels' group_expiry).
GROUP_REFRESH_SECONDS = 3600


# What a socket's outbox holds: a frame, a step to take in order with the frames, or None (stop).
OutboxItem = str | Callable[[], Awaitable[None]] | None


# Keep-alive work (presence refreshes, session checks of idle sockets) runs in threads of its
# own, so hundreds of keep-alives never keep a member's message waiting for a free thread.
KEEPALIVE_THREADS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="realtime-keepalive")


def in_thread(
    function: Callable[..., Any], *, keepalive: bool = False
) -> Callable[..., Awaitable[Any]]:
    """Run a handler or action (synchronous, using the ORM) in a worker thread.

    Not Channels' default "thread-sensitive" mode, which runs the database work of every socket
    of the process in one single thread: one member's slow subscribe (a backlog, presence)
    then delays every other member's send. Each call here is self-contained (its own
    transaction, connections closed around it), so any worker thread may run it; one socket's
    calls still run one after another, as a consumer handles one message at a time.
    """
    if keepalive:
        return database_sync_to_async(function, thread_sensitive=False, executor=KEEPALIVE_THREADS)
    return database_sync_to_async(function, thread_sensitive=False)


class StreamHub:
    """This process's link to the channel layer for streams: one per event loop.

    A socket does not join a stream's channel-layer group itself. The process joins once per
    stream its sockets follow, and hands each event to those sockets, encoded once when they
    all see it the same. Each socket joining the group made a broadcast to a room of N sockets
    cost N layer deliveries, each with its own receive, dispatch and JSON encoding: at 500
    sockets that was more than a core. With Redis it is also one message per process instead
    of one per socket.
    """

    def __init__(self, layer: Any, loop: asyncio.AbstractEventLoop) -> None:
        self.layer, self.loop = layer, loop
        self.channel = ""
        self.followers: dict[str, set[RealtimeConsumer]] = {}
        self.joined_at: dict[str, float] = {}
        self.lock = asyncio.Lock()
        self.reader: asyncio.Task | None = None

    async def follow(self, stream: str, consumer: RealtimeConsumer) -> bool:
        """Hand `stream`'s events to `consumer` from now on; False if the layer is unreachable.

        Called again by each keep-alive, which re-joins the group when that is due.
        """
        async with self.lock:
            try:
                if not self.channel:
                    # The process's usual kind of channel: channels-redis receives them all
                    # with one reader per process.
                    self.channel = await self.layer.new_channel()
                    if hasattr(self.layer, "widen"):
                        self.layer.widen(self.channel)
                now = time.monotonic()
                joined_at = self.joined_at.get(stream)
                if joined_at is None or now - joined_at >= GROUP_REFRESH_SECONDS:
                    await self.layer.group_add(group_name(stream), self.channel)
                    self.joined_at[stream] = now
            except Exception:  # noqa: BLE001 - the channel layer (Redis) may be unreachable
                logger.warning("Could not follow %s", stream, exc_info=True)
                if stream not in self.followers:
                    return False
            if self.reader is None or self.reader.done():
                self.reader = self.loop.create_task(self.read())
            self.followers.setdefault(stream, set()).add(consumer)
        return True

    async def unfollow(self, stream: str, consumer: RealtimeConsumer) -> None:
        async with self.lock:
            followers = self.followers.get(stream)
            if followers is None:
                return
            followers.discard(consumer)
            if followers:
                return
            del self.followers[stream]
            self.joined_at.pop(stream, None)
            try:
                await self.layer.group_discard(group_name(stream), self.channel)
            except Exception:  # noqa: BLE001 - the group forgets the channel when it expires
                logger.warning("Could not stop following %s", stream, exc_info=True)

    async def read(self) -> None:
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except Exception:  # noqa: BLE001 - Redis may be down for a while: try again
                logger.warning("Could not receive stream events", exc_info=True)
                await asyncio.sleep(1)
                continue
            self.hand_out(message)

    def hand_out(self, message: dict) -> None:
        stream, event = message.get("stream"), message.get("event")
        if not isinstance(stream, str) or not isinstance(event, dict):
            return
        followers = self.followers.get(stream)
        if not followers:
            return
        encoded: dict[str, Any] = {}
        for consumer in list(followers):
            try:
                consumer.deliver(stream, event, encoded)
            except Exception:  # noqa: BLE001 - one socket's trouble is not the others'
                logger.exception("Delivering an event of %s failed", stream)


_hub: StreamHub | None = None


def stream_hub(layer: Any) -> StreamHub:
    """The hub of the running event loop (one per process under uvicorn)."""
    global _hub
    loop = asyncio.get_running_loop()
    if _hub is None or _hub.loop is not loop or _hub.layer is not layer:
        _hub = StreamHub(layer, loop)
    return _hub


def event_frame(stream: str, event: dict) -> str:
    return json.dumps({"type": "event", "stream": stream, "event": event}, separators=(",", ":"))


def encoded_once(encoded: dict[str, Any], stream: str, event: dict, visible: dict) -> str:
    """The frame of `visible`, encoded once for all the sockets given the same.

    Handlers return the event itself when a subscriber sees it unchanged, or build a copy
    without what it may not see; followers usually all get the same copy, so the last one
    built is compared before encoding again.
    """
    if visible is event:
        if "shared" not in encoded:
            encoded["shared"] = event_frame(stream, event)
        return str(encoded["shared"])
    if encoded.get("last") != visible:
        encoded["last"], encoded["last_text"] = visible, event_frame(stream, visible)
    return str(encoded["last_text"])


def batch_frame(frames: list[str]) -> str:
    """Several frames in one message: {"type": "batch", "frames": [...]} (docs/realtime.md)."""
    return '{"type":"batch","frames":[' + ",".join(frames) + "]}"


class TokenBucket:
    """`rate` frames a second on average with bursts up to `burst`."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self.tokens = burst
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class RealtimeConsumer(AsyncWebsocketConsumer):
    """One browser tab's live connection."""

    user: Any
    subscriptions: dict[str, Subscription]
    closing: bool = False
    # Read once: the scope's user is a lazy object, slow to ask for each event delivered.
    is_member: bool = False
    # Frames of followed streams (and steps to take in order with them), sent by
    # `send_outbox`, which starts with the first of them.
    outbox: deque[OutboxItem] | None = None
    outbox_ready: asyncio.Event | None = None
    sender: asyncio.Task | None = None

    async def dispatch(self, message: dict) -> None:
        # Channels closes stale database connections before every message, one thread hop
        # each; here every database call runs through `in_thread`, which does that
        # itself, and delivering a live event touches no database. With hundreds of sockets
        # in a room that hop per delivered event was most of a broadcast's cost.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self) -> None:
        self.user = self.scope.get("user")
        self.is_member = bool(getattr(self.user, "is_authenticated", False))
        self.subscriptions = {}
        self.bucket = TokenBucket(
            settings.CARECIRCLE_REALTIME_FRAMES_PER_SECOND,
            settings.CARECIRCLE_REALTIME_FRAME_BURST,
        )
        self.session_checked_at = 0.0
        self.session_check_due = False
        self.heartbeat_at = time.monotonic()
        self.user_group = ""
        self.catching_up: dict[str, list[dict]] = {}
        self.hub = stream_hub(self.channel_layer)
        self.server_send = self.scope.get(SERVER_SEND) or self.base_send
        await self.accept()
        if self.is_member:
            # Accepted first: a socket refused during the handshake reaches the browser as a
            # bare failure (1006) and it would try again forever; 4401 tells it to stop.
            problem = await self.session_problem(active=False, force=True)
            if problem:
                await self.signed_out(problem)
                return
            # A member's own stream: unread badges, and "signed out elsewhere".
            if await self.join_group(group_name(f"user:{self.user.pk}")):
                self.user_group = group_name(f"user:{self.user.pk}")
        await self.send_json(
            {
                "type": "hello",
                "member": self.is_member,
                "max_frame_bytes": settings.CARECIRCLE_REALTIME_MAX_FRAME_BYTES,
            }
        )

    async def disconnect(self, code: int) -> None:
        await self.leave_everything()

    async def leave_everything(self) -> None:
        for stream in list(getattr(self, "subscriptions", {})):
            await self.leave(stream)
        if getattr(self, "user_group", ""):
            await self.leave_group(self.user_group)
            self.user_group = ""
        if self.outbox is not None and self.outbox_ready is not None:
            self.outbox.append(None)  # the sender stops (it may be the caller)
            self.outbox_ready.set()

    async def send_json(self, payload: dict) -> None:
        if self.closing:
            return
        await self.send(text_data=json.dumps(payload, separators=(",", ":")))

    async def close_socket(self, code: int, last_frame: dict | None = None) -> None:
        """Say why (optionally), close, and stop everything this socket follows."""
        if self.closing:
            return
        if last_frame is not None:
            await self.send_json(last_frame)
        self.closing = True
        try:
            await self.close(code=code)
        except Exception:  # noqa: BLE001 - the client may have gone already
            logger.debug("Closing a socket failed", exc_info=True)
        # Frames and events may still arrive before the browser's goodbye: they are ignored,
        # and presence ends now rather than when the goodbye comes.
        await self.leave_everything()

    async def signed_out(self, message: str) -> None:
        await self.close_socket(CLOSE_SIGNED_OUT, {"type": "signed_out", "message": message})

    # --- frames from the client ----

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.closing:
            return
        if bytes_data is not None and text_data is None:
            size = len(bytes_data)
        else:
            size = len((text_data or "").encode())
        if size > settings.CARECIRCLE_REALTIME_MAX_FRAME_BYTES:
            await self.close_socket(
                CLOSE_TOO_BIG, {"type": "error", "code": "too_big", "message": _too_big()}
            )
            return
        if not self.bucket.take():
            logger.info("Closing a flooding socket (user %s)", getattr(self.user, "pk", None))
            await self.close_socket(CLOSE_FLOODING)
            return
        raw = text_data if text_data is not None else (bytes_data or b"").decode("utf-8", "replace")
        try:
            frame = json.loads(raw)
        except ValueError:
            frame = None
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            await self.send_json({"type": "error", "code": "invalid", "message": _bad_frame()})
            return
        kind = frame["type"]
        # Writing counts as use of the session; keep-alives and (re)subscribing do not.
        active = kind not in {"ping", "subscribe", "unsubscribe"}
        problem = await self.session_problem(active=active) if self.is_member else ""
        if problem:
            await self.signed_out(problem)
            return
        if kind == "ping":
            await self.on_ping()
        elif kind == "subscribe":
            await self.on_subscribe(frame)
        elif kind == "unsubscribe":
            stream = frame.get("stream")
            if isinstance(stream, str) and stream in self.subscriptions:
                await self.leave(stream)
            await self.send_json(
                {"type": "unsubscribed", "stream": stream if isinstance(stream, str) else None}
            )
        else:
            await self.on_action(frame)

    async def on_ping(self) -> None:
        await self.send_json({"type": "pong"})
        now = time.monotonic()
        if now - self.heartbeat_at < HEARTBEAT_SECONDS * 0.8:
            return
        self.heartbeat_at = now
        for stream, subscription in list(self.subscriptions.items()):
            handler = STREAMS.get(stream.partition(":")[0])
            if handler is None:
                continue
            await self.hub.follow(stream, self)
            try:
                await in_thread(handler.heartbeat, keepalive=True)(
                    self.user, subscription, self.channel_name
                )
            except Exception:  # noqa: BLE001 - presence may lag; the socket goes on
                logger.exception("Heartbeat of %s failed", stream)

    async def on_subscribe(self, frame: dict) -> None:
        stream = frame.get("stream")
        parsed = parse_stream(stream)
        handler = STREAMS.get(parsed[0]) if parsed else None
        if parsed is None or handler is None:
            # The same answer as a stream this socket may not follow: nobody learns from it
            # which conversations or rooms exist.
            await self.send_error(stream, "forbidden", _missing())
            return
        assert isinstance(stream, str)
        if stream not in self.subscriptions:
            if len(self.subscriptions) >= settings.CARECIRCLE_REALTIME_MAX_SUBSCRIPTIONS:
                await self.send_error(stream, "too_many", _too_many())
                return
            try:
                subscription = await in_thread(handler.subscribe)(
                    self.user, parsed[1], self.channel_name
                )
            except Exception:  # noqa: BLE001 - one stream failing must not end the socket
                logger.exception("Subscribing to %s failed", stream)
                await self.send_error(stream, "server_error", _server_error())
                return
            if subscription is None:
                await self.send_error(stream, "forbidden", _missing())
                return
            # Follow before reading the backlog, so nothing saved in between is missed; the
            # client drops an event it already has by its id. Live events that arrive
            # meanwhile wait in `catching_up` and are sent after "caught_up".
            self.catching_up[stream] = []
            if not await self.hub.follow(stream, self):
                self.catching_up.pop(stream, None)
                await self.end_subscription(handler, stream, subscription)
                await self.send_error(stream, "unavailable", _unavailable())
                return
            self.subscriptions[stream] = subscription
        self.catching_up.setdefault(stream, [])
        try:
            await self.catch_up(handler, stream, self.subscriptions[stream], frame.get("after"))
        finally:
            for event in self.catching_up.pop(stream, []):
                self.deliver(stream, event, {})

    async def catch_up(
        self, handler: StreamHandler, stream: str, subscription: Subscription, after: Any
    ) -> None:
        await self.send_json({"type": "subscribed", "stream": stream})
        if isinstance(after, int) and not isinstance(after, bool) and after >= 0:
            try:
                events = await in_thread(handler.backlog)(self.user, subscription, after)
            except Exception:  # noqa: BLE001 - the client may subscribe again to catch up
                logger.exception("Backlog of %s failed", stream)
                await self.send_error(stream, "server_error", _server_error())
                return
            for event in events:
                await self.send_json({"type": "event", "stream": stream, "event": event})
        await self.send_json({"type": "caught_up", "stream": stream})

    async def on_action(self, frame: dict) -> None:
        stream = frame.get("stream")
        ref = frame.get("ref")
        if (
            not isinstance(ref, str | int)
            or isinstance(ref, bool)
            or len(str(ref)) > MAX_REF_LENGTH
        ):
            ref = None
        subscription = self.subscriptions.get(stream) if isinstance(stream, str) else None
        handler = STREAMS.get(stream.partition(":")[0]) if isinstance(stream, str) else None
        if subscription is None or handler is None:
            await self.send_refusal(ref, "not_subscribed", _missing())
            return
        try:
            data = await in_thread(handler.handle)(self.user, subscription, frame)
        except DomainError as error:
            await self.send_refusal(
                ref, error.code, str(error.message), error.field, details=error.details
            )
            return
        except Exception:  # noqa: BLE001 - answered, logged, and the socket goes on
            logger.exception("Handling a %r frame on %s failed", frame.get("type"), stream)
            await self.send_refusal(ref, "server_error", _server_error())
            return
        await self.send_json({"type": "reply", "ref": ref, "ok": True, "data": data})

    async def send_error(self, stream: Any, code: str, message: str) -> None:
        await self.send_json(
            {
                "type": "error",
                "stream": stream if isinstance(stream, str) else None,
                "code": code,
                "message": message,
            }
        )

    async def send_refusal(
        self,
        ref: Any,
        code: str,
        message: str,
        field: str | None = None,
        *,
        details: list[dict[str, Any]] | None = None,
    ) -> None:
        reply: dict[str, Any] = {
            "type": "reply", "ref": ref, "ok": False, "code": code, "message": message,
            "field": field,
        }  # fmt: skip
        if details:
            # What screening found, so the page can say it before "Send anyway".
            reply["details"] = details
        await self.send_json(reply)

    async def leave(self, stream: str, subscription: Subscription | None = None) -> None:
        subscription = self.subscriptions.pop(stream, None) or subscription
        self.catching_up.pop(stream, None)
        await self.hub.unfollow(stream, self)
        handler = STREAMS.get(stream.partition(":")[0])
        if subscription is not None and handler is not None:
            await self.end_subscription(handler, stream, subscription)

    async def end_subscription(self, handler: Any, stream: str, subscription: Any) -> None:
        try:
            await in_thread(handler.unsubscribe)(self.user, subscription, self.channel_name)
        except Exception:  # noqa: BLE001 - leaving must finish even if presence cannot be saved
            logger.warning("Could not record leaving %s", stream, exc_info=True)

    async def join_group(self, group: str) -> bool:
        try:
            await self.channel_layer.group_add(group, self.channel_name)
        except Exception:  # noqa: BLE001 - the channel layer (Redis) may be unreachable
            logger.warning("Could not join %s", group, exc_info=True)
            return False
        return True

    async def leave_group(self, group: str) -> None:
        try:
            await self.channel_layer.group_discard(group, self.channel_name)
        except Exception:  # noqa: BLE001 - the group forgets the channel when it expires
            logger.warning("Could not leave %s", group, exc_info=True)

    async def session_problem(self, *, active: bool, force: bool = False) -> str:
        """Why the session is over (signed out elsewhere, idle, too old); "" while it may go on.

        Checked at most every SESSION_CHECK_SECONDS. When the database cannot answer, the
        socket goes on and asks again on its next frame: actions meet the same outage.
        """
        now = time.monotonic()
        if not force and now - self.session_checked_at < SESSION_CHECK_SECONDS:
            return ""
        from carecircle.signin.actions import live_session_problem

        try:
            problem = await in_thread(live_session_problem, keepalive=not (active or force))(
                user=self.user, session=self.scope.get("session"), active=active
            )
        except Exception:  # noqa: BLE001 - see the docstring
            logger.warning("Could not check a socket's session", exc_info=True)
            return ""
        self.session_checked_at = now
        return problem

    # --- events from the channel layer ----

    def deliver(self, stream: str, event: dict, encoded: dict[str, Any]) -> None:
        """Queue an event of a followed stream for this socket (called by the hub; no awaits).

        `encoded` is shared by the sockets given the same event, so an event every follower
        sees unchanged is encoded once.
        """
        if self.closing:
            return
        held = self.catching_up.get(stream)
        if held is not None:
            held.append(event)
            return
        subscription = self.subscriptions.get(stream)
        handler = STREAMS.get(stream.partition(":")[0])
        if subscription is None or handler is None:
            return
        if event.get("type") == "access.revoked":
            if getattr(self.user, "pk", None) in event.get("user_ids", []):
                # No more events from now on; leaving and saying so follow in order.
                self.subscriptions.pop(stream, None)
                reason = event.get("reason", "")
                self.post(lambda: self.revoked(stream, subscription, reason))
            return
        overdue = time.monotonic() - self.session_checked_at >= 2 * SESSION_CHECK_SECONDS
        if self.is_member and overdue and not self.session_check_due:
            # A socket that sends nothing (no keep-alive): its session is checked before it is
            # given anything more.
            self.session_check_due = True
            self.post(self.check_session_before_events)
        try:
            visible = handler.visible(self.user, subscription, event)
        except Exception:  # noqa: BLE001 - one bad event must not end the socket
            logger.exception("Filtering an event of %s failed", stream)
            return
        if visible is None:
            return
        self.post(encoded_once(encoded, stream, event, visible))

    def post(self, item: OutboxItem) -> None:
        """Queue a frame (or a step to take in order with the frames) for `send_outbox`."""
        if self.outbox is None or self.outbox_ready is None:
            self.outbox, self.outbox_ready = deque(), asyncio.Event()
            self.sender = asyncio.get_running_loop().create_task(self.send_outbox())
        if len(self.outbox) >= OUTBOX_LIMIT:
            if not self.closing:
                logger.info("Closing a socket that reads too slowly")
                self.closing = True  # nothing more is queued
                self.outbox.append(self.too_slow)
                self.outbox_ready.set()
            return
        self.outbox.append(item)
        self.outbox_ready.set()

    async def send_outbox(self) -> None:
        """Send what `post` queued, in order; frames that queued up meanwhile go together.

        A socket that fell behind (a burst of presence changes as a room fills up) is sent
        one "batch" message carrying its waiting frames instead of one message each: the cost
        of a send is mostly per message, not per byte.
        """
        assert self.outbox is not None and self.outbox_ready is not None
        outbox, ready = self.outbox, self.outbox_ready
        while True:
            if not outbox:
                ready.clear()
                await ready.wait()
                continue
            item = outbox.popleft()
            if item is None:
                return
            try:
                if not isinstance(item, str):
                    await item()
                    continue
                if self.closing:
                    continue
                frames = [item]
                while outbox and isinstance(outbox[0], str) and len(frames) < BATCH_MAX:
                    following = outbox.popleft()
                    assert isinstance(following, str)
                    frames.append(following)
                text = frames[0] if len(frames) == 1 else batch_frame(frames)
                await self.server_send({"type": "websocket.send", "text": text})
            except Exception:  # noqa: BLE001 - the client may be gone; its disconnect follows
                logger.debug("Sending to a socket failed", exc_info=True)

    async def too_slow(self) -> None:
        self.closing = False  # let close_socket run
        await self.close_socket(CLOSE_TOO_SLOW)

    async def revoked(self, stream: str, subscription: Subscription, reason: str) -> None:
        await self.leave(stream, subscription)
        await self.send_json({"type": "unsubscribed", "stream": stream, "reason": reason})

    async def check_session_before_events(self) -> None:
        self.session_check_due = False
        problem = await self.session_problem(active=False)
        if problem:
            await self.signed_out(problem)

    async def stream_event(self, message: dict) -> None:
        """Events on this socket's own channel: its member's stream ("user:<id>")."""
        if self.closing:
            return
        stream = message.get("stream", "")
        event = message.get("event") or {}
        if stream.startswith("user:"):
            await self.on_user_event(stream, event)

    async def session_overdue(self) -> bool:
        """For a socket that sends nothing (no keep-alive): check its session before an event.

        True when the session is over (the socket is then closed).
        """
        if not self.is_member:
            return False
        if time.monotonic() - self.session_checked_at < 2 * SESSION_CHECK_SECONDS:
            return False
        problem = await self.session_problem(active=False)
        if problem:
            await self.signed_out(problem)
            return True
        return False

    async def on_user_event(self, stream: str, event: dict) -> None:
        if event.get("type") == "session.ended":
            from carecircle.signin.sessions import session_key_hash

            key = getattr(self.scope.get("session"), "session_key", None)
            if key and session_key_hash(key) in event.get("session_key_hashes", []):
                await self.signed_out(_signed_out())
            return
        if await self.session_overdue():
            return
        await self.send_json({"type": "event", "stream": stream, "event": event})


def _too_big() -> str:
    return _("That message is too long to send.")


def _signed_out() -> str:
    return _("This session was signed out. Please sign in again.")


def _missing() -> str:
    return _("That is not available to you, or it no longer exists.")


def _too_many() -> str:
    return _("This page is following too many live updates. Please reload it.")


def _bad_frame() -> str:
    return _("That request could not be understood.")


def _server_error() -> str:
    return _("Something went wrong on our side. Please try again.")


def _unavailable() -> str:
    return _("Live updates are not available right now. Please reload the page later.")
