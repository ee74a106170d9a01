"""Give database connections back at the end of every request served through ASGI.

Under ASGI, Django runs each request's synchronous code on a thread of its own and closes that
thread's connections from the `request_finished` signal. Two paths skip that close, and with a
connection pool each skipped close keeps one of the pool's few connections checked out:

- A client that disconnects mid-request (a closed tab, an impatient proxy) ends the request's
  thread executor before `request_finished` is sent; the view still runs to the end on its thread.
- An exception that becomes an error page (a 404 for an unknown address, a 403, a 500) is rendered
  on a shared executor thread, not the request's; the page's own database reads (the signed-in
  member in the header) open a connection there that nothing closes.

`ReleaseConnectionsMiddleware` (outermost) closes the request thread's connections in `finally`,
and the error handlers close theirs after rendering. Connections inside a transaction (a test's,
say) are left alone.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from typing import Any

from django.core.handlers.asgi import ASGIRequest
from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse
from django.views import defaults


def release_connections() -> None:
    """Close this thread's open database connections, unless a transaction is in progress."""
    for connection in connections.all(initialized_only=True):
        if connection.connection is None or connection.in_atomic_block:
            continue
        try:
            connection.close_if_unusable_or_obsolete()
        except DatabaseError:
            # A broken connection (the server went away): drop it, never raise from cleanup.
            with contextlib.suppress(DatabaseError):
                connection.close()


class ReleaseConnectionsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            return self.get_response(request)
        finally:
            if isinstance(request, ASGIRequest):
                release_connections()


def _releasing(handler: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Django's own error page, then this thread's connections given back."""

    @functools.wraps(handler)
    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return handler(request, *args, **kwargs)
        finally:
            release_connections()

    return view


bad_request = _releasing(defaults.bad_request)
permission_denied = _releasing(defaults.permission_denied)
page_not_found = _releasing(defaults.page_not_found)
server_error = _releasing(defaults.server_error)
