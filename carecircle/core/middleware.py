"""Cross-cutting request handling: database outages, member time zones and daily visits."""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Callable
from typing import Any

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
        # Hooked here (already in every request's path) rather than as another middleware.
        MemberVisitMiddleware.record(request)
        return self.get_response(request)


VISIT_SESSION_KEY = "carecircle_visit_day"


class MemberVisitMiddleware:
    """Count a signed-in member's visit once a day (for trust levels), cheaply.

    The session remembers the day already counted, so most requests cost a dictionary look-up;
    the first request of a day calls moderation's `record_visit`. Never breaks a page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        self.record(request)
        return self.get_response(request)

    @staticmethod
    def record(request: HttpRequest) -> None:
        from django.conf import settings

        if not getattr(settings, "CARECIRCLE_TRACK_VISITS", True):
            return
        session = getattr(request, "session", None)
        try:
            user = getattr(request, "user", None)
            if session is None or user is None or not user.is_authenticated:
                return
            today = timezone.now().date().isoformat()
            if session.get(VISIT_SESSION_KEY) == today:
                return
            count_visit(session, user, today)
        except (OperationalError, InterfaceError):
            # The database is down: the view meets the same error and answers 503.
            return


def count_visit(session: Any, user: Any, today: str) -> None:
    from carecircle.moderation.actions import record_visit

    record_visit(user=user)
    session[VISIT_SESSION_KEY] = today


def count_visit_on_sign_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """Signing in is a visit: counted then, so the session's first page costs nothing extra."""
    from django.conf import settings

    session = getattr(request, "session", None)
    if session is None or not getattr(settings, "CARECIRCLE_TRACK_VISITS", True):
        return
    try:
        count_visit(session, user, timezone.now().date().isoformat())
    except (OperationalError, InterfaceError):
        logger.warning("Could not count a visit at sign-in", exc_info=True)
