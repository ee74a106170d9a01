"""Background work of uploads: removing files nobody uses, and finishing videos.

Tasks take ids and are idempotent; each runs the same way twice.
"""

from __future__ import annotations

from django.tasks import task


@task()
def cleanup_uploads_task() -> int:
    """Delete uploads attached to nothing for longer than CARECIRCLE_UPLOAD_UNATTACHED_HOURS
    (every hour), then retry deleting stored files whose rows are gone but which the storage
    refused before, and finish videos whose poster task was lost or refused as busy; returns
    how many uploads went."""
    from carecircle.uploads.actions import (
        delete_expired_uploads,
        delete_pending_files,
        unfinished_video_ids,
    )

    deleted = delete_expired_uploads()
    # Batches until a pass deletes nothing more (all gone, or the storage still refuses).
    while delete_pending_files():
        pass
    for upload_id in unfinished_video_ids():
        process_video_task.enqueue(upload_id)
    return deleted


@task()
def process_video_task(upload_id: int) -> bool:
    """Make a video's poster and read its duration with ffmpeg; nothing to do twice."""
    from carecircle.uploads.actions import complete_video

    return complete_video(upload_id=upload_id)
