"""The site's URLs plus a few views that exist only to exercise the middleware."""

from __future__ import annotations

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils import timezone

from config.urls import urlpatterns as site_urlpatterns


def database_error(request: HttpRequest) -> HttpResponse:
    raise OperationalError("could not connect to server: Connection refused")


def programming_error(request: HttpRequest) -> HttpResponse:
    raise ValueError("a bug, not an outage")


def current_time_zone(request: HttpRequest) -> HttpResponse:
    return HttpResponse(timezone.get_current_timezone_name())


urlpatterns = [
    path("test/database-error/", database_error),
    path("api/v1/test/database-error", database_error),
    path("test/bug/", programming_error),
    path("test/time-zone/", current_time_zone),
    *site_urlpatterns,
]
