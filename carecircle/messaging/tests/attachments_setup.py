"""Uploads for the messaging tests: waiting ones to send, and ones already on a message.

Rows only, without stored files: the messaging tests check what is attached and shown, never
the bytes (the uploads tests serve files)."""

from __future__ import annotations

import secrets
from typing import Any

from carecircle.messaging.models import Message
from carecircle.uploads.models import Upload

KINDS = {
    Upload.Kind.IMAGE: ("image/webp", "photo.jpg", "webp"),
    Upload.Kind.VIDEO: ("video/mp4", "clip.mp4", "mp4"),
    Upload.Kind.DOCUMENT: ("application/pdf", "leaflet.pdf", "pdf"),
}


def waiting_upload(owner: Any, *, kind: str = Upload.Kind.IMAGE, **fields: Any) -> Upload:
    """One of `owner`'s uploads waiting to be attached (an image has three resized copies)."""
    mime_type, name, extension = KINDS[kind]
    folder = f"uploads/2026/12/{secrets.token_hex(16)}"
    values: dict[str, Any] = {
        "owner": owner,
        "kind": kind,
        "mime_type": mime_type,
        "original_name": name,
        "sha256": "0" * 64,
        "file": f"{folder}/file.{extension}",
        "stored_bytes": 2048,
    }
    if kind == Upload.Kind.IMAGE:
        values.update(
            width=1600,
            height=1200,
            variants=[
                {"width": width, "name": f"{folder}/{width}.webp", "bytes": 100}
                for width in (320, 640, 1280)
            ],
        )
    values.update(fields)
    return Upload.objects.create(**values)


def attached_upload(message: Message, *, position: int = 0, **fields: Any) -> Upload:
    """An upload of the message's author already on the message (test set-up)."""
    return waiting_upload(
        message.author,
        message=message,
        position=position,
        attached_at=message.created_at,
        alt_text=fields.pop("alt_text", "A cup of tea on a windowsill"),
        **fields,
    )


def upload_state() -> list[dict]:
    """Every upload row, to assert that a refused send attached nothing."""
    return list(Upload.objects.order_by("pk").values())
