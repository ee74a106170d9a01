"""Every write to uploads: store a processed file, describe it, add captions, delete, clean up.

Files are written to storage before their row, and removed again if anything fails, so a
refused or failed upload leaves nothing behind. A row's files are recorded as
`PendingFileDeletion` rows in the same transaction that deletes the row, deleted once it
commits, and tried again by the hourly cleanup while the storage refuses (a file without its
row is never served meanwhile). Soft-deleting a post keeps its files (moderators still see
them); they go when the post's row goes and the upload, attached to nothing, is cleaned up.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.core.errors import PermissionDeniedError, ValidationFailed
from carecircle.core.ratelimit import check_rate
from carecircle.uploads import storage
from carecircle.uploads.attachments import ALT_TEXT_MAX
from carecircle.uploads.models import PendingFileDeletion, Upload
from carecircle.uploads.permissions import check_can_change_upload, check_can_delete_upload
from carecircle.uploads.queries import quota_bytes, quota_used, stored_names

logger = logging.getLogger(__name__)

DEFAULT_RATE = "60/h"
DEFAULT_UNATTACHED_HOURS = 24
# A captions file is text: a film's worth is well under this.
CAPTIONS_MAX_BYTES = 1024 * 1024
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$")
_CHUNK = 1024 * 1024


def too_large(limit: int) -> ValidationFailed:
    error = ValidationFailed(
        _("This file is too large. The largest file you can upload is %(size)s MB.")
        % {"size": max(1, limit // (1024 * 1024))},
        code="too_large",
        field="file",
    )
    error.status = 413
    return error


def largest_file_bytes() -> int:
    """The largest per-kind file limit: what a request may carry before its kind is known."""
    from carecircle.uploads.processing.sniff import DOCUMENT, IMAGE, VIDEO, max_bytes

    return max(max_bytes(kind) for kind in (IMAGE, VIDEO, DOCUMENT))


def _quota_full() -> ValidationFailed:
    error = ValidationFailed(
        _(
            "Your uploads have used all the space you have (%(size)s MB). Delete files you no "
            "longer need on the “My uploads” page, then try again."
        )
        % {"size": max(1, quota_bytes() // (1024 * 1024))},
        code="quota_exceeded",
        field="file",
    )
    error.status = 413
    return error


def check_can_upload(actor: Any) -> None:
    """Signed-in, active members not under a site-wide ban or suspension."""
    from carecircle.moderation.enforcement import check_not_restricted

    if not (
        getattr(actor, "is_authenticated", False)
        and actor.is_active
        and getattr(actor, "memorialised_at", None) is None
    ):
        raise PermissionDeniedError(_("Please sign in first."), code="not_authenticated")
    check_not_restricted(actor, None)


def clean_alt_text(alt_text: str) -> str:
    text = (alt_text or "").strip()
    if len(text) > ALT_TEXT_MAX:
        raise ValidationFailed(
            _("Please keep the description under %(count)d characters.") % {"count": ALT_TEXT_MAX},
            code="alt_text_too_long",
            field="alt_text",
        )
    return text


def _check_rate(actor: Any) -> None:
    check_rate(
        scope="upload",
        key=str(actor.pk),
        rate=str(getattr(settings, "CARECIRCLE_UPLOAD_RATE", DEFAULT_RATE)),
    )


def _sha256_of(file: UploadedFile) -> str:
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in file.chunks(_CHUNK):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def _lock_quota(actor: Any, extra_bytes: int) -> None:
    """Inside a transaction: lock the member's row so two uploads at once cannot both pass."""
    from django.contrib.auth import get_user_model

    get_user_model().objects.select_for_update().filter(pk=actor.pk).first()
    if quota_used(actor) + extra_bytes > quota_bytes():
        raise _quota_full()


