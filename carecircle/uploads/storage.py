"""Where upload bytes live: the `uploads` storage alias (a local folder, or S3-compatible).

Names are `uploads/<yyyy>/<mm>/<32 random hex>/<rendition>.<ext>`: nothing a member typed ever
reaches a storage name, and the random folder keeps two uploads apart without reading the
storage first. The storage has no public address; bytes leave only through the serving view.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable, Iterator
from typing import IO

from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carecircle.core.errors import DomainError

logger = logging.getLogger(__name__)

_CHUNK = 64 * 1024


# How long a client is asked to wait before trying again when the storage is unreachable.
RETRY_AFTER_SECONDS = 60


class StorageUnavailable(DomainError):
    """The storage refused or could not be reached while writing: try again later (503)."""

    code = "storage_unavailable"
    status = 503
    retry_after = RETRY_AFTER_SECONDS

    def __init__(self) -> None:
        super().__init__(
            _("Files cannot be stored just now. Please try again in a minute."), field="file"
        )


def upload_storage() -> Storage:
    return storages["uploads"]


def new_folder() -> str:
    now = timezone.now()
    return f"uploads/{now:%Y}/{now:%m}/{secrets.token_hex(16)}"


def save_bytes(name: str, data: bytes) -> str:
    """Store `data` under `name`; the stored name (the storage may change it) is returned.

    Any failure of the storage (a full disk, an S3 outage or refusal) is StorageUnavailable.
    """
    try:
        return upload_storage().save(name, ContentFile(data))
    except Exception as error:
        logger.exception("could not store upload file %s", name)
        raise StorageUnavailable() from error


def save_path(name: str, path: str) -> str:
    """Store the file at `path` (a video, read in chunks: never whole in memory)."""
    with open(path, "rb") as handle:
        try:
            return upload_storage().save(name, File(handle))
        except Exception as error:
            logger.exception("could not store upload file %s", name)
            raise StorageUnavailable() from error


def open_file(name: str) -> IO[bytes]:
    return upload_storage().open(name, "rb")


def stream(name: str, start: int = 0, length: int | None = None) -> Iterator[bytes]:
    """The stored bytes from `start` (`length` of them, or to the end), in chunks.

    On S3 the range is asked of the service itself: django-storages' own file object would
    first copy the whole object (a 100 MB video) to a temporary file for every request.
    """
    store = upload_storage()
    bucket = getattr(store, "bucket", None)
    if bucket is not None:
        from storages.utils import clean_name

        options: dict[str, str] = {}
        if start or length is not None:
            end = "" if length is None else str(start + length - 1)
            options["Range"] = f"bytes={start}-{end}"
        key = store._normalize_name(clean_name(name))  # type: ignore[attr-defined]
        body = bucket.Object(key).get(**options)["Body"]
        try:
            yield from body.iter_chunks(_CHUNK)
        finally:
            body.close()
        return
    with store.open(name, "rb") as handle:
        handle.seek(start)
        left = length
        while left is None or left > 0:
            chunk = handle.read(_CHUNK if left is None else min(_CHUNK, left))
            if not chunk:
                break
            if left is not None:
                left -= len(chunk)
            yield chunk


def size_of(name: str) -> int:
    return int(upload_storage().size(name))


def delete_names(names: Iterable[str]) -> list[str]:
    """Delete stored files; returns those that could not be deleted (each failure is logged,
    never raised: callers keep the names to try again, see `actions.forget_files`)."""
    storage = upload_storage()
    failed: list[str] = []
    for name in names:
        if not name:
            continue
        try:
            storage.delete(name)
        except Exception:
            logger.exception("could not delete stored upload file %s", name)
            failed.append(name)
    return failed
