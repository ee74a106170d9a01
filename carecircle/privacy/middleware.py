"""Asks members to accept new versions of the terms and privacy policy on their next page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from carecircle.privacy.queries import current_required_document_ids, has_accepted

# The required document ids a member was last found to have accepted, kept in their session so
# most pages need no query at all. Acceptance only grows (required documents cannot be
# withdrawn), and a new version changes the ids, so a stale value can only cause a re-check.
SESSION_KEY = "privacy_accepted_documents"

# Pages where the banner would be in the way (or is the point of the page).
SKIPPED_PREFIXES = ("/account/privacy/", "/accounts/", "/api/", "/admin/", "/static/", "/media/")


class PolicyUpdateMiddleware:
    """Adds a small notice at the top of the page while a required document is unaccepted.

    Never blocks: the member can read and write as before, and accept when they are ready.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Cheap checks first: an error page (a 503 during an outage, say) must not load the
        # member, which would read the session again.
        if (
            request.method != "GET"
            or response.status_code != 200
            or response.streaming
            or not response.get("Content-Type", "").startswith("text/html")
            or request.path.startswith(SKIPPED_PREFIXES)
            or getattr(request, "htmx", False)
        ):
            return response
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return response
        try:
            if self._is_up_to_date(request, user):
                return response
        except DatabaseError:
            return response
        content = response.content
        anchor = content.find(b'id="main"')
        end = content.find(b">", anchor) if anchor != -1 else -1
        if end == -1:
            return response
        banner = render_to_string(
            "privacy/policy_banner.html", {"next": request.get_full_path()}, request=request
        ).encode()
        response.content = content[: end + 1] + banner + content[end + 1 :]
        if response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))
        return response

    @staticmethod
    def _is_up_to_date(request: HttpRequest, user: Any) -> bool:
        ids = current_required_document_ids()
        if not ids or request.session.get(SESSION_KEY) == ids:
            return True
        if not has_accepted(user, ids):
            return False
        request.session[SESSION_KEY] = ids
        return True
