"""Cleanup of unused uploads, video posters, and uploads in export and erasure."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from carecircle.accounts.models import User
from carecircle.core.schedule import REGISTRY
from carecircle.discussions.models import Post
from carecircle.privacy.actions import erase_member
from carecircle.privacy.registry import REGISTRY as EXPORTS
from carecircle.uploads.models import Upload
from carecircle.uploads.tasks import cleanup_uploads_task
from carecircle.uploads.tests.conftest import make_upload, stored_files

pytestmark = pytest.mark.django_db


def _age(upload: Upload, hours: float, *, detached: bool = False) -> None:
    moment = timezone.now() - timedelta(hours=hours)
    if detached:
        Upload.objects.filter(pk=upload.pk).update(attached_at=moment)
    else:
        Upload.objects.filter(pk=upload.pk).update(created_at=moment)


def test_cleanup_removes_rows_and_files_waiting_too_long(
    patient: User, topic: Any, upload_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    post = Post.objects.get(topic=topic, position=1)
    old = make_upload(patient)
    _age(old, 25)
    fresh = make_upload(patient)
    _age(fresh, 23)
    attached_old = make_upload(patient, post=post)
    _age(attached_old, 100)
    # Let go by an edit an hour ago, though uploaded long before: it waits from the edit.
    let_go_recently = make_upload(patient)
    _age(let_go_recently, 100)
    _age(let_go_recently, 1, detached=True)
    let_go_long_ago = make_upload(patient)
    _age(let_go_long_ago, 100)
    _age(let_go_long_ago, 30, detached=True)
    with django_capture_on_commit_callbacks(execute=True):
        deleted = cleanup_uploads_task.call()
    assert deleted == 2
    kept = [fresh, attached_old, let_go_recently]
    assert set(Upload.objects.values_list("pk", flat=True)) == {u.pk for u in kept}
    assert stored_files(upload_root) == sorted(u.file for u in kept)
    assert cleanup_uploads_task.call() == 0


def test_cleanup_is_scheduled_hourly() -> None:
    job = REGISTRY["uploads.cleanup"]
    assert (job.every, job.resolve()) == (timedelta(hours=1), cleanup_uploads_task)


def test_export_lists_uploads_by_name(patient: User, topic: Any) -> None:
    post = Post.objects.get(topic=topic, position=1)
    make_upload(patient, original_name="meter.jpg", alt_text="My meter", post=post)
    rows = EXPORTS["uploads.upload"].rows(patient)
    assert [(r["name"], r["description"], r["attached_to"]) for r in rows] == [
        ("meter.jpg", "My meter", {"kind": "post", "id": post.pk})
    ]


def test_erasure_removes_files(
    patient: User,
    caregiver: User,
    topic: Any,
    upload_root: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    make_upload(patient, post=Post.objects.get(topic=topic, position=1))
    make_upload(patient)
    theirs = make_upload(caregiver)
    with django_capture_on_commit_callbacks(execute=True):
        erase_member(actor=patient, member=patient, keep_posts=True)
    assert list(Upload.objects.values_list("pk", flat=True)) == [theirs.pk]
    assert stored_files(upload_root) == [theirs.file]
