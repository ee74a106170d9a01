"""Helpers shared by page views: turning domain errors into page responses."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from carecircle.core.errors import DomainError, NotFoundError, PermissionDeniedError


def field_errors(error: DomainError) -> dict[str, str]:
    """{"field": "message"} for a domain error; errors without a field go under "form"."""
    return {error.field or "form": str(error.message)}


def page_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Map NotFoundError to 404 and PermissionDeniedError to a friendly 403 page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFoundError as error:
            raise Http404(str(error.message)) from error
        except PermissionDeniedError as error:
            return render(
                request, "403.html", {"message": error.message, "code": error.code}, status=403
            )

    return wrapper
