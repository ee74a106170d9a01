"""Every journal page and API answer is a health record: no browser or proxy may keep it."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from carecircle.core.http import private_no_store

JOURNAL_PREFIXES = ("/journal/", "/api/v1/journal/")


class PrivateJournalMiddleware:
    """`Cache-Control: private, no-store` on everything under the journal's pages and API,
    written once here so a new view cannot forget it (a shared computer's Back button and
    history must not show someone's diary after they sign out)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(JOURNAL_PREFIXES):
            private_no_store(response)
        return response
