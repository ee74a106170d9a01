"""How an upload is shown and described to clients: its addresses (always the `upload_file`
view, which checks access on every request), its name and labels, and its JSON shapes (the
attachment the APIs and the chat sockets share, and the upload document of the uploads API and
the compose script). The one place for all of these: `presenters` builds on it. Rendering only:
no access decision is made here."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.template.defaultfilters import filesizeformat
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


# Names that say nothing about who sent the file, by kind (the stored extension is added).
NEUTRAL_STEMS: dict[str, str] = {
    Upload.Kind.IMAGE: "picture",
    Upload.Kind.VIDEO: "video",
    Upload.Kind.DOCUMENT: "document",
}


def is_anonymous(upload: Upload) -> bool:
    """Attached to a post written under an anonymous alias (the post is loaded with its
    attachments on pages and in the API, so this costs no query there)."""
    post = upload.post if upload.post_id else None
    return bool(post is not None and post.alias_id)


def public_name(upload: Upload, reader: Any = None) -> str:
    """The file name shown and offered on download.

    The name the member chose, except in an anonymous post, where a file name ("Scan of
    Maria Lopez's letter.pdf") could name the writer: there it is "document.pdf",
    "picture.webp" or "video.mp4" for everyone but the owner (`reader`). The serving view's
    Content-Disposition uses it too, with the stored file's extension.
    """
    if is_anonymous(upload) and not (
        reader is not None and getattr(reader, "pk", None) == upload.owner_id
    ):
        extension = os.path.splitext(upload.file)[1].lstrip(".").lower()
        if not extension:
            extension = {"image": "webp", "video": "mp4", "document": "pdf"}.get(upload.kind, "")
        stem = NEUTRAL_STEMS.get(upload.kind, "file")
        return f"{stem}.{extension}" if extension else stem
    return upload.original_name


def size_text(upload: Upload) -> str:
    """ "1.8 KB", "303 bytes": the one size format (Django's filesizeformat, which the pages
    use), sent to the compose script so its rows say the same."""
    return str(filesizeformat(upload.stored_bytes))


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


def variants_of(upload: Upload) -> list[dict[str, Any]]:
    """An image's resized copies as `{"width", "url"}`, narrowest first (srcset order)."""
    return [{"width": width, "url": upload_url(upload, f"w{width}")} for width in widths_of(upload)]


def attachment_payload(upload: Upload, reader: Any = None) -> dict[str, Any]:
    """One attachment as JSON clients receive it (API and sockets alike; `AttachmentOut`)."""
    is_image = upload.kind == Upload.Kind.IMAGE
    return {
        "id": upload.pk,
        "kind": upload.kind,
        "mime_type": upload.mime_type,
        "name": public_name(upload, reader),
        "size": upload.stored_bytes,
        "url": upload_url(upload),
        "alt_text": upload.alt_text if is_image and not upload.is_decorative else "",
        "is_decorative": upload.is_decorative,
        "width": upload.width,
        "height": upload.height,
        "variants": variants_of(upload),
        "poster_url": upload_url(upload, "poster") if upload.poster else None,
        "captions_url": upload_url(upload, "captions") if upload.captions else None,
        "captions_language": upload.captions_language or None,
        "duration_seconds": upload.duration_seconds,
    }


# What a member calls each allowed type, for the compose hint.
TYPE_NAMES = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WebP",
    "image/gif": "GIF",
    "video/mp4": "MP4",
    "video/webm": "WebM",
    "video/quicktime": "MOV",
    "application/pdf": "PDF",
}


def allowed_types(kind: str) -> list[str]:
    """The MIME types the CARECIRCLE_UPLOAD_<KIND>_TYPES setting allows, in its order (read
    as processing.sniff reads it: a comma-separated string or a list)."""
    value = getattr(settings, f"CARECIRCLE_UPLOAD_{kind.upper()}_TYPES", "")
    items = value.split(",") if isinstance(value, str) else value
    found: list[str] = []
    for item in items:
        item = str(item).strip().lower()
        if item and item not in found:
            found.append(item)
    return found


def type_names(kind: str) -> str:
    """ "MP4, WebM, MOV": the allowed types of a kind as a member knows them."""
    names = [TYPE_NAMES.get(mime, mime.rsplit("/", 1)[-1].upper()) for mime in allowed_types(kind)]
    return ", ".join(dict.fromkeys(names))


def allowed_types_text() -> str:
    """What may be attached, from the settings: "Pictures (JPEG, PNG, WebP, GIF), short
    videos (MP4, WebM, MOV) and PDF documents." The compose hint says it; a refusal of a type
    should say the same words."""
    parts: list[str] = []
    if names := type_names("image"):
        parts.append(_("pictures (%(types)s)") % {"types": names})
    if names := type_names("video"):
        parts.append(_("short videos (%(types)s)") % {"types": names})
    if names := type_names("document"):
        if names == "PDF":
            parts.append(_("PDF documents"))
        else:
            parts.append(_("documents (%(types)s)") % {"types": names})
    if not parts:
        return ""
    if len(parts) == 1:
        listed = parts[0]
    else:
        listed = _("%(items)s and %(last)s") % {"items": ", ".join(parts[:-1]), "last": parts[-1]}
    return _("You can attach %(listed)s.") % {"listed": listed}


def attachments_html(uploads: Iterable[Upload]) -> str:
    """The attachments component rendered for a live client ("" without attachments)."""
    uploads = list(uploads)
    if not uploads:
        return ""
    return render_to_string("uploads/components/attachments.html", {"attachments": uploads})
