"""Pages and endpoints of uploads: serving a file, the upload endpoint, "My uploads".

Serving answers 404 (never 403) to anyone who may not read the file right now, so an address
tells nothing about a file one may not see. Only pictures, videos and captions we produced are
ever shown inline; everything else downloads, under a policy that forbids running anything.
"""

from __future__ import annotations

import hashlib
import os
import re
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from carecircle.core.errors import DomainError, NotFoundError, ValidationFailed
from carecircle.core.http import private_no_store
from carecircle.core.pagination import PageRequest, paginate
from carecircle.uploads import actions, display, queries, storage
from carecircle.uploads.presenters import upload_document

# What a stored file is, from the extension we gave it (never from the member's file name).
CONTENT_TYPES = {
    "webp": "image/webp",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "mp4": "video/mp4",
    "webm": "video/webm",
    "mov": "video/quicktime",
    "pdf": "application/pdf",
    "vtt": "text/vtt; charset=utf-8",
}
# Shown in the page; anything else (PDFs included: a viewer runs their scripts) downloads.
INLINE_TYPES = {
    "image/webp",
    "image/jpeg",
    "image/png",
    "image/gif",
    "video/mp4",
    "video/webm",
    "text/vtt; charset=utf-8",
}
SERVE_POLICY = "default-src 'none'; sandbox"
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_CHUNK = 64 * 1024


def _content_type(name: str) -> str:
    extension = os.path.splitext(name)[1].lstrip(".").lower()
    return CONTENT_TYPES.get(extension, "application/octet-stream")


def _download_name(original: str, stored: str, variant: str) -> str:
    stem, _dot, _extension = original.rpartition(".")
    stem = stem or original or "file"
    extension = os.path.splitext(stored)[1]
    if variant == "file":
        return f"{stem}{extension}"
    return f"{stem}-{variant}{extension}"


def content_disposition(kind: str, filename: str) -> str:
    # RFC 6266/5987: UTF-8 percent-encoded, plus a plain ASCII fallback for old clients.
    fallback = re.sub(r"[^A-Za-z0-9._-]", "_", filename) or "file"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _etag(sha256: str, name: str) -> str:
    return '"' + hashlib.sha256(f"{sha256}:{name}".encode()).hexdigest()[:32] + '"'


def _parse_range(header: str, size: int) -> tuple[int, int] | None:
    """(start, end inclusive) of a single byte range; None when unsatisfiable or malformed."""
    match = _RANGE.match(header.strip())
    if match is None or size == 0:
        return None
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":
        length = int(last)
        if length == 0:
            return None
        return max(0, size - length), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if start >= size or end < start:
        return None
    return start, min(end, size - 1)


def _secure(response: HttpResponseBase) -> HttpResponseBase:
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SERVE_POLICY
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Referrer-Policy"] = "no-referrer"
    patch_cache_control(
        response,
        private=True,
        max_age=int(getattr(settings, "CARECIRCLE_UPLOAD_CACHE_SECONDS", 300)),
    )
    patch_vary_headers(response, ["Cookie", "Authorization"])
    return response


class _BadToken(Exception):
    pass


def _reader(request: HttpRequest) -> Any:
    """Who is asking: the API token's member when `Authorization: Bearer` is sent (as the API
    accepts it), else the session's. A token is only ever read from that header, never from
    the address, where it would end up in logs and browser history."""
    header = request.headers.get("Authorization", "")
    if not header:
        return request.user
    from carecircle.accounts.actions import authenticate_api_token
    from carecircle.moderation.enforcement import is_banned_from_site

    scheme, _space, token = header.partition(" ")
    if scheme.lower() != "bearer":
        raise _BadToken
    user = authenticate_api_token(token.strip())
    # A wrong or revoked token is refused, never served as the session or as a visitor; a
    # site-wide ban stops tokens as it stops signing in (the API's own rule).
    if user is None or is_banned_from_site(user):
        raise _BadToken
    return user


def _unauthorized() -> HttpResponse:
    response = JsonResponse(
        {
            "code": "not_authenticated",
            "message": _("Please sign in or send a valid API token."),
        },
        status=401,
    )
    response["WWW-Authenticate"] = "Bearer"
    patch_cache_control(response, no_store=True)
    return response


