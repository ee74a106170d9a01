"""How an upload is shown and described to clients: its addresses (always the `upload_file`
view, which checks access on every request), labels, and the JSON shape the APIs and the
chat sockets share. Rendering only: no access decision is made here."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _

from carecircle.uploads.models import Upload

# The page column is at most ~40rem; on a phone a picture takes the screen's width.
IMAGE_SIZES = "(max-width: 40rem) 100vw, 40rem"
# The copy a browser without srcset shows (and the width most pages need).
DEFAULT_WIDTH = 640


def upload_url(upload: Upload, variant: str = "file") -> str:
    return reverse("upload_file", args=[upload.pk, variant])


def widths_of(upload: Upload) -> list[int]:
    """The widths of an image's resized copies, narrowest first."""
    return sorted({int(v["width"]) for v in upload.variants or [] if v.get("width")})


def thumbnail_url(upload: Upload) -> str:
    """A small picture of the upload for the compose list: the narrowest image copy, or a
    video's poster; "" for documents and for videos without a poster yet."""
    if upload.kind == Upload.Kind.IMAGE:
        widths = widths_of(upload)
        return upload_url(upload, f"w{widths[0]}") if widths else upload_url(upload)
    if upload.kind == Upload.Kind.VIDEO and upload.poster:
        return upload_url(upload, "poster")
    return ""


def kind_label(upload: Upload) -> str:
    """ "Picture", "Video" or "PDF document": what a member calls the file."""
    if upload.kind == Upload.Kind.IMAGE:
        return _("Picture")
    if upload.kind == Upload.Kind.VIDEO:
        return _("Video")
    if upload.mime_type == "application/pdf":
        return _("PDF document")
    return _("Document")


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


def attachment_view(upload: Upload) -> dict[str, Any]:
    """Everything attachments.html shows for one upload: addresses, srcset, labels."""
    view: dict[str, Any] = {
        "file_url": upload_url(upload),
        "kind_label": kind_label(upload),
        "duration": duration_text(upload.duration_seconds),
    }
    if upload.kind == Upload.Kind.IMAGE:
        widths = widths_of(upload)
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


def attachment_payload(upload: Upload) -> dict[str, Any]:
    """One attachment as JSON clients receive it (API and sockets alike)."""
    is_image = upload.kind == Upload.Kind.IMAGE
    return {
        "id": upload.pk,
        "kind": upload.kind,
        "mime_type": upload.mime_type,
        "name": upload.original_name,
        "size": upload.stored_bytes,
        "url": upload_url(upload),
        "alt_text": upload.alt_text if is_image and not upload.is_decorative else "",
        "is_decorative": upload.is_decorative,
        "width": upload.width,
        "height": upload.height,
        "variants": [
            {"width": width, "url": upload_url(upload, f"w{width}")} for width in widths_of(upload)
        ],
        "poster_url": upload_url(upload, "poster") if upload.poster else None,
        "captions_url": upload_url(upload, "captions") if upload.captions else None,
        "captions_language": upload.captions_language or None,
        "duration_seconds": upload.duration_seconds,
    }


def attachments_html(uploads: Iterable[Upload]) -> str:
    """The attachments component rendered for a live client ("" without attachments)."""
    uploads = list(uploads)
    if not uploads:
        return ""
    return render_to_string("uploads/components/attachments.html", {"attachments": uploads})
