"""ASGI entry point: HTTP through Django, WebSockets through Channels (routes added by apps)."""

import os
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


application = ProtocolTypeRouter(
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
