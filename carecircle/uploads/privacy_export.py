"""Uploads in a member's data export, and their files on erasure.

The export lists every upload's details (names, kinds, sizes, descriptions, what it is
attached to); the files themselves are named, not copied into the ZIP: they may live in S3,
and every one of them can be downloaded from "My uploads". Erasing an account deletes every
upload row and, once that commits, every stored file (the resized copies and posters too).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from carecircle.privacy.registry import Row, register


def uploads(member: Any) -> Iterator[Row]:
    from carecircle.uploads.models import Upload

    for upload in Upload.objects.filter(owner_id=member.pk).order_by("created_at", "pk"):
        if upload.post_id is not None:
            attached_to = {"kind": "post", "id": upload.post_id}
        elif upload.message_id is not None:
            attached_to = {"kind": "message", "id": upload.message_id}
        elif upload.resource_id is not None:
            attached_to = {"kind": "resource", "id": upload.resource_id}
        else:
            attached_to = None
        yield {
            "name": upload.original_name,
            "kind": upload.kind,
            "type": upload.mime_type,
            "stored_bytes": upload.stored_bytes,
            "width": upload.width,
            "height": upload.height,
            "duration_seconds": upload.duration_seconds,
            "description": upload.alt_text,
            "is_decorative": upload.is_decorative,
            "captions_language": upload.captions_language or None,
            "sha256": upload.sha256,
            "attached_to": attached_to,
            "created_at": upload.created_at.isoformat(),
            "attached_at": upload.attached_at.isoformat() if upload.attached_at else None,
        }


def erase_uploads(member: Any, keep_posts: bool) -> None:
    """Every upload goes, even with "keep my posts": a picture can show a face or a home, and
    the kept posts keep their words only."""
    from carecircle.uploads.actions import delete_uploads_of

    delete_uploads_of(member=member)


register("uploads.Upload", name="uploads", export=uploads, erase=erase_uploads)
