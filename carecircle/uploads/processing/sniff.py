"""What a file really is: libmagic on its first bytes, never the name or the browser's claim.

The name still has to agree with the bytes: a `.jpg` that libmagic reads as HTML, SVG, PDF or
a zip archive is refused, so a file cannot pretend to be a picture to the person who downloads
it. A name without any extension (a picture pasted from the clipboard arrives as "blob" in some
browsers) makes no claim and is accepted; the stored name then gets the right extension.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

import magic
from django.conf import settings
from django.utils.translation import gettext as _

from carecircle.uploads.processing.results import UploadRefused

SNIFF_BYTES = 8192
NAME_MAX = 200

MB = 1024 * 1024
DEFAULTS: dict[str, Any] = {
    "CARECIRCLE_UPLOAD_IMAGE_MAX_BYTES": 15 * MB,
    "CARECIRCLE_UPLOAD_VIDEO_MAX_BYTES": 100 * MB,
    "CARECIRCLE_UPLOAD_DOCUMENT_MAX_BYTES": 20 * MB,
    "CARECIRCLE_UPLOAD_IMAGE_TYPES": "image/jpeg,image/png,image/webp,image/gif",
    "CARECIRCLE_UPLOAD_VIDEO_TYPES": "video/mp4,video/webm,video/quicktime",
    "CARECIRCLE_UPLOAD_DOCUMENT_TYPES": "application/pdf",
    "CARECIRCLE_UPLOAD_MAX_PIXELS": 40_000_000,
    "CARECIRCLE_FFMPEG": "/usr/bin/ffmpeg",
    "CARECIRCLE_FFMPEG_TIMEOUT": 30,
    # See processing/limits.py for why these values.
    "CARECIRCLE_UPLOAD_MAX_DECODED_BYTES": 200 * MB,
    "CARECIRCLE_UPLOAD_VIDEO_MAX_PIXELS": 3840 * 2160,
    "CARECIRCLE_UPLOAD_CONCURRENCY": 2,
    "CARECIRCLE_UPLOAD_BUSY_WAIT": 20,
    "CARECIRCLE_FFMPEG_MEMORY_BYTES": 1024 * MB,
}

IMAGE, VIDEO, DOCUMENT = "image", "video", "document"

# The extensions a name may carry for each kind; the stored extension is decided by the bytes.
EXTENSIONS: dict[str, frozenset[str]] = {
    IMAGE: frozenset({"jpg", "jpeg", "jpe", "jfif", "png", "webp", "gif"}),
    VIDEO: frozenset({"mp4", "m4v", "webm", "mov", "qt"}),
    DOCUMENT: frozenset({"pdf"}),
}
VIDEO_EXTENSIONS = {"video/mp4": "mp4", "video/webm": "webm", "video/quicktime": "mov"}


def setting(name: str) -> Any:
    return getattr(settings, name, DEFAULTS[name])


def allowed_types(kind: str) -> frozenset[str]:
    value: str | Iterable[str] = setting(f"CARECIRCLE_UPLOAD_{kind.upper()}_TYPES")
    items = value.split(",") if isinstance(value, str) else value
    return frozenset(item.strip().lower() for item in items if item.strip())


def max_bytes(kind: str) -> int:
    return int(setting(f"CARECIRCLE_UPLOAD_{kind.upper()}_MAX_BYTES"))


def kind_of(mime_type: str) -> str | None:
    """The kind whose allowed-types setting lists `mime_type`, or None."""
    for kind in (IMAGE, VIDEO, DOCUMENT):
        if mime_type in allowed_types(kind):
            return kind
    return None


# libmagic names some files by their brand rather than their container: an iTunes-style .m4v
# is an MP4 file and is handled (and allowed) as one.
ALIASES = {"video/x-m4v": "video/mp4"}


def sniff(head: bytes) -> str:
    """libmagic's MIME type for the first bytes of a file ("application/x-empty" if none)."""
    found = str(magic.from_buffer(head[:SNIFF_BYTES], mime=True)).lower()
    return ALIASES.get(found, found)


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def clean_name(declared: str) -> tuple[str, str]:
    """(stem, extension) of a browser-given name: no folders, no control or direction
    characters, NFC, no leading dots, at most NAME_MAX characters in all."""
    name = unicodedata.normalize("NFC", declared or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    # Control characters, and format characters such as right-to-left overrides that can make
    # "gpj.exe" look like "exe.jpg" in a download dialog.
    name = "".join(
        char for char in _CONTROL.sub("", name) if unicodedata.category(char) not in ("Cf", "Cc")
    )
    name = name.strip().lstrip(".").strip()
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    extension = extension.strip().lower()
    if not re.fullmatch(r"[a-z0-9]{1,10}", extension):
        stem, extension = (name if not dot else f"{stem}.{extension}"), ""
    stem = stem.strip(" .") or _("file")
    return stem, extension


def stored_name(stem: str, extension: str) -> str:
    """The shown name with the stored file's extension, cut to fit the model's field."""
    room = NAME_MAX - len(extension) - 1
    return f"{stem[:room].rstrip(' .') or 'file'}.{extension}"


def check_declared_extension(extension: str, kind: str) -> None:
    if extension and extension not in EXTENSIONS[kind]:
        raise UploadRefused(
            _(
                "The file's name does not match what is inside it. Please check that you "
                "chose the right file."
            )
        )


def refuse_type(mime_type: str) -> UploadRefused:
    if mime_type in ("image/svg+xml", "image/svg"):
        return UploadRefused(
            _("SVG drawings cannot be shared here. Please save it as a PNG or JPEG picture."),
            code="type_not_allowed",
        )
    if mime_type == "application/x-empty":
        return UploadRefused(_("That file is empty. Please choose another one."))
    # The same list as the compose form's hint, built from the type settings.
    from carecircle.uploads.display import allowed_types_text

    return UploadRefused(
        _("This type of file cannot be shared here.") + " " + allowed_types_text(),
        code="type_not_allowed",
    )


def refuse_too_large(kind: str) -> UploadRefused:
    limit_mb = max(1, max_bytes(kind) // MB)
    messages = {
        IMAGE: _("That picture is larger than %(size)d MB. Please choose a smaller one."),
        VIDEO: _("That video is larger than %(size)d MB. Please choose a shorter one."),
        DOCUMENT: _("That document is larger than %(size)d MB. Please choose a smaller one."),
    }
    return UploadRefused(messages[kind] % {"size": limit_mb}, code="too_large")
