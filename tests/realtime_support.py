"""What the real-time tests share: signed-in cookies, sockets on the real ASGI app, a probe stream.

The tests are plain synchronous pytest tests (the project has no async pytest plugin): each
drives one coroutine with `run()`, inside which database work goes through
`database_sync_to_async`, exactly as in the consumer.
"""

from __future__ import annotations

import asyncio
import json
import sys
import types
from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.test import Client

from carecircle.core.errors import ValidationFailed
from carecircle.core.realtime import StreamHandler, Subscription, group_name


def _websocket_communicator_class() -> Any:
    """channels' WebsocketCommunicator, importable without daphne.

    `channels.testing` imports daphne for its live-server test case, which these tests do not
    use (the cross-process test runs uvicorn); while it is imported, a placeholder stands in
    for daphne, and is removed again so nothing else mistakes it for the real one.
    """
    try:
        from channels.testing import WebsocketCommunicator
    except ModuleNotFoundError as error:
        if error.name not in {"daphne", "daphne.testing"}:
            raise
        placeholder = types.ModuleType("daphne.testing")
        placeholder.DaphneProcess = object  # type: ignore[attr-defined]
        sys.modules["daphne"] = types.ModuleType("daphne")
        sys.modules["daphne.testing"] = placeholder
        try:
            from channels.testing import WebsocketCommunicator
        finally:
            del sys.modules["daphne"], sys.modules["daphne.testing"]
    return WebsocketCommunicator


WebsocketCommunicator = _websocket_communicator_class()
ORIGIN = b"http://testserver"
TIMEOUT = 3


def run(scenario: Callable[[], Awaitable[Any]]) -> Any:
    """Run one async scenario to its end from a synchronous test."""
    return async_to_sync(scenario)()


def flush_channel_layer() -> None:
    """Forget every group and queued event (the in-memory layer outlives each test's loop)."""
    layer = get_channel_layer()
    if layer is not None and hasattr(layer, "flush"):
        async_to_sync(layer.flush)()


def signed_in_client(user: Any) -> Client:
    """A browser signed in as `user` whose session is in the member's list, as after sign-in."""
    client = Client()
    client.force_login(user)
    # The first request after signing in lists the session (SessionSecurityMiddleware).
    response = client.get("/account/sign-in/")
    assert response.status_code == 200
    return client


