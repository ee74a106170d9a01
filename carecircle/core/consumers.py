"""The one WebSocket a page opens (/ws/): authenticated by the session, multiplexing streams.

Each frame is checked before anything else: its size, the socket's frame rate (a flooding
socket is closed, others are untouched), the session's time limits, and that the stream was
granted to this socket. Writes go through the stream handler to actions, which check
permission again. The protocol is described in docs/realtime.md.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.utils.translation import gettext as _

from carecircle.core.errors import DomainError
from carecircle.core.realtime import STREAMS, Subscription, group_name, parse_stream

logger = logging.getLogger(__name__)

# Close codes in the private range (4000-4999) so the client knows what happened.
CLOSE_SIGNED_OUT = 4401
CLOSE_FLOODING = 4429
CLOSE_TOO_BIG = 1009
HEARTBEAT_SECONDS = 30
SESSION_CHECK_SECONDS = 30


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

    async def connect(self) -> None:
        self.user = self.scope.get("user")
        self.subscriptions = {}
        self.bucket = TokenBucket(
            settings.CARECIRCLE_REALTIME_FRAMES_PER_SECOND,
            settings.CARECIRCLE_REALTIME_FRAME_BURST,
        )
        self.session_checked_at = 0.0
        self.heartbeat_at = time.monotonic()
        self.user_group = ""
        if self.is_member:
            if await self.session_problem(active=True):
                await self.close(code=CLOSE_SIGNED_OUT)
                return
            # A member's own stream: unread badges, and "signed out elsewhere".
            self.user_group = group_name(f"user:{self.user.pk}")
            await self.channel_layer.group_add(self.user_group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "hello", "member": self.is_member})

    @property
    def is_member(self) -> bool:
        return bool(getattr(self.user, "is_authenticated", False))

    async def disconnect(self, code: int) -> None:
        for stream in list(getattr(self, "subscriptions", {})):
            await self.leave(stream)
        if getattr(self, "user_group", ""):
            await self.channel_layer.group_discard(self.user_group, self.channel_name)

    async def send_json(self, payload: dict) -> None:
        await self.send(text_data=json.dumps(payload, separators=(",", ":")))

    # --- frames from the client ----

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        raw = text_data if text_data is not None else (bytes_data or b"").decode("utf-8", "replace")
        if len(raw.encode()) > settings.CARECIRCLE_REALTIME_MAX_FRAME_BYTES:
            await self.send_json({"type": "error", "code": "too_big", "message": _too_big()})
            await self.close(code=CLOSE_TOO_BIG)
            return
        if not self.bucket.take():
            logger.info("Closing a flooding socket (user %s)", getattr(self.user, "pk", None))
            await self.close(code=CLOSE_FLOODING)
            return
        try:
            frame = json.loads(raw)
        except ValueError:
            frame = None
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            await self.send_json({"type": "error", "code": "invalid", "message": "Bad frame."})
            return
        kind = frame["type"]
        if self.is_member and kind != "ping" and await self.session_problem(active=True):
            await self.send_json({"type": "signed_out"})
            await self.close(code=CLOSE_SIGNED_OUT)
            return
        if kind == "ping":
            await self.on_ping()
        elif kind == "subscribe":
            await self.on_subscribe(frame)
        elif kind == "unsubscribe":
            stream = frame.get("stream")
            if isinstance(stream, str) and stream in self.subscriptions:
                await self.leave(stream)
            await self.send_json({"type": "unsubscribed", "stream": stream})
        else:
            await self.on_action(frame)

    async def on_ping(self) -> None:
        await self.send_json({"type": "pong"})
        now = time.monotonic()
        if now - self.heartbeat_at < HEARTBEAT_SECONDS * 0.8:
            return
        self.heartbeat_at = now
        if self.is_member and await self.session_problem(active=False):
            await self.send_json({"type": "signed_out"})
            await self.close(code=CLOSE_SIGNED_OUT)
            return
        for stream, subscription in list(self.subscriptions.items()):
            handler = STREAMS[stream.partition(":")[0]]
            await database_sync_to_async(handler.heartbeat)(
                self.user, subscription, self.channel_name
            )

    async def on_subscribe(self, frame: dict) -> None:
        stream = frame.get("stream")
        parsed = parse_stream(stream)
        handler = STREAMS.get(parsed[0]) if parsed else None
        if parsed is None or handler is None:
            await self.send_json(
                {"type": "error", "stream": stream, "code": "not_found", "message": _missing()}
            )
            return
        assert isinstance(stream, str)
        if stream not in self.subscriptions:
            if len(self.subscriptions) >= settings.CARECIRCLE_REALTIME_MAX_SUBSCRIPTIONS:
                await self.send_json(
                    {"type": "error", "stream": stream, "code": "too_many", "message": _missing()}
                )
                return
            subscription = await database_sync_to_async(handler.subscribe)(
                self.user, parsed[1], self.channel_name
            )
            if subscription is None:
                await self.send_json(
                    {"type": "error", "stream": stream, "code": "forbidden", "message": _missing()}
                )
                return
            # Join before reading the backlog, so nothing saved in between is missed; the
            # client drops an event it already has by its id.
            self.subscriptions[stream] = subscription
            await self.channel_layer.group_add(group_name(stream), self.channel_name)
        subscription = self.subscriptions[stream]
        await self.send_json({"type": "subscribed", "stream": stream})
        after = frame.get("after")
        if isinstance(after, int) and not isinstance(after, bool) and after >= 0:
            events = await database_sync_to_async(handler.backlog)(self.user, subscription, after)
            for event in events:
                await self.send_json({"type": "event", "stream": stream, "event": event})
        await self.send_json({"type": "caught_up", "stream": stream})

    async def on_action(self, frame: dict) -> None:
        stream = frame.get("stream")
        ref = frame.get("ref")
        subscription = self.subscriptions.get(stream) if isinstance(stream, str) else None
        if subscription is None:
            await self.send_json(
                {"type": "reply", "ref": ref, "ok": False, "code": "not_subscribed",
                 "message": _missing()}
            )  # fmt: skip
            return
        assert isinstance(stream, str)
        handler = STREAMS[stream.partition(":")[0]]
        try:
            data = await database_sync_to_async(handler.handle)(self.user, subscription, frame)
        except DomainError as error:
            await self.send_json(
                {"type": "reply", "ref": ref, "ok": False, "code": error.code,
                 "message": str(error.message), "field": error.field}
            )  # fmt: skip
            return
        await self.send_json({"type": "reply", "ref": ref, "ok": True, "data": data})

    async def leave(self, stream: str) -> None:
        subscription = self.subscriptions.pop(stream, None)
        await self.channel_layer.group_discard(group_name(stream), self.channel_name)
        if subscription is None:
            return
        handler = STREAMS[stream.partition(":")[0]]
        try:
            await database_sync_to_async(handler.unsubscribe)(
                self.user, subscription, self.channel_name
            )
        except Exception:  # noqa: BLE001 - leaving must finish even if presence cannot be saved
            logger.warning("Could not record leaving %s", stream, exc_info=True)

    async def session_problem(self, *, active: bool) -> bool:
        """Whether the session is over (signed out elsewhere, idle or too old); checked often."""
        now = time.monotonic()
        if now - self.session_checked_at < SESSION_CHECK_SECONDS and self.session_checked_at:
            return False
        self.session_checked_at = now
        from carecircle.signin.actions import live_session_problem

        session = self.scope.get("session")
        return bool(
            await database_sync_to_async(live_session_problem)(
                user=self.user, session=session, active=active
            )
        )

    # --- events from the channel layer ----

    async def stream_event(self, message: dict) -> None:
        stream = message.get("stream", "")
        event = message.get("event") or {}
        if stream.startswith("user:"):
            await self.on_user_event(stream, event)
            return
        subscription = self.subscriptions.get(stream)
        if subscription is None:
            return
        if event.get("type") == "access.revoked":
            if getattr(self.user, "pk", None) in event.get("user_ids", []):
                await self.leave(stream)
                await self.send_json(
                    {"type": "unsubscribed", "stream": stream, "reason": event.get("reason", "")}
                )
            return
        handler = STREAMS[stream.partition(":")[0]]
        visible = handler.visible(self.user, subscription, event)
        if visible is not None:
            await self.send_json({"type": "event", "stream": stream, "event": visible})

    async def on_user_event(self, stream: str, event: dict) -> None:
        if event.get("type") == "session.ended":
            from carecircle.signin.sessions import session_key_hash

            key = getattr(self.scope.get("session"), "session_key", None)
            if key and session_key_hash(key) in event.get("session_key_hashes", []):
                await self.send_json({"type": "signed_out"})
                await self.close(code=CLOSE_SIGNED_OUT)
            return
        await self.send_json({"type": "event", "stream": stream, "event": event})


def _too_big() -> str:
    return _("That message is too long to send.")


def _missing() -> str:
    return _("That conversation is not available to you.")