def create_upload(
    *,
    actor: Any,
    file: UploadedFile,
    alt_text: str = "",
    is_decorative: bool = False,
) -> Upload:
    """Check, process and store one file as the actor's waiting upload (attached to nothing).

    Refused (ValidationFailed, field "file") before reading the body when larger than every
    limit or when the member's space is full; the bytes are then sniffed and re-encoded by
    `processing`, and what is to be stored must fit in the space left.
    A video's poster and duration are made by `tasks.process_video_task` after commit.
    """
    from carecircle.uploads.processing import process_upload

    check_can_upload(actor)
    alt_text = clean_alt_text(alt_text)
    _check_rate(actor)
    size = int(file.size or 0)
    largest = largest_file_bytes()
    if size > largest:
        raise too_large(largest)
    # Only a full quota is refused before processing: a photo usually shrinks once re-encoded,
    # so the exact check waits for the stored size (under a lock, below).
    if quota_used(actor) >= quota_bytes():
        raise _quota_full()
    sha256 = _sha256_of(file)
    try:
        processed = process_upload(file, declared_name=file.name or "", size=size)
    except ValidationFailed as error:
        if error.code == "too_large":
            error.status = 413
        raise
    stored: list[str] = []
    try:
        folder = storage.new_folder()
        names: dict[str, str] = {}
        variants: list[dict[str, Any]] = []
        total = 0
        for rendition in processed.renditions:
            name = f"{folder}/{rendition.name}.{rendition.extension}"
            if rendition.path:
                saved = storage.save_path(name, rendition.path)
            else:
                saved = storage.save_bytes(name, rendition.data or b"")
            stored.append(saved)
            total += rendition.size
            names[rendition.name] = saved
            if rendition.name.startswith("w") and rendition.name[1:].isdigit():
                variants.append(
                    {"width": int(rendition.name[1:]), "name": saved, "bytes": rendition.size}
                )
        if "file" not in names:
            raise ValidationFailed(_("This file could not be read."), code="upload_refused")
        variants.sort(key=lambda item: item["width"])
        with transaction.atomic():
            _lock_quota(actor, total)
            upload = Upload.objects.create(
                owner=actor,
                kind=processed.kind,
                mime_type=processed.mime_type,
                original_name=processed.original_name[:200],
                sha256=sha256,
                file=names["file"],
                variants=variants,
                poster=names.get("poster", ""),
                stored_bytes=total,
                width=processed.width,
                height=processed.height,
                duration_seconds=processed.duration_seconds,
                alt_text=alt_text,
                is_decorative=bool(is_decorative),
                is_processed=not processed.needs_video_task,
            )
            if processed.needs_video_task:
                upload_id = upload.pk
                transaction.on_commit(lambda: _enqueue_video(upload_id), robust=True)
    except BaseException:
        _discard_written(stored)
        raise
    finally:
        processed.cleanup()
    return upload


def _enqueue_video(upload_id: int) -> None:
    from carecircle.uploads.tasks import process_video_task

    process_video_task.enqueue(upload_id)


def _bump_post_topic(upload: Upload) -> None:
    """A described image changes the rendered topic page: its cached copies must go."""
    if upload.post_id is None:
        return
    from carecircle.discussions.models import Post, Topic

    topic_id = Post.objects.filter(pk=upload.post_id).values_list("topic_id", flat=True).first()
    if topic_id is not None:
        Topic.objects.filter(pk=topic_id).update(content_version=F("content_version") + 1)


def set_upload_description(
    *, actor: Any, upload: Upload, alt_text: str, is_decorative: bool
) -> Upload:
    """The owner changes an upload's description or "decorative" mark (attached or not)."""
    check_can_change_upload(actor, upload)
    alt_text = clean_alt_text(alt_text)
    if (
        upload.kind == Upload.Kind.IMAGE
        and upload.is_attached
        and not alt_text
        and not is_decorative
    ):
        raise ValidationFailed(
            _(
                "Please describe this picture for people who cannot see it, or tick "
                "“It is only decorative”."
            ),
            code="alt_text_required",
            field="alt_text",
        )
    with transaction.atomic():
        upload.alt_text = alt_text
        upload.is_decorative = bool(is_decorative)
        upload.save(update_fields=["alt_text", "is_decorative"])
        _bump_post_topic(upload)
    return upload


