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

import json
import logging
import time
from typing import Any

from channels.consumer import get_handler_name
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
# How often a socket's streams hear that it is still there (room presence), driven by the
# browser's keep-alive (every 25 seconds).
HEARTBEAT_SECONDS = 30
# The session is checked again on the first frame after this many seconds, so every keep-alive
# checks it; a socket that sends nothing is checked before it is given an event once its last
# check is older than twice this.
SESSION_CHECK_SECONDS = 20
# A client's `ref` is echoed in the reply; anything else is not worth sending back.
MAX_REF_LENGTH = 64


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

    async def dispatch(self, message: dict) -> None:
        # Channels closes stale database connections before every message, one thread hop
        # each; here every database call runs through database_sync_to_async, which does that
        # itself, and delivering a live event touches no database. With hundreds of sockets
        # in a room that hop per delivered event was most of a broadcast's cost.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

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

    @property
    def is_member(self) -> bool:
        return bool(getattr(self.user, "is_authenticated", False))

    async def disconnect(self, code: int) -> None:
        await self.leave_everything()

    async def leave_everything(self) -> None:
        for stream in list(getattr(self, "subscriptions", {})):
            await self.leave(stream)
        if getattr(self, "user_group", ""):
            await self.leave_group(self.user_group)
            self.user_group = ""

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
        await self.close(code=code)
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
            try:
                await database_sync_to_async(handler.heartbeat)(
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
                subscription = await database_sync_to_async(handler.subscribe)(
                    self.user, parsed[1], self.channel_name
                )
            except Exception:  # noqa: BLE001 - one stream failing must not end the socket
                logger.exception("Subscribing to %s failed", stream)
                await self.send_error(stream, "server_error", _server_error())
                return
            if subscription is None:
                await self.send_error(stream, "forbidden", _missing())
                return
            # Join before reading the backlog, so nothing saved in between is missed; the
            # client drops an event it already has by its id. Live events that arrive
            # meanwhile wait until this subscribe is answered (a consumer handles one message
            # at a time), so they come after "caught_up".
            if not await self.join_group(group_name(stream)):
                await self.end_subscription(handler, stream, subscription)
                await self.send_error(stream, "unavailable", _unavailable())
                return
            self.subscriptions[stream] = subscription
        subscription = self.subscriptions[stream]
        await self.send_json({"type": "subscribed", "stream": stream})
        after = frame.get("after")
        if isinstance(after, int) and not isinstance(after, bool) and after >= 0:
            try:
                events = await database_sync_to_async(handler.backlog)(
                    self.user, subscription, after
                )
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
            data = await database_sync_to_async(handler.handle)(self.user, subscription, frame)
        except DomainError as error:
            await self.send_refusal(ref, error.code, str(error.message), error.field)
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
        self, ref: Any, code: str, message: str, field: str | None = None
    ) -> None:
        await self.send_json(
            {"type": "reply", "ref": ref, "ok": False, "code": code, "message": message,
             "field": field}
        )  # fmt: skip

    async def leave(self, stream: str) -> None:
        subscription = self.subscriptions.pop(stream, None)
        await self.leave_group(group_name(stream))
        handler = STREAMS.get(stream.partition(":")[0])
        if subscription is not None and handler is not None:
            await self.end_subscription(handler, stream, subscription)

    async def end_subscription(self, handler: Any, stream: str, subscription: Any) -> None:
        try:
            await database_sync_to_async(handler.unsubscribe)(
                self.user, subscription, self.channel_name
            )
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
            problem = await database_sync_to_async(live_session_problem)(
                user=self.user, session=self.scope.get("session"), active=active
            )
        except Exception:  # noqa: BLE001 - see the docstring
            logger.warning("Could not check a socket's session", exc_info=True)
            return ""
        self.session_checked_at = now
        return problem

    # --- events from the channel layer ----

    async def stream_event(self, message: dict) -> None:
        if self.closing:
            return
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
        if await self.session_overdue():
            return
        handler = STREAMS.get(stream.partition(":")[0])
        if handler is None:
            return
        try:
            visible = handler.visible(self.user, subscription, event)
        except Exception:  # noqa: BLE001 - one bad event must not end the socket
            logger.exception("Filtering an event of %s failed", stream)
            return
        if visible is not None:
            await self.send_json({"type": "event", "stream": stream, "event": visible})

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
