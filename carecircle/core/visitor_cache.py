"""Visitor pages served from memory in front of Django.

A busy public topic is read mostly by visitors who are not signed in, and they all see the same
page. Rendering it through Django's middleware and template engine costs milliseconds each time;
this ASGI layer keeps the finished response in the worker's memory for a few seconds
(`CARECIRCLE_VISITOR_CACHE_SECONDS`) and answers repeat visitors without entering Django at all,
the way Discourse's anonymous cache does.

Safety rests on three rules:

- Only responses a view explicitly marks with `mark_visitor_cacheable` are kept. Views mark a
  response only when it was rendered for a visitor and holds nothing personal (no form token,
  nothing members-only).
- Only requests without credentials are answered from memory: no session cookie, no messages
  cookie, no Authorization header, no htmx request. Every cookie but the CSRF cookie is part of
  the key, and so are the host, the scheme (and X-Forwarded-Proto), the path, the query and
  the Accept-Language header.
- A response that sets a cookie, or is not a plain 200, is never kept.

Each answer from memory gets a fresh CSP nonce, in the header and the page alike. A kept page
is at most `seconds` old, plus the time one render takes: when an entry expires, one request
renders it again while the others are still served the previous copy, so a crowd arriving at
once costs one render, not thirty. What changed meanwhile (a new reply, a moderator hiding a
post) reaches visitors when the entry expires; members always see the live page.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.http.cookie import parse_cookie

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[..., Awaitable[None]]

MARK_HEADER = "X-CareCircle-Visitor-Cache"
_MARK = MARK_HEADER.lower().encode()
_NONCE = re.compile(rb"'nonce-([A-Za-z0-9_\-+/=]+)'")
_WAIT_FOR_RENDER_SECONDS = 10.0


def mark_visitor_cacheable(response: HttpResponse) -> HttpResponse:
    """Let the visitor cache keep this response (it must be the same for every visitor)."""
    response[MARK_HEADER] = "1"
    return response


def is_visitor_request(request: HttpRequest) -> bool:
    """A plain GET by someone not signed in: every such visitor is shown the same page."""
    return (
        request.method == "GET"
        and not request.user.is_authenticated
        and not getattr(request, "htmx", False)
    )


@dataclass
class Entry:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    nonce: bytes
    expires: float


class VisitorPageCache:
    """ASGI middleware: answer visitors' GETs of marked pages from this worker's memory."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        seconds: float,
        session_cookie: str = "sessionid",
        csrf_cookie: str = "csrftoken",
        max_entries: int = 512,
        max_body_bytes: int = 1_000_000,
    ) -> None:
        self.app = app
        self.seconds = seconds
        self.session_cookie = session_cookie
        self.csrf_cookie = csrf_cookie
        self.max_entries = max_entries
        self.max_body_bytes = max_body_bytes
        self.entries: OrderedDict[tuple[bytes, ...], Entry] = OrderedDict()
        self.rendering: dict[tuple[bytes, ...], asyncio.Future[None]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        key = self.key(scope) if self.seconds > 0 else None
        if key is None:
            await self.app(scope, receive, self._stripping(send))
            return
        entry = self.entries.get(key)
        now = time.monotonic()
        if entry is not None and now < entry.expires:
            await self._serve(entry, key, send)
            return
        pending = self.rendering.get(key)
        if pending is not None:
            if entry is not None and now < entry.expires + self.seconds:
                # Someone is rendering a fresh copy: this visitor gets the previous one.
                await self._serve(entry, key, send)
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(pending), _WAIT_FOR_RENDER_SECONDS)
            entry = self.entries.get(key)
            if entry is not None:
                await self._serve(entry, key, send)
                return
            await self.app(scope, receive, self._stripping(send))
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.rendering[key] = future
        try:
            await self.app(scope, receive, self._capturing(send, key))
        finally:
            del self.rendering[key]
            if entry is not None and self.entries.get(key) is entry:
                # The page is no longer one to keep (a community turned members-only, say):
                # nobody may be served the old copy again.
                del self.entries[key]
            future.set_result(None)

    def key(self, scope: Scope) -> tuple[bytes, ...] | None:
        """The cache key of a visitor's GET, or None if this request must reach Django."""
        if scope.get("method") != "GET":
            return None
        host = language = forwarded_proto = b""
        cookie_header = b""
        for name, value in scope.get("headers", []):
            if name in (b"authorization", b"hx-request"):
                return None
            if name == b"cookie":
                cookie_header += (b"; " if cookie_header else b"") + value
            elif name == b"host":
                host = value
            elif name == b"accept-language":
                language = value
            elif name == b"x-forwarded-proto":
                forwarded_proto = value
        # Read the cookies as Django will, so "signed in" means the same here as there.
        jar = parse_cookie(cookie_header.decode("latin-1"))
        if self.session_cookie in jar or "messages" in jar:
            return None
        cookies = "; ".join(
            f"{name}={jar[name]}" for name in sorted(set(jar) - {self.csrf_cookie})
        ).encode("latin-1")
        return (
            str(scope.get("scheme", "http")).encode(),
            forwarded_proto,
            host,
            str(scope.get("path", "")).encode("utf-8", "surrogateescape"),
            scope.get("query_string", b""),
            language,
            cookies,
        )

    async def _serve(self, entry: Entry, key: tuple[bytes, ...], send: Send) -> None:
        self.entries.move_to_end(key)
        body, headers = entry.body, entry.headers
        if entry.nonce:
            nonce = secrets.token_urlsafe(16).encode()
            body = body.replace(entry.nonce, nonce)
            headers = [
                (name, value.replace(entry.nonce, nonce))
                if name == b"content-security-policy"
                else (name, value)
                for name, value in headers
            ]
        headers = [(n, v) for n, v in headers if n != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": entry.status, "headers": headers})
        await send({"type": "http.response.body", "body": body, "more_body": False})

    def _stripping(self, send: Send) -> Send:
        async def stripped(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [(n, v) for n, v in message["headers"] if n.lower() != _MARK]
            await send(message)

        return stripped

    def _capturing(self, send: Send, key: tuple[bytes, ...]) -> Send:
        state: dict[str, Any] = {"keep": False, "chunks": [], "size": 0}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(bytes(n).lower(), bytes(v)) for n, v in message.get("headers", [])]
                marked = any(n == _MARK for n, _v in headers)
                headers = [(n, v) for n, v in headers if n != _MARK]
                state["keep"] = (
                    marked
                    and message["status"] == 200
                    and not any(n == b"set-cookie" for n, _v in headers)
                )
                state["status"], state["headers"] = message["status"], headers
                message["headers"] = headers
            elif message["type"] == "http.response.body" and state["keep"]:
                chunk = message.get("body", b"")
                state["size"] += len(chunk)
                if state["size"] > self.max_body_bytes:
                    state["keep"], state["chunks"] = False, []
                else:
                    state["chunks"].append(chunk)
                    if not message.get("more_body", False):
                        body = b"".join(state["chunks"])
                        self._store(key, state["status"], state["headers"], body)
            await send(message)

        return capture

    def _store(
        self, key: tuple[bytes, ...], status: int, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> None:
        nonce = b""
        for name, value in headers:
            if name == b"content-security-policy":
                found = _NONCE.search(value)
                nonce = found.group(1) if found else b""
        self.entries[key] = Entry(status, headers, body, nonce, time.monotonic() + self.seconds)
        self.entries.move_to_end(key)
        while len(self.entries) > self.max_entries:
            self.entries.popitem(last=False)