def attach_captions(*, actor: Any, upload: Upload, file: UploadedFile, language: str) -> Upload:
    """The owner adds (or replaces) a video's WebVTT captions in one language."""
    from carecircle.uploads.processing.captions import clean_captions

    check_can_change_upload(actor, upload)
    if upload.kind != Upload.Kind.VIDEO:
        raise ValidationFailed(
            _("Captions can only be added to a video."), code="not_a_video", field="captions"
        )
    language = (language or "").strip()
    if not _LANGUAGE.match(language):
        raise ValidationFailed(
            _("Choose the language of the captions, for example “en” or “pt-BR”."),
            code="invalid_language",
            field="language",
        )
    _check_rate(actor)
    if int(file.size or 0) > CAPTIONS_MAX_BYTES:
        error = too_large(CAPTIONS_MAX_BYTES)
        error.field = "captions"
        raise error
    file.seek(0)
    try:
        data = clean_captions(file.read(CAPTIONS_MAX_BYTES + 1))
    except ValidationFailed as error:
        error.field = "captions"
        raise
    folder = os.path.dirname(upload.file)
    saved = storage.save_bytes(f"{folder}/captions-{secrets.token_hex(4)}.vtt", data)
    try:
        with transaction.atomic():
            locked = Upload.objects.select_for_update().get(pk=upload.pk)
            old_name = locked.captions
            old_size = storage.size_of(old_name) if old_name else 0
            _lock_quota(actor, len(data) - old_size)
            locked.captions = saved
            locked.captions_language = language
            locked.stored_bytes = max(0, locked.stored_bytes - old_size) + len(data)
            locked.save(update_fields=["captions", "captions_language", "stored_bytes"])
            _bump_post_topic(locked)
            if old_name:
                forget_files([old_name])
    except BaseException:
        _discard_written([saved])
        raise
    return locked


def _delete_rows(rows: Sequence[Upload]) -> int:
    """Delete upload rows now and their files once the deletion commits."""
    if not rows:
        return 0
    names = [name for upload in rows for name in stored_names(upload)]
    Upload.objects.filter(pk__in=[upload.pk for upload in rows]).delete()
    forget_files(names)
    return len(rows)


def forget_files(names: Sequence[str]) -> None:
    """Inside the transaction that lets go of `names`: record them, delete them after commit.

    The record commits (or rolls back) with the change that made the files useless, so a
    file is neither deleted while its row survives nor forgotten when the storage fails.
    """
    names = [name for name in names if name]
    if not names:
        return
    with transaction.atomic():
        pending = PendingFileDeletion.objects.bulk_create(
            [PendingFileDeletion(name=name) for name in names]
        )
        ids = [row.pk for row in pending]
        transaction.on_commit(lambda: delete_pending_files(ids), robust=True)


def delete_pending_files(ids: Sequence[int] | None = None, *, batch: int = 500) -> int:
    """Delete the recorded files (`ids`, or the oldest `batch` of all); returns how many went.

    Those the storage still refuses stay recorded, with one more attempt counted.
    """
    # Those refused most often last, so they never hold back the others.
    rows = PendingFileDeletion.objects.order_by("attempts", "pk")
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    pending = list(rows.values_list("pk", "name")[:batch])
    if not pending:
        return 0
    failed = set(storage.delete_names([name for _pk, name in pending]))
    PendingFileDeletion.objects.filter(
        pk__in=[pk for pk, name in pending if name not in failed]
    ).delete()
    if failed:
        PendingFileDeletion.objects.filter(
            pk__in=[pk for pk, name in pending if name in failed]
        ).update(attempts=F("attempts") + 1)
    return len(pending) - sum(1 for _pk, name in pending if name in failed)


def _discard_written(names: Sequence[str]) -> None:
    """Remove files just written for an upload that was not saved; any the storage refuses to
    delete are recorded for the cleanup job (best effort: the database may be the failure)."""
    failed = storage.delete_names(names)
    if not failed:
        return
    try:
        with transaction.atomic():
            PendingFileDeletion.objects.bulk_create(
                [PendingFileDeletion(name=name, attempts=1) for name in failed]
            )
    except Exception:
        logger.exception("could not record upload files to delete: %s", failed)


