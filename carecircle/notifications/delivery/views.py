"""Delivery pages: one-click unsubscribe, removing a push device, and the service worker."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carecircle.core.errors import DomainError
from carecircle.notifications.delivery import actions, unsubscribe
from carecircle.notifications.delivery.email import SETTINGS_PATH

SERVICE_WORKER = "carecircle/sw.js"


def _scope_text(scope: str) -> str:
    if scope == "digest":
        return _("the digest email (daily or weekly news from your communities)")
    return _("all notification emails (replies, mentions, messages and the rest)")


def _invalid(request: HttpRequest) -> HttpResponse:
    response = render(
        request,
        "notifications/unsubscribe.html",
        {"is_invalid": True, "settings_url": SETTINGS_PATH},
        status=400,
    )
    response["Referrer-Policy"] = "no-referrer"
    return response


# Mail clients send the one-click POST (RFC 8058) without a CSRF token or a session; the
# signed token in the address is the authorisation, and it can only turn emails off.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def notification_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET says what will stop and offers a button; POST stops it. No sign-in needed."""
    read = unsubscribe.read_token(token)
    if read is None:
        return _invalid(request)
    if request.method == "POST":
        try:
            done = actions.unsubscribe_by_token(token=token)
        except DomainError:
            return _invalid(request)
        response = render(
            request,
            "notifications/unsubscribe_done.html",
            {
                "scope": done.scope,
                "scope_text": _scope_text(done.scope),
                "settings_url": SETTINGS_PATH,
            },
        )
    else:
        response = render(
            request,
            "notifications/unsubscribe.html",
            {"is_invalid": False, "scope": read[1], "scope_text": _scope_text(read[1])},
        )
    # The token is in the address: never hand it on to another site.
    response["Referrer-Policy"] = "no-referrer"
    return response


@login_required
@require_POST
def push_device_remove(request: HttpRequest) -> HttpResponse:
    """The settings page's "Remove" button without JavaScript: forget one of my devices."""
    if actions.remove_push_subscription(
        actor=request.user, endpoint=request.POST.get("endpoint", "")
    ):
        messages.success(request, _("That device will no longer get notifications."))
    else:
        messages.info(request, _("That device was already removed."))
    return redirect(SETTINGS_PATH)


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The push service worker, served from the site's root so it may control every page."""
    path = finders.find(SERVICE_WORKER)
    if not path or isinstance(path, list):
        raise Http404
    with open(path, "rb") as handle:
        body = handle.read()
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    # A new version must reach browsers at their next check, not after a day of caching.
    response["Cache-Control"] = "no-cache"
    return response
