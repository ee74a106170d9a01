"""Fixtures for the uploads tests: a storage folder of each test's own, and stored uploads."""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages

from carecircle.accounts.models import User
from carecircle.uploads.models import Upload
from conftest import stored_files

__all__ = ["make_upload", "stored_files"]


@pytest.fixture(autouse=True)
def _stored_in_a_folder_of_their_own(upload_root: Path) -> Path:
    """Every uploads test stores files in a folder of its own (the root conftest's)."""
    return upload_root


def make_upload(owner: User, *, kind: str = Upload.Kind.IMAGE, **fields: Any) -> Upload:
    """An upload row with a small stored main file (test set-up, not the action under test)."""
    storage = storages["uploads"]
    folder = f"uploads/2026/12/{secrets.token_hex(16)}"
    data = fields.pop("data", b"RIFF....WEBPVP8 test-bytes")
    defaults: dict[str, Any] = {
        Upload.Kind.IMAGE: {"mime_type": "image/webp", "original_name": "photo.jpg"},
        Upload.Kind.VIDEO: {"mime_type": "video/mp4", "original_name": "clip.mp4"},
        Upload.Kind.DOCUMENT: {"mime_type": "application/pdf", "original_name": "leaflet.pdf"},
    }[kind]
    extension = {"image": "webp", "video": "mp4", "document": "pdf"}[kind]
    name = storage.save(f"{folder}/file.{extension}", ContentFile(data))
    values = {
        "owner": owner,
        "kind": kind,
        "sha256": hashlib.sha256(data).hexdigest(),
        "file": name,
        "stored_bytes": len(data),
        **defaults,
        **fields,
    }
    return Upload.objects.create(**values)


def jpeg_bytes(size: tuple[int, int] = (64, 48), *, gps: bool = False) -> bytes:
    """A small JPEG photo, optionally with an EXIF GPS position in it."""
    import io

    from PIL import Image

    image = Image.new("RGB", size, (200, 120, 40))
    output = io.BytesIO()
    if gps:
        exif = Image.Exif()
        exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}
        image.save(output, "JPEG", exif=exif)
    else:
        image.save(output, "JPEG")
    return output.getvalue()


PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
