"""Template helpers for showing uploads: every address goes through `upload_file`, never storage."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

from carecircle.uploads import display
from carecircle.uploads.attachments import max_per_post
from carecircle.uploads.models import Upload

register = template.Library()

DEFAULT_TYPES = {
    "CARECIRCLE_UPLOAD_IMAGE_TYPES": "image/jpeg,image/png,image/webp,image/gif",
    "CARECIRCLE_UPLOAD_VIDEO_TYPES": "video/mp4,video/webm,video/quicktime",
    "CARECIRCLE_UPLOAD_DOCUMENT_TYPES": "application/pdf",
}


def _types(name: str) -> list[str]:
    value = getattr(settings, name, DEFAULT_TYPES[name])
    if isinstance(value, str):
        value = value.split(",")
    return [str(item).strip() for item in value if str(item).strip()]


@register.simple_tag
def upload_accept() -> str:
    """The picker's `accept` list: the types the settings allow, plus .pdf for old browsers."""
    types: list[str] = []
    for name in DEFAULT_TYPES:
        types.extend(_types(name))
    if "application/pdf" in types:
        types.append(".pdf")
    return ",".join(types)


@register.simple_tag
def upload_max_per_post() -> int:
    """How many files one post or message takes (the script stops adding beyond it)."""
    return max_per_post()


@register.simple_tag
def attachment_view(upload: Upload) -> dict[str, Any]:
    """Everything attachments.html shows for one upload: addresses, srcset, labels."""
    return display.attachment_view(upload)


@register.simple_tag
def blank_attachment_row() -> dict[str, Any]:
    """The empty row attach.js copies for each new file ("__id__" becomes the upload's id)."""
    return {
        "id": "__id__",
        "kind": "",
        "kind_label": "",
        "name": "",
        "size": None,
        "thumbnail_url": "",
        "needs_alt": True,
        "alt_text": "",
        "is_decorative": False,
        "alt_field": "alt___id__",
        "captions_field": "captions___id__",
        "is_blank": True,
    }