@require_http_methods(["GET", "HEAD"])
def upload_file(request: HttpRequest, upload_id: int, variant: str) -> HttpResponseBase:
    """One stored file of an upload, to whoever may read what it is attached to, right now.

    Readers are the session's member, or an API client sending `Authorization: Bearer`.
    """
    try:
        reader = _reader(request)
    except _BadToken:
        return _unauthorized()
    try:
        upload = queries.get_readable_upload(reader, upload_id)
    except NotFoundError as error:
        raise Http404(str(error.message)) from error
    name = queries.variant_name(upload, variant)
    if name is None:
        raise Http404(_("This file does not exist or is no longer available."))
    content_type = _content_type(name)
    etag = _etag(upload.sha256, name)
    disposition = content_disposition(
        "inline" if content_type in INLINE_TYPES else "attachment",
        _download_name(display.public_name(upload, reader), name, variant),
    )
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        response: HttpResponseBase = HttpResponse(status=304)
        response["ETag"] = etag
        return _secure(response)
    try:
        size = storage.size_of(name)
    except Exception as error:
        # A row whose file is gone (or a storage outage): nothing to serve.
        raise Http404(_("This file does not exist or is no longer available.")) from error
    range_header = request.headers.get("Range", "").strip()
    if not range_header.startswith("bytes=") or "," in range_header:
        # Several ranges at once (or another unit) are not supported: the whole file is sent,
        # as HTTP allows a server to ignore a Range it does not serve.
        range_header = ""
    if range_header and request.headers.get("If-Range", etag) == etag:
        bounds = _parse_range(range_header, size)
        if bounds is None:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            _secure(response)
            # An answer about a size that may change: never kept.
            response["Cache-Control"] = "no-store"
            return response
        start, end = bounds
        response = StreamingHttpResponse(
            storage.stream(name, start, end - start + 1), status=206, content_type=content_type
        )
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
    elif request.method == "HEAD":
        response = HttpResponse(content_type=content_type)
        response["Content-Length"] = str(size)
    else:
        response = StreamingHttpResponse(storage.stream(name), content_type=content_type)
        response["Content-Length"] = str(size)
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    response["Content-Disposition"] = disposition
    return _secure(response)


# Room in a multipart request for the boundary, headers and the description fields.
REQUEST_OVERHEAD = 64 * 1024


def check_declared_size(request: HttpRequest) -> None:
    """Refuse (413) a request whose Content-Length is over every file limit, from the header
    alone: the processing and the quota never see such a body."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    largest = actions.largest_file_bytes()
    if declared > largest + REQUEST_OVERHEAD:
        raise actions.too_large(largest)


def error_json(error: DomainError) -> JsonResponse:
    response = JsonResponse(
        {
            "code": error.code,
            "message": str(error.message),
            "field": error.field or "file",
            "details": error.details,
        },
        status=error.status,
    )
    retry_after = getattr(error, "retry_after", None)
    if retry_after:
        # The storage is unreachable (503): when the client may try again.
        response["Retry-After"] = str(retry_after)
    return response


@require_POST
def upload_create(request: HttpRequest) -> JsonResponse:
    """The compose script's upload (XHR with progress): one file, answered as JSON."""
    if not request.user.is_authenticated:
        return JsonResponse(
            {"code": "not_authenticated", "message": _("Please sign in first."), "field": "file"},
            status=401,
        )
    try:
        check_declared_size(request)
    except DomainError as error:
        return error_json(error)
    file = request.FILES.get("file")
    if file is None:
        return JsonResponse(
            {"code": "required", "message": _("Choose a file to upload."), "field": "file"},
            status=400,
        )
    try:
        upload = actions.create_upload(
            actor=request.user,
            file=file,
            alt_text=request.POST.get("alt_text", ""),
            is_decorative=request.POST.get("is_decorative", "") in ("1", "on", "true"),
        )
    except DomainError as error:
        return error_json(error)
    return JsonResponse(upload_document(upload), status=201)


@require_http_methods(["GET", "HEAD", "POST"])
def upload_captions(request: HttpRequest, upload_id: int) -> HttpResponseBase:
    """POST: the owner adds a WebVTT captions file to a video (form post, or JSON for scripts).

    GET shares the address with the served captions (`upload_file` with variant "captions").
    """
    if request.method != "POST":
        return upload_file(request, upload_id, "captions")
    wants_json = "application/json" in request.headers.get("Accept", "")
    try:
        upload = queries.get_readable_upload(request.user, upload_id)
    except NotFoundError as error:
        if wants_json:
            return error_json(error)
        raise Http404(str(error.message)) from error
    file = request.FILES.get("captions")
    try:
        if file is None:
            raise ValidationFailed(_("Choose a captions file."), code="required", field="captions")
        upload = actions.attach_captions(
            actor=request.user,
            upload=upload,
            file=file,
            language=request.POST.get("language", ""),
        )
    except DomainError as error:
        if wants_json:
            return error_json(error)
        messages.error(request, str(error.message))
        return redirect("my_uploads")
    if wants_json:
        return JsonResponse(upload_document(upload))
    messages.success(request, _("Captions added."))
    return redirect("my_uploads")


@login_required
def my_uploads(request: HttpRequest) -> HttpResponse:
    """The member's uploads, the space they use, and deleting the waiting ones."""
    page = paginate(
        queries.uploads_of(request.user), PageRequest.from_params(request.GET.get("page"))
    )
    used = queries.quota_used(request.user)
    quota = queries.quota_bytes()
    context: dict[str, Any] = {
        "page": page,
        "uploads": page.items,
        "used_bytes": used,
        "quota": quota,
        "used_percent": min(100, round(used * 100 / quota)) if quota else 100,
        "unattached_hours": actions.unattached_hours(),
    }
    response = render(request, "uploads/my_uploads.html", context)
    private_no_store(response)
    return response


@login_required
@require_POST
def upload_delete(request: HttpRequest, upload_id: int) -> HttpResponse:
    """Delete one waiting upload (an attached one is refused with the reason)."""
    try:
        upload = queries.get_own_upload(request.user, upload_id)
        actions.delete_upload(actor=request.user, upload=upload)
    except NotFoundError as error:
        raise Http404(str(error.message)) from error
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("my_uploads")
    messages.success(request, _("File deleted."))
    return redirect("my_uploads")