def delete_upload(*, actor: Any, upload: Upload) -> None:
    """The owner deletes a waiting upload (an attached one is let go by editing its post)."""
    check_can_delete_upload(actor, upload)
    with transaction.atomic():
        locked = list(Upload.objects.select_for_update().filter(pk=upload.pk))
        if locked and locked[0].is_attached:
            # Attached in another tab since the page was shown.
            check_can_delete_upload(actor, locked[0])
        _delete_rows(locked)


def delete_uploads_of(*, member: Any) -> int:
    """Erasure: every upload of the member, rows now and files after commit.

    Called by the privacy app's erasure (which checked who may erase) inside its transaction;
    attached files go too, since the rows would cascade with the account anyway.
    """
    with transaction.atomic():
        return _delete_rows(list(Upload.objects.filter(owner_id=member.pk)))


def unattached_hours() -> int:
    return int(getattr(settings, "CARECIRCLE_UPLOAD_UNATTACHED_HOURS", DEFAULT_UNATTACHED_HOURS))


def delete_expired_uploads(*, now: Any = None, batch: int = 500) -> int:
    """Delete uploads attached to nothing for longer than the setting; returns how many.

    The waiting time counts from `attached_at` when set (for an upload let go by an edit, it is
    when it was let go) and from `created_at` for one never attached. A file an open message
    report keeps waits until the report is closed.
    """
    cutoff = (now or timezone.now()) - timedelta(hours=unattached_hours())
    deleted = 0
    while True:
        with transaction.atomic():
            rows = list(
                Upload.objects.select_for_update()
                .filter(post__isnull=True, message__isnull=True, resource__isnull=True)
                .annotate(waiting_since=Coalesce("attached_at", "created_at"))
                .filter(waiting_since__lt=cutoff)
                # Kept for the reviewers of an open report of the message it was sent with.
                .exclude(held_by_reports__status="open")
                .order_by("pk")[:batch]
            )
            count = _delete_rows(rows)
        deleted += count
        if count < batch:
            return deleted


@contextmanager
def _local_copy(name: str) -> Iterator[str]:
    """A path to the stored file: the file itself on a local disk, else a temporary copy."""
    store = storage.upload_storage()
    try:
        local: str | None = store.path(name)
    except NotImplementedError:
        local = None
    if local is not None:
        yield local
        return
    with tempfile.TemporaryDirectory(prefix="carecircle-video-") as folder:
        path = os.path.join(folder, "video" + os.path.splitext(name)[1])
        with open(path, "wb") as handle, store.open(name, "rb") as source:
            for chunk in source.chunks(_CHUNK):
                handle.write(chunk)
        yield path


def unfinished_video_ids(*, older_than: timedelta = timedelta(minutes=15)) -> list[int]:
    """Videos still waiting for their poster well after upload (a lost or busy task), oldest
    first, at most 100: the hourly cleanup hands them to the video task again."""
    cutoff = timezone.now() - older_than
    return list(
        Upload.objects.filter(kind=Upload.Kind.VIDEO, is_processed=False, created_at__lt=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:100]
    )


def complete_video(*, upload_id: int) -> bool:
    """Make a video's poster and read its duration (the task's work); idempotent.

    Without ffmpeg the video is simply marked processed: it plays without a poster.
    """
    from carecircle.uploads.processing import process_video_extras

    upload = Upload.objects.filter(pk=upload_id, kind=Upload.Kind.VIDEO).first()
    if upload is None or upload.is_processed:
        return False
    with _local_copy(upload.file) as path:
        poster, duration = process_video_extras(path)
    saved = ""
    if poster:
        saved = storage.save_bytes(f"{os.path.dirname(upload.file)}/poster.webp", poster)
    with transaction.atomic():
        locked = Upload.objects.select_for_update().filter(pk=upload_id, is_processed=False).first()
        if locked is None:
            # Deleted, or finished by another worker meanwhile: this poster is not needed.
            forget_files([saved])
            return False
        updates: dict[str, Any] = {"is_processed": True}
        if saved:
            updates["poster"] = saved
            updates["stored_bytes"] = F("stored_bytes") + len(poster or b"")
        if duration is not None:
            updates["duration_seconds"] = duration
        Upload.objects.filter(pk=upload_id).update(**updates)
        _bump_post_topic(locked)
    return True
