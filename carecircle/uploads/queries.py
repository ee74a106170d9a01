"""Reads of uploads, always scoped to the actor: nobody reaches a file by its id alone."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet, Sum
from django.utils.translation import gettext as _

from carecircle.core.errors import NotFoundError
from carecircle.uploads.models import Upload
from carecircle.uploads.permissions import can_read_upload

DEFAULT_QUOTA_BYTES = 500 * 1024 * 1024

# Everything `can_read_upload` follows, fetched with the upload in one query.
_READ_RELATED = (
    "post__topic__community",
    "message__room__community",
    "message__conversation",
    "resource__community",
)


def not_found() -> NotFoundError:
    return NotFoundError(_("This file does not exist or is no longer available."))


def get_readable_upload(actor: Any, upload_id: int) -> Upload:
    """The upload if `actor` may read it now; NotFoundError otherwise (never "forbidden")."""
    upload = Upload.objects.select_related(*_READ_RELATED).filter(pk=upload_id).first()
    if upload is None or not can_read_upload(actor, upload):
        raise not_found()
    return upload


def get_own_upload(actor: Any, upload_id: int, *, for_update: bool = False) -> Upload:
    """One of the actor's own uploads (NotFoundError for anyone else's)."""
    if not getattr(actor, "is_authenticated", False):
        raise not_found()
    rows = Upload.objects.filter(pk=upload_id, owner_id=actor.pk)
    if for_update:
        rows = rows.select_for_update()
    upload = rows.first()
    if upload is None:
        raise not_found()
    return upload


def uploads_of(actor: Any) -> QuerySet[Upload]:
    """The actor's own uploads, newest first, with what each is attached to."""
    if not getattr(actor, "is_authenticated", False):
        return Upload.objects.none()
    return (
        Upload.objects.filter(owner_id=actor.pk)
        .select_related("post__topic", "message", "resource")
        .order_by("-created_at", "-pk")
    )


def quota_bytes() -> int:
    return int(getattr(settings, "CARECIRCLE_UPLOAD_QUOTA_BYTES", DEFAULT_QUOTA_BYTES))


def quota_used(member: Any) -> int:
    """Every stored byte of the member's uploads (resized copies and posters included)."""
    total = Upload.objects.filter(owner_id=member.pk).aggregate(total=Sum("stored_bytes"))
    return int(total["total"] or 0)


def stored_names(upload: Upload) -> list[str]:
    """Every storage name behind one upload: main file, copies, poster, captions."""
    names = [upload.file, upload.poster, upload.captions]
    names += [str(variant.get("name", "")) for variant in upload.variants or []]
    return [name for name in names if name]


def variant_name(upload: Upload, variant: str) -> str | None:
    """The storage name for a served variant ("file", "w640", "poster", "captions")."""
    if variant == "file":
        return upload.file or None
    if variant == "poster":
        return upload.poster or None
    if variant == "captions":
        return upload.captions or None
    if variant.startswith("w") and variant[1:].isdigit():
        width = int(variant[1:])
        for item in upload.variants or []:
            if item.get("width") == width:
                return str(item.get("name") or "") or None
    return None
