"""Uploads JSON API: upload a file, list your own, read one you may read, describe, delete."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Router, Schema, Status, UploadedFile

from carecircle.api.api import member_auth
from carecircle.api.schemas import ErrorOut, PageMeta
from carecircle.core.pagination import PageRequest, paginate
from carecircle.uploads import actions, queries
from carecircle.uploads.presenters import upload_document
from carecircle.uploads.schemas import UploadOut
from carecircle.uploads.storage import StorageUnavailable
from carecircle.uploads.views import check_declared_size, error_json

router = Router(tags=["uploads"])


class UploadPage(PageMeta):
    items: list[UploadOut]


class UploadPatchIn(Schema):
    alt_text: str | None = None
    is_decorative: bool | None = None


def upload_size_guard(request: HttpRequest) -> None:
    """Runs first among the auth callbacks: a body larger than every limit is refused (413)
    from its Content-Length, before the CSRF check or the `file` parameter reads it."""
    check_declared_size(request)


ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


@router.post(
    "/uploads",
    response={201: UploadOut, **ERRORS, 413: ErrorOut, 429: ErrorOut, 503: ErrorOut},
    auth=[upload_size_guard, *member_auth],
)
def create_upload(
    request: HttpRequest,
    file: UploadedFile = File(...),  # noqa: B008
    alt_text: str = Form(""),  # noqa: B008
    is_decorative: bool = Form(False),  # noqa: B008
) -> Status[dict[str, Any]] | HttpResponse:
    """Upload one file (multipart `file`; `alt_text` or `is_decorative` for a picture).

    It waits, attached to nothing, until a post, message or resource names it in
    `attachments`; unattached uploads are deleted after CARECIRCLE_UPLOAD_UNATTACHED_HOURS.
    413 (`too_large`, `quota_exceeded`) for a file over its kind's limit or your space;
    400 (`upload_refused`, `type_not_allowed`, `too_many_pixels`) for a file not accepted;
    503 (`storage_unavailable`, with Retry-After) when files cannot be stored just now.
    """
    try:
        upload = actions.create_upload(
            actor=request.user, file=file, alt_text=alt_text, is_decorative=is_decorative
        )
    except StorageUnavailable as error:
        return error_json(error)
    return Status(201, upload_document(upload, request.user))


@router.get("/uploads", response={200: UploadPage, 401: ErrorOut}, auth=member_auth)
def list_uploads(request: HttpRequest, page: int = 1, page_size: int = 20) -> dict[str, Any]:
    """Your own uploads, newest first (attached ones and those still waiting)."""
    result = paginate(queries.uploads_of(request.user), PageRequest.from_params(page, page_size))
    return {
        "items": [upload_document(upload, request.user) for upload in result.items],
        "page": result.number,
        "page_size": result.size,
        "total": result.total,
        "pages": result.page_count,
    }


@router.get("/uploads/{upload_id}", response={200: UploadOut, **ERRORS})
def get_upload(request: HttpRequest, upload_id: int) -> dict[str, Any]:
    """An upload's details, if you may read what it is attached to (404 otherwise)."""
    return upload_document(queries.get_readable_upload(request.user, upload_id), request.user)


@router.patch("/uploads/{upload_id}", response={200: UploadOut, **ERRORS}, auth=member_auth)
def update_upload(request: HttpRequest, upload_id: int, payload: UploadPatchIn) -> dict[str, Any]:
    """Change your upload's description (`alt_text`) or its "decorative" mark."""
    upload = queries.get_readable_upload(request.user, upload_id)
    upload = actions.set_upload_description(
        actor=request.user,
        upload=upload,
        alt_text=payload.alt_text if payload.alt_text is not None else upload.alt_text,
        is_decorative=(
            payload.is_decorative if payload.is_decorative is not None else upload.is_decorative
        ),
    )
    return upload_document(upload, request.user)


@router.delete(
    "/uploads/{upload_id}", response={204: None, **ERRORS, 409: ErrorOut}, auth=member_auth
)
def delete_upload(request: HttpRequest, upload_id: int) -> Status[None]:
    """Delete your upload while it is attached to nothing (403 `upload_attached` otherwise)."""
    upload = queries.get_readable_upload(request.user, upload_id)
    actions.delete_upload(actor=request.user, upload=upload)
    return Status(204, None)


@router.post(
    "/uploads/{upload_id}/captions",
    response={200: UploadOut, **ERRORS, 413: ErrorOut, 429: ErrorOut, 503: ErrorOut},
    auth=member_auth,
)
def add_captions(
    request: HttpRequest,
    upload_id: int,
    captions: UploadedFile = File(...),  # noqa: B008
    language: str = Form(...),  # noqa: B008
) -> dict[str, Any] | HttpResponse:
    """Add or replace your video's captions (multipart `captions`: WebVTT; `language`)."""
    upload = queries.get_readable_upload(request.user, upload_id)
    try:
        upload = actions.attach_captions(
            actor=request.user, upload=upload, file=captions, language=language
        )
    except StorageUnavailable as error:
        return error_json(error)
    return upload_document(upload, request.user)
