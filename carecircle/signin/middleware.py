"""Session time limits, checked on every request without touching the database."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from carecircle.signin import actions


def describe_minutes(minutes: int) -> str:
    """ "12 hours", "1 day", "30 minutes": a plain duration for a message."""
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}
    if minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}


def expired_message(request: HttpRequest, now: float | None = None) -> str:
    """Why the signed-in session of `request` is over, or "" while it may go on."""
    return session_limit_message(request.session, now)


def session_limit_message(session: Any, now: float | None = None) -> str:
    """Why a signed-in session is over by its time limits, or "" while it may go on."""
    started = session.get(actions.SESSION_STARTED_AT)
    seen = session.get(actions.SESSION_SEEN_AT)
    if started is None or seen is None:
        return ""
    now = time.time() if now is None else now
    idle_minutes = int(settings.CARECIRCLE_SESSION_IDLE_MINUTES)
    if now - float(seen) > idle_minutes * 60:
        return _(
            "You were signed out after %(duration)s of inactivity, to keep your account safe "
            "on shared devices. Please sign in again."
        ) % {"duration": describe_minutes(idle_minutes)}
    max_days = int(settings.CARECIRCLE_SESSION_MAX_DAYS)
    if now - float(started) > max_days * 86400:
        return _(
            "You were signed out because you signed in more than %(duration)s ago. "
            "Please sign in again."
        ) % {"duration": describe_minutes(max_days * 24 * 60)}
    return ""


class SessionSecurityMiddleware:
    """Sign a session out after the idle timeout or its absolute lifetime; keep "last seen".

    The times live in the session, which is loaded anyway, so a request within the limits costs
    no query; "last seen" is written at most every CARECIRCLE_SESSION_TOUCH_SECONDS.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            response = self.check(request)
        except (OperationalError, InterfaceError):
            # The session or member could not be loaded: let the view meet the same error,
            # where it becomes a 503 (raised here it would become a 500).
            response = None
        if response is not None:
            return response
        return self.get_response(request)

    def check(self, request: HttpRequest) -> HttpResponse | None:
        user: Any = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if user is None or session is None or not user.is_authenticated:
            return None
        if not session.session_key:
            return None
        if session.get(actions.SESSION_STARTED_AT) is None:
            actions.start_member_session(actor=user, request=request)
            return None
        message = expired_message(request)
        if message:
            logout(request)
            if request.path.startswith("/api/"):
                # The API answers as for anyone signed out: its own 401 for member endpoints.
                return None
            messages.info(request, message)
            response = redirect_to_login(request.get_full_path())
            if getattr(request, "htmx", False):
                htmx_response = HttpResponse(status=204)
                htmx_response["HX-Redirect"] = response["Location"]
                return htmx_response
            return response
        seen = float(session.get(actions.SESSION_SEEN_AT) or 0)
        if time.time() - seen > settings.CARECIRCLE_SESSION_TOUCH_SECONDS:
            actions.touch_member_session(actor=user, request=request)
        return None