def session_cookie(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def communicator(
    cookie: str | None = None, *, origin: bytes | None = ORIGIN
) -> WebsocketCommunicator:
    """A socket to /ws/ on the project's ASGI application (origin checks included)."""
    from config.asgi import application

    headers = []
    if origin is not None:
        headers.append((b"origin", origin))
    if cookie is not None:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    return WebsocketCommunicator(application, "/ws/", headers=headers)


async def open_socket(cookie: str | None = None) -> tuple[WebsocketCommunicator, dict]:
    """A connected socket and its hello frame."""
    socket = communicator(cookie)
    connected, _ = await socket.connect(timeout=TIMEOUT)
    assert connected
    hello = await socket.receive_json_from(timeout=TIMEOUT)
    return socket, hello


async def receive(socket: WebsocketCommunicator) -> dict:
    """The next frame; the frames of a "batch" message come one by one."""
    waiting = socket.__dict__.setdefault("waiting_frames", [])
    if not waiting:
        frame = await socket.receive_json_from(timeout=TIMEOUT)
        waiting.extend(frame["frames"] if frame["type"] == "batch" else [frame])
    return waiting.pop(0)


async def subscribe(socket: WebsocketCommunicator, stream: str, **extra: Any) -> list[dict]:
    """Subscribe and return every frame up to its answer ("caught_up" or "error")."""
    await socket.send_json_to({"type": "subscribe", "stream": stream, **extra})
    frames = []
    while True:
        frame = await receive(socket)
        frames.append(frame)
        if frame["type"] in {"caught_up", "error"}:
            return frames


async def closed_with(socket: WebsocketCommunicator) -> tuple[list[dict], int]:
    """The frames sent before the socket was closed, and its close code."""
    frames = socket.__dict__.pop("waiting_frames", [])
    while True:
        output = await socket.receive_output(timeout=TIMEOUT)
        if output["type"] == "websocket.close":
            return frames, output.get("code", 1000)
        frame = json.loads(output["text"])
        frames.extend(frame["frames"] if frame["type"] == "batch" else [frame])


async def ping(socket: WebsocketCommunicator) -> dict:
    await socket.send_json_to({"type": "ping"})
    return await receive(socket)


async def nothing_more(socket: WebsocketCommunicator) -> bool:
    return bool(await socket.receive_nothing(timeout=0.2, interval=0.02))


class ProbeStream(StreamHandler):
    """A stream kind that exists only in tests ("probe:<n>").

    probe:1 is open to everyone, visitors included; probe:2 to 4 to members only; subscribing
    to probe:5 fails with an unexpected error; every other key "does not exist". Its backlog
    is messages 1 to 3; it answers "send", refuses "refuse" (a domain error) and fails on
    "crash"; it hides events marked for another member.
    """

    kind = "probe"
    messages = (1, 2, 3)

    def __init__(self) -> None:
        self.left: list[tuple[int | None, str]] = []
        self.heartbeats: list[str] = []
        self.handled: list[dict] = []
        # Called while the backlog is read (something saved meanwhile, say).
        self.during_backlog: Callable[[], Any] | None = None

    def subscribe(self, user: Any, key: str, channel_name: str) -> Subscription | None:
        if key == "5":
            raise RuntimeError("the probe's subscribe failed")
        if key == "1" or (key in {"2", "3", "4"} and user.is_authenticated):
            return Subscription(stream=f"probe:{key}", key=key, context={"user_id": user.pk})
        return None

    def unsubscribe(self, user: Any, subscription: Subscription, channel_name: str) -> None:
        self.left.append((user.pk, subscription.stream))

    def heartbeat(self, user: Any, subscription: Subscription, channel_name: str) -> None:
        self.heartbeats.append(subscription.stream)

    def backlog(self, user: Any, subscription: Subscription, after: int | None) -> list[dict]:
        if self.during_backlog is not None:
            self.during_backlog()
        return [
            {"type": "message.new", "message": {"id": number}}
            for number in self.messages
            if after is None or number > after
        ]

    def handle(self, user: Any, subscription: Subscription, frame: dict) -> dict | None:
        self.handled.append(frame)
        if frame["type"] == "send":
            return {"echo": frame.get("body"), "user_id": user.pk}
        if frame["type"] == "refuse":
            raise ValidationFailed("Please write a message.", field="body")
        if frame["type"] == "crash":
            raise RuntimeError("the probe's handler failed")
        return super().handle(user, subscription, frame)

    def visible(self, user: Any, subscription: Subscription, event: dict) -> dict | None:
        if "hidden_from" in event and event["hidden_from"] == subscription.context["user_id"]:
            return None
        if "private" in event:
            return {key: value for key, value in event.items() if key != "private"}
        return event


async def wait_until(check: Callable[[], bool], timeout: float = TIMEOUT) -> None:
    """Wait (in the event loop) until `check()` is true."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.01)


class Listener:
    """A channel-layer channel joined to some streams' groups, as a socket would be."""

    def __init__(self, *streams: str) -> None:
        self.layer = get_channel_layer()
        self.channel = async_to_sync(self.layer.new_channel)()
        for stream in streams:
            async_to_sync(self.layer.group_add)(group_name(stream), self.channel)

    def events(self) -> list[dict]:
        async def drain() -> list[dict]:
            found = []
            while True:
                try:
                    message = await asyncio.wait_for(self.layer.receive(self.channel), 0.05)
                except TimeoutError:
                    return found
                found.append(message["event"])

        return async_to_sync(drain)()
