"""The attachment part of message schemas, shared by conversations and chat rooms.

Uploads are made first (POST /api/v1/uploads); a message names them by id. On the way out an
attachment has the shape of `uploads.display.attachment_payload`, which the socket sends too.
"""

from __future__ import annotations

from ninja import Schema

from carecircle.uploads.attachments import AttachmentChoice


class MessageAttachmentIn(Schema):
    """One of the caller's waiting uploads to attach to the message, with its description."""

    upload_id: int
    # Required for an image unless `is_decorative` (or given when it was uploaded).
    alt_text: str = ""
    is_decorative: bool = False


class AttachmentVariantOut(Schema):
    width: int
    url: str


class MessageAttachmentOut(Schema):
    id: int
    kind: str  # image, video or document
    mime_type: str
    name: str
    size: int
    # Every address is the serving view, which checks on each request who may read the file.
    url: str
    alt_text: str  # "" for a decorative image and for videos and documents
    is_decorative: bool
    width: int | None
    height: int | None
    variants: list[AttachmentVariantOut]  # an image's resized copies, narrowest first
    poster_url: str | None
    captions_url: str | None
    captions_language: str | None
    duration_seconds: float | None


def choices_of(items: list[MessageAttachmentIn]) -> list[AttachmentChoice]:
    return [
        AttachmentChoice(
            upload_id=item.upload_id,
            alt_text=item.alt_text.strip(),
            is_decorative=item.is_decorative,
        )
        for item in items
    ]
