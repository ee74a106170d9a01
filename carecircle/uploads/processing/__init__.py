"""Turning an uploaded file into what we store, or refusing it.

`process_upload` is the one entry point the uploads actions call. It never trusts the name or
the browser's type: libmagic decides the type from the first 8 KB, the name's extension must
belong to the same kind, the size limit of that kind applies, and then the kind's own decoder
must agree (Pillow for pictures, the PDF markers for documents, ffprobe for videos when ffmpeg is
installed). Pictures are re-encoded from their pixels (no metadata survives); PDFs are stored as
sent and always served as downloads; videos are stored as a temporary file path, cleaned of
metadata by ffmpeg when it is there, else blanked in place by `videos.strip_location` (or refused
when their structure cannot be walked with confidence). Refusals are `UploadRefused` (a
ValidationFailed on the field `file`) with a plain-language message; no file, however hostile,
may raise anything else.

Settings read (django.conf.settings, with these defaults when unset):
CARECIRCLE_UPLOAD_{IMAGE,VIDEO,DOCUMENT}_MAX_BYTES (15 MB, 100 MB, 20 MB),
CARECIRCLE_UPLOAD_{IMAGE,VIDEO,DOCUMENT}_TYPES, CARECIRCLE_UPLOAD_MAX_PIXELS (40 000 000),
CARECIRCLE_FFMPEG (/usr/bin/ffmpeg), CARECIRCLE_FFMPEG_TIMEOUT (30 s),
CARECIRCLE_UPLOAD_MAX_DECODED_BYTES (200 MB), CARECIRCLE_UPLOAD_VIDEO_MAX_PIXELS (3840 × 2160),
CARECIRCLE_UPLOAD_CONCURRENCY (2), CARECIRCLE_UPLOAD_BUSY_WAIT (20 s),
CARECIRCLE_FFMPEG_MEMORY_BYTES (1 GB). See limits.py.
"""

from __future__ import annotations

import logging
import os
from typing import IO

from django.utils.translation import gettext as _

from carecircle.uploads.processing.captions import clean_captions
from carecircle.uploads.processing.documents import process_document
from carecircle.uploads.processing.images import process_image
from carecircle.uploads.processing.limits import UploadBusy, slot
from carecircle.uploads.processing.results import Processed, Rendition, UploadRefused
from carecircle.uploads.processing.sniff import (
    DOCUMENT,
    IMAGE,
    SNIFF_BYTES,
    VIDEO,
    check_declared_extension,
    clean_name,
    kind_of,
    max_bytes,
    refuse_too_large,
    refuse_type,
    sniff,
    stored_name,
)
from carecircle.uploads.processing.videos import process_video, process_video_extras

__all__ = [
    "Processed",
    "Rendition",
    "UploadBusy",
    "UploadRefused",
    "clean_captions",
    "process_upload",
    "process_video_extras",
]

logger = logging.getLogger(__name__)


def _read_limited(source: IO[bytes], head: bytes, limit: int, kind: str) -> bytes:
    rest = source.read(limit + 1 - len(head)) if len(head) <= limit else b""
    data = head + rest
    if len(data) > limit:
        raise refuse_too_large(kind)
    return data


def _process(source: IO[bytes], *, declared_name: str, size: int) -> Processed:
    stem, extension = clean_name(declared_name)
    if hasattr(source, "seek"):
        source.seek(0)
    head = source.read(SNIFF_BYTES)
    if not head:
        raise refuse_type("application/x-empty")
    mime_type = sniff(head)
    kind = kind_of(mime_type)
    if kind is None:
        raise refuse_type(mime_type)
    check_declared_extension(extension, kind)
    limit = max_bytes(kind)
    # `size` is what the server received (UploadedFile.size): refuse before reading the body.
    if size > limit:
        raise refuse_too_large(kind)
    if kind == IMAGE:
        data = _read_limited(source, head, limit, kind)
        # Decoding is where memory goes: only a few pictures at once per process.
        with slot():
            renditions, width, height = process_image(data, mime_type)
        return Processed(
            kind=IMAGE,
            mime_type="image/webp",
            # The name the member chose (they recognise "photo.jpg"); downloads get ".webp".
            original_name=stored_name(stem, extension or "webp"),
            renditions=renditions,
            width=width,
            height=height,
        )
    if kind == DOCUMENT:
        data = _read_limited(source, head, limit, kind)
        rendition = process_document(data, mime_type)
        return Processed(
            kind=DOCUMENT,
            mime_type=rendition.content_type,
            original_name=stored_name(stem, extension or rendition.extension),
            renditions=[rendition],
        )
    assert kind == VIDEO
    rendition, info, cleaned = process_video(source, head, mime_type, limit)
    return Processed(
        kind=VIDEO,
        mime_type=rendition.content_type,
        original_name=stored_name(stem, extension or rendition.extension),
        renditions=[rendition],
        width=info["width"] if info else None,
        height=info["height"] if info else None,
        duration_seconds=info["duration"] if info else None,
        needs_video_task=cleaned,
    )


def process_upload(
    source: IO[bytes] | str | os.PathLike[str], *, declared_name: str, size: int
) -> Processed:
    """What to store for the uploaded `source`, or UploadRefused saying why not.

    `source` is an open binary file (a Django UploadedFile) or a path; `size` its byte count.
    The result's `mime_type` is the type of the stored main file (image/webp for every picture).
    A video's main rendition is a temporary `path`: store it, then call `Processed.cleanup()`.
    """
    try:
        if isinstance(source, (str, os.PathLike)):
            with open(source, "rb") as file:
                return _process(file, declared_name=declared_name, size=size)
        return _process(source, declared_name=declared_name, size=size)
    except UploadRefused:
        raise
    except Exception as error:
        # A hostile file must never become a server error; the log keeps what went wrong.
        logger.exception("upload processing failed unexpectedly")
        raise UploadRefused(
            _("We could not read that file. It may be damaged: please try another one.")
        ) from error
