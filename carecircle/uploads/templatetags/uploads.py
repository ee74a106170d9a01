"""Template helpers for showing uploads: every address goes through `upload_file`, never storage."""

from __future__ import annotations

from typing import Any

from django import template

from carecircle.uploads import display
from carecircle.uploads.attachments import max_per_post
from carecircle.uploads.models import Upload

register = template.Library()


@register.simple_tag
def upload_accept() -> str:
    """The picker's `accept` list: the types the settings allow, plus .pdf for old browsers."""
    types: list[str] = []
    for kind in ("image", "video", "document"):
        types.extend(display.allowed_types(kind))
    if "application/pdf" in types:
        types.append(".pdf")
    return ",".join(types)


@register.simple_tag
def upload_types_text() -> str:
    """The compose hint's list of what may be attached, from the same settings as the checks."""
    return display.allowed_types_text()


@register.filter
def public_name(upload: Upload) -> str:
    """The name shown for an attachment: neutral in an anonymous post (see display)."""
    return display.public_name(upload)


@register.filter
def kind_label(upload: Upload) -> str:
    """ "Picture", "Video", "PDF document": the one label for an upload's kind."""
    return display.kind_label(upload)


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
