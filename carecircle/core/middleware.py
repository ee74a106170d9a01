"""Cross-cutting request handling: database outages, NUL characters, member time zones, visits."""

from __future__ import annotations

import logging
import re
import zoneinfo
from collections.abc import Callable
from typing import Any

from django.core.exceptions import BadRequest, RequestDataTooBig
from django.db import OperationalError, connections
from django.db.utils import InterfaceError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template import engines
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _

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


# A multipart body up to this size is read here, before the view; a larger one is checked
# only when something first reads its fields (see `NulCharacterMiddleware`).
MULTIPART_READ_AHEAD_BYTES = 1024 * 1024

# A JSON string escape for NUL, `\u0000`, preceded by an even number of backslashes (zero
# included): after `\\` the text `u0000` is an ordinary escaped backslash and letters.
_JSON_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000", re.IGNORECASE)
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class NulCharacterRefused(BadRequest):
    """A request's form fields held a NUL character (raised when read lazily)."""


class NulCharacterMiddleware:
    """Refuse (400) a request with a NUL character in its address, query, form fields or JSON.

    PostgreSQL cannot store NUL in text; such a value would reach a query and fail there as a
    500. No member types one: it comes from pasted binary junk or from probing, so the whole
    request is refused here, once for the site, before any view runs, rather than stripped
    field by field.

    What is looked at, and when (bodies that views deliberately size-check before reading
    must not be read first here):
    - the path and the query string: always (no body involved);
    - url-encoded form bodies: read here. Django caps them at DATA_UPLOAD_MAX_MEMORY_SIZE,
      and the CSRF check reads them before any view anyway;
    - JSON bodies (and any non-form body sent to /api/, which the API parses as JSON): read
      here; Django refuses to read one over DATA_UPLOAD_MAX_MEMORY_SIZE, and then so does the
      view, so nothing larger is read. Text escapes `\u0000` and raw 0x00 bytes are refused;
    - multipart bodies up to MULTIPART_READ_AHEAD_BYTES: read here (the form pages, such as a
      new topic, post multipart). A larger one is a file upload whose view first refuses it
      from its Content-Length (uploads, journal import): reading it here would store a huge
      file before that check. So its check waits until something first reads request.POST or
      request.FILES (after the view's size check): the parsed text fields are checked then,
      the request's form is emptied and the 400 replaces whatever response follows.
    Uploaded files' bytes are never looked at: images and documents legitimately hold NUL.

    Placed after AuthenticationMiddleware (the refusal page shows the member's header) and
    still before every view and every `process_view`, where the CSRF check reads the form.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._has_nul(request):
            return nul_refused_response(request)
        response = self.get_response(request)
        if getattr(request, "_nul_refused", False):
            # A lazily checked form held NUL: whatever answer the error became, give this one.
            # (Not `response.close()`: that signals the request's end, which the server does.)
            return nul_refused_response(request)
        return response

    def _has_nul(self, request: HttpRequest) -> bool:
        if "\x00" in request.path or _query_has_nul(request.GET):
            return True
        content_type = request.content_type or ""
        if request.method == "POST" and content_type == "application/x-www-form-urlencoded":
            return _query_has_nul(request.POST)
        if request.method == "POST" and content_type == "multipart/form-data":
            if _declared_length(request) <= MULTIPART_READ_AHEAD_BYTES:
                return _form_has_nul(request.POST, request.FILES)
            _check_form_when_read(request)
            return False
        if _is_json(content_type) or (
            request.path.startswith("/api/") and content_type not in _FORM_TYPES
        ):
            return _body_has_nul(request)
        return False


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _is_json(content_type: str) -> bool:
    return content_type == "application/json" or content_type.endswith("+json")


def _query_has_nul(query: Any) -> bool:
    return any(
        "\x00" in key or any("\x00" in value for value in values) for key, values in query.lists()
    )


def _form_has_nul(post: Any, files: MultiValueDict[str, Any]) -> bool:
    # File names are already cleaned of unprintable characters by Django's parser; only the
    # field names of files are text of the sender's choosing.
    return _query_has_nul(post) or any("\x00" in key for key in files)


def _body_has_nul(request: HttpRequest) -> bool:
    try:
        body = request.body
    except RequestDataTooBig:
        # Too large for any view to read: the view meets the same refusal.
        return False
    return b"\x00" in body or _JSON_NUL_ESCAPE.search(body) is not None


def _check_form_when_read(request: HttpRequest) -> None:
    """Check the text fields of a large multipart body when they are first parsed."""
    load = request._load_post_and_files  # type: ignore[attr-defined]

    def load_and_check() -> None:
        load()
        if _form_has_nul(request._post, request._files):  # type: ignore[attr-defined]
            request._nul_refused = True  # type: ignore[attr-defined]
            # Emptied, so code that swallows the error below cannot store the NUL either.
            request._mark_post_parse_error()  # type: ignore[attr-defined]
            raise NulCharacterRefused("NUL character in a form field")

    # An instance attribute is found before the class's method: only this request is affected.
    request._load_post_and_files = load_and_check  # type: ignore[method-assign]


_NUL_PAGE = """{% extends "base.html" %}
{% block title %}{% translate "Some text could not be read" %}{% endblock %}
{% block content %}
<h1>{% translate "Some text could not be read" %}</h1>
<p>{{ message }}</p>
<p><a href="{% url 'home' %}">{% translate "Go to the home page" %}</a></p>
{% endblock %}"""


def nul_refused_response(request: HttpRequest) -> HttpResponse:
    message = _(
        "What was sent contains an invisible “null” character, which CareCircle cannot store. "
        "Nothing was saved. This usually comes from text pasted from another program: type "
        "or paste it again as plain text, then try once more."
    )
    accept = request.headers.get("Accept", "")
    if request.path.startswith("/api/") or (
        "application/json" in accept and "text/html" not in accept
    ):
        return JsonResponse({"code": "invalid_characters", "message": message}, status=400)
    # A template string: this page has no file of its own among the shared templates.
    page = engines["django"].from_string(_NUL_PAGE)
    return HttpResponse(page.render({"message": message}, request), status=400)


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
