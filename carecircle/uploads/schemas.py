"""The one set of API schemas for uploads and attachments (uploads, posts, messages).

Each name is an OpenAPI component, and django-ninja keeps only the last class registered under a
name: two `VariantOut` classes in two modules silently became one. Every API module imports
these instead of declaring its own. The JSON itself is built by `uploads.display`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from ninja import Schema

from carecircle.uploads.attachments import AttachmentChoice


class UploadVariantOut(Schema):
    width: int
    url: str


class AttachmentIn(Schema):
    """One of the caller's uploads (POST /api/v1/uploads) to attach, with its description."""

    upload_id: int
    # Required for an image unless `is_decorative`; may also be given at upload time.
    alt_text: str = ""
    is_decorative: bool = False


class AttachmentOut(Schema):
    """An attachment of a post or message (the chat sockets send the same shape)."""

    id: int
    kind: str  # image, video or document
    mime_type: str
    # The name the member chose; "document.pdf", "picture.webp" or "video.mp4" in an
    # anonymous post, where a file name could say who wrote it.
    name: str
    size: int  # every stored byte of the upload (its copies, poster and captions included)
    # Every address is the serving view, which checks on each request who may read the file.
    url: str
    alt_text: str  # "" for a decorative image, and for videos and documents
    is_decorative: bool
    width: int | None
    height: int | None
    variants: list[UploadVariantOut]  # an image's resized WebP copies, narrowest first (srcset)
    poster_url: str | None
    captions_url: str | None
    captions_language: str | None
    duration_seconds: float | None


class UploadOut(Schema):
    """An upload as its owner (or a reader of what it is attached to) sees it."""

    id: int
    kind: str
    mime_type: str
    name: str
    size: int
    url: str
    thumbnail_url: str | None
    variants: list[UploadVariantOut]
    poster_url: str | None
    captions_url: str | None
    captions_language: str | None
    width: int | None
    height: int | None
    duration_seconds: float | None
    alt_text: str
    is_decorative: bool
    needs_alt: bool
    is_processed: bool
    is_attached: bool
    created_at: datetime


def attachment_choices(items: Iterable[AttachmentIn]) -> list[AttachmentChoice]:
    """What the actions take from an API body's `attachments` (descriptions trimmed)."""
    return [
        AttachmentChoice(
            upload_id=item.upload_id,
            alt_text=item.alt_text.strip(),
            is_decorative=item.is_decorative,
        )
        for item in items
    ]
