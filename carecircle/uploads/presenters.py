"""An upload as JSON (upload endpoint, uploads API, and the attachments of posts and messages).

Only addresses of the serving view appear: every one of them checks access again when fetched.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from carecircle.uploads.models import Upload


def upload_url(upload: Upload, variant: str = "file") -> str:
    return reverse("upload_file", args=[upload.pk, variant])


def thumbnail_url(upload: Upload) -> str | None:
    """A small picture of the upload: the narrowest copy of an image, a video's poster."""
    if upload.kind == Upload.Kind.IMAGE:
        variants = upload.variants or []
        return upload_url(upload, f"w{variants[0]['width']}") if variants else upload_url(upload)
    if upload.kind == Upload.Kind.VIDEO and upload.poster:
        return upload_url(upload, "poster")
    return None


def needs_alt(upload: Upload) -> bool:
    return upload.kind == Upload.Kind.IMAGE and not upload.alt_text and not upload.is_decorative


def upload_document(upload: Upload) -> dict[str, Any]:
    """Everything a client needs to show or link an upload (no owner, no storage names)."""
    return {
        "id": upload.pk,
        "kind": upload.kind,
        "mime_type": upload.mime_type,
        "name": upload.original_name,
        "size": upload.stored_bytes,
        "url": upload_url(upload),
        "thumbnail_url": thumbnail_url(upload),
        "variants": [
            {"width": int(item["width"]), "url": upload_url(upload, f"w{item['width']}")}
            for item in upload.variants or []
        ],
        "poster_url": upload_url(upload, "poster") if upload.poster else None,
        "captions_url": upload_url(upload, "captions") if upload.captions else None,
        "captions_language": upload.captions_language or None,
        "width": upload.width,
        "height": upload.height,
        "duration_seconds": upload.duration_seconds,
        "alt_text": upload.alt_text,
        "is_decorative": upload.is_decorative,
        "needs_alt": needs_alt(upload),
        "is_processed": upload.is_processed,
        "is_attached": upload.is_attached,
        "created_at": upload.created_at,
    }
