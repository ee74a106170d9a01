"""Cross-cutting request handling: database outages and member time zones."""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Callable

from django.db import OperationalError, connections
from django.db.utils import InterfaceError
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

logger = logging.getLogger(__name__)


class DatabaseUnavailableMiddleware:
    """Answer 503 with Retry-After, not 500, while the database cannot be reached."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # Django turns a view's exception into a 500 response before any outer middleware's
        # __call__ could catch it; process_exception is where the exception is still visible.
        if isinstance(exception, OverflowError):
            # An id in the address too large for the database's integers (/p/10000...0/):
            # nothing has that id, so the answer is "not found", not an error.
            raise Http404 from exception
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        if not _database_is_down():
            return None
        logger.error("database unavailable: %s", exception)
        return unavailable_response(request)


def _database_is_down() -> bool:
    try:
        connections["default"].close()
        connections["default"].ensure_connection()
    except (OperationalError, InterfaceError):
        return True
    return False


def unavailable_response(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        body = (
            '{"code": "unavailable", "message": "CareCircle is briefly unavailable. '
            'Please try again in a minute."}'
        )
        response = HttpResponse(body, status=503, content_type="application/json")
    else:
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = "30"
    return response


class MemberTimezoneMiddleware:
    """Show dates and times in the member's own time zone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            user = getattr(request, "user", None)
            name = getattr(user, "time_zone", "") if user is not None else ""
        except (OperationalError, InterfaceError):
            # Loading the member failed: let the view meet the same error, where it becomes a
            # 503 (an exception raised here would become a 500 instead).
            name = ""
        if name:
            try:
                timezone.activate(zoneinfo.ZoneInfo(name))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)
