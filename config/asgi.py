"""ASGI entry point: HTTP through Django, WebSockets through Channels (routes added by apps)."""

import json
import os
from collections.abc import Awaitable, Callable
from typing import Any

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.urls import path  # noqa: E402

from carecircle.core.consumers import SERVER_SEND, RealtimeConsumer  # noqa: E402
from carecircle.core.visitor_cache import VisitorPageCache  # noqa: E402

# One socket per page; what it follows is chosen by subscribing to streams (docs/realtime.md).
websocket_urlpatterns = [path("ws/", RealtimeConsumer.as_asgi())]


class KeepServerSend:
    """Leaves the server's own `send` in the scope for live events (see RealtimeConsumer).

    A chat message reaches hundreds of sockets; passing each copy through every middleware's
    `send` wrapper (the session middleware inspects the session on each one) cost more than
    writing it. The wrappers only act on the handshake, which still goes through them.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> Any:
        return await self.app({**scope, SERVER_SEND: send}, receive, send)


# Room in an upload request for the multipart boundary, headers and the description fields.
UPLOAD_REQUEST_OVERHEAD = 1024 * 1024
# Paths whose requests carry one file to `uploads` (the compose script, captions and the API).
UPLOAD_PATH_PREFIXES = ("/uploads/", "/api/v1/uploads")
DEFAULT_FORM_MAX_BYTES = 120 * 1024 * 1024


def request_limit_for(path: str) -> int:
    """The largest request body accepted on `path`, in bytes.

    Upload endpoints carry one file: the largest per-kind limit plus room for the form. Every
    other path (posts, replies, messages sent without the script carry their files in the
    form itself) is held to CARECIRCLE_UPLOAD_FORM_MAX_BYTES. Views may refuse less.
    """
    from carecircle.uploads.actions import largest_file_bytes

    if path.startswith(UPLOAD_PATH_PREFIXES):
        return largest_file_bytes() + UPLOAD_REQUEST_OVERHEAD
    return int(getattr(settings, "CARECIRCLE_UPLOAD_FORM_MAX_BYTES", DEFAULT_FORM_MAX_BYTES))


class RequestSizeLimit:
    """Refuses (413) an HTTP request whose body is larger than `request_limit_for` its path.

    Django reads a whole request body (to a temporary file) before any view runs, and the CSRF
    middleware parses a multipart body before the view can look at its size: without this,
    a client declaring ten gigabytes, or sending chunks with no length at all, keeps the
    server reading. A declared Content-Length over the limit is refused before a byte of
    the body is read; a body without one is counted as it arrives and refused once over.
    WebSockets and lifespan events pass through untouched.
    """

    def __init__(self, app: Any, *, limit_for: Callable[[str], int] = request_limit_for) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: dict, receive: Any, send: Any) -> Any:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        limit = self.limit_for(path)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _send_too_large(send, path)
            return None
        received = 0
        refused = False
        started = False

        async def counting_receive() -> dict:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    if not started:
                        await _send_too_large(send, path)
                    # Django takes a disconnect as the end of the request: it stops reading
                    # and answers nothing more (the 413 above is the answer).
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: dict) -> None:
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        return await self.app(scope, counting_receive, guarded_send)


def _content_length(scope: dict) -> int | None:
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _send_too_large(send: Callable[[dict], Awaitable[None]], path: str) -> None:
    # Before Django (and its language choice) runs: a short answer in plain English.
    message = "This request is too large."
    if path.startswith("/api/"):
        body = json.dumps({"code": "too_large", "message": message, "field": "file"}).encode()
        content_type = b"application/json"
    else:
        body = f"<!doctype html><title>{message}</title><p>{message}</p>".encode()
        content_type = b"text/html; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
                # The rest of the body is not read: the connection cannot be reused.
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


protocol_router = ProtocolTypeRouter(
    {
        # Visitors' views of busy public pages are answered from memory for a few seconds.
        "http": VisitorPageCache(
            django_asgi_app,
            seconds=settings.CARECIRCLE_VISITOR_CACHE_SECONDS,
            session_cookie=settings.SESSION_COOKIE_NAME,
            csrf_cookie=settings.CSRF_COOKIE_NAME,
        ),
        "websocket": KeepServerSend(
            AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
        ),
    }
)
# Outermost, so every HTTP request is measured before anything reads its body.
application = RequestSizeLimit(protocol_router)
