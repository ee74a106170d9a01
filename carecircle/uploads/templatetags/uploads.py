"""Template helpers for showing uploads: every address goes through `upload_file`, never storage."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _

from carecircle.uploads.forms import kind_label, upload_url
from carecircle.uploads.models import Upload

register = template.Library()

# The page column is at most ~40rem; on a phone a picture takes the screen's width.
IMAGE_SIZES = "(max-width: 40rem) 100vw, 40rem"
# The copy a browser without srcset shows (and the width most pages need).
DEFAULT_WIDTH = 640

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


def duration_text(seconds: float | None) -> str:
    """ "1:05" or "1:02:03"; "" when unknown (no ffmpeg, or not processed yet)."""
    if seconds is None:
        return ""
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _language_name(code: str) -> str:
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code


@register.simple_tag
def attachment_view(upload: Upload) -> dict[str, Any]:
    """Everything attachments.html shows for one upload: addresses, srcset, labels."""
    view: dict[str, Any] = {
        "file_url": upload_url(upload),
        "kind_label": kind_label(upload),
        "duration": duration_text(upload.duration_seconds),
    }
    if upload.kind == Upload.Kind.IMAGE:
        widths = sorted({int(v["width"]) for v in upload.variants or [] if v.get("width")})
        parts = [f"{upload_url(upload, f'w{width}')} {width}w" for width in widths]
        if upload.width and (not widths or upload.width > widths[-1]):
            parts.append(f"{view['file_url']} {upload.width}w")
        fitting = [width for width in widths if width <= DEFAULT_WIDTH]
        view["src"] = upload_url(upload, f"w{fitting[-1]}") if fitting else view["file_url"]
        view["srcset"] = ", ".join(parts)
        view["sizes"] = IMAGE_SIZES
        view["has_larger"] = bool(upload.width and upload.width > DEFAULT_WIDTH)
    elif upload.kind == Upload.Kind.VIDEO:
        view["poster_url"] = upload_url(upload, "poster") if upload.poster else ""
        view["captions_url"] = upload_url(upload, "captions") if upload.captions else ""
        language = upload.captions_language or settings.LANGUAGE_CODE
        view["captions_language"] = language
        view["captions_label"] = _("Captions (%(language)s)") % {
            "language": _language_name(language)
        }
    return view


@register.simple_tag
def upload_max_per_post() -> int:
    """How many files one post or message takes (the script stops adding beyond it)."""
    return int(getattr(settings, "CARECIRCLE_UPLOAD_MAX_PER_POST", 10))


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
        "is_blank": True,
    }
