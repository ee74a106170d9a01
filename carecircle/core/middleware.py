"""Cross-cutting request handling: database outages and member time zones."""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Callable

from django.db import OperationalError, connections
from django.db.utils import InterfaceError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

logger = logging.getLogger(__name__)


class DatabaseUnavailableMiddleware:
    """Answer 503 with Retry-After, not 500, while the database cannot be reached."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            return self.get_response(request)
        except (OperationalError, InterfaceError) as error:
            if not _database_is_down():
                raise
            logger.error("database unavailable: %s", error)
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
        user = getattr(request, "user", None)
        name = getattr(user, "time_zone", "") if user is not None else ""
        if name:
            try:
                timezone.activate(zoneinfo.ZoneInfo(name))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)
