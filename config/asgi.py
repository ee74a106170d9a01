"""ASGI entry point: HTTP through Django, WebSockets through Channels (routes added by apps)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.urls import path  # noqa: E402

from carecircle.core.consumers import RealtimeConsumer  # noqa: E402
from carecircle.core.visitor_cache import VisitorPageCache  # noqa: E402

# One socket per page; what it follows is chosen by subscribing to streams (docs/realtime.md).
websocket_urlpatterns = [path("ws/", RealtimeConsumer.as_asgi())]

application = ProtocolTypeRouter(
    {
        # Visitors' views of busy public pages are answered from memory for a few seconds.
        "http": VisitorPageCache(
            django_asgi_app,
            seconds=settings.CARECIRCLE_VISITOR_CACHE_SECONDS,
            session_cookie=settings.SESSION_COOKIE_NAME,
            csrf_cookie=settings.CSRF_COOKIE_NAME,
        ),
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
