from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from carecircle.core.middleware import unavailable_response

KEPT_FIELDS = ("title", "body", "description", "guidelines", "name")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A rejected form (usually an expired page) shows the member what they typed, to copy."""
    kept = [
        (name, request.POST.get(name, ""))
        for name in KEPT_FIELDS
        if request.method == "POST" and request.POST.get(name, "").strip()
    ]
    if request.path.startswith("/api/"):
        return JsonResponse(
            {
                "code": "csrf_failed",
                "message": "This request is missing its security token. Reload and try again.",
            },
            status=403,
        )
    return render(request, "csrf_failure.html", {"kept": kept}, status=403)


@never_cache
def health(request: HttpRequest) -> HttpResponse:
    """Liveness and database readiness for load balancers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any failure means "not ready"
        return unavailable_response(request)
    return JsonResponse({"status": "ok"})
