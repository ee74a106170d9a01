"""Response and request helpers every app's views share."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme


def private_no_store[R: HttpResponseBase](response: R) -> R:
    """`Cache-Control: private, no-store`: a page or file of one member's (private messages,
    moderation, their data, their search) is never kept by a shared cache, a proxy or the
    browser's back-forward store."""
    patch_cache_control(response, private=True, no_store=True)
    return response


def safe_next(request: HttpRequest) -> str:
    """The `next` address sent with the request (form field, else query), if it is on this
    site (and over HTTPS when the request is); "" otherwise, never another site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""
