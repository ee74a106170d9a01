"""Storing uploads: processed files in storage, nothing left behind on any refusal."""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from carecircle.accounts.models import User
from carecircle.core.errors import (
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ValidationFailed,
)
from carecircle.moderation.models import Sanction
from carecircle.uploads import actions, storage
from carecircle.uploads.models import Upload
from carecircle.uploads.tests.conftest import PDF_BYTES, jpeg_bytes, make_upload, stored_files

pytestmark = pytest.mark.django_db


def _file(name: str, data: bytes, content_type: str = "application/octet-stream") -> Any:
    return SimpleUploadedFile(name, data, content_type)


def test_photo_is_stored_as_webp_copies_without_gps(patient: User, upload_root: Path) -> None:
    upload = actions.create_upload(
        actor=patient,
        file=_file("holiday.jpg", jpeg_bytes((1600, 1200), gps=True), "image/jpeg"),
        alt_text="  Me at the beach ",
    )
    upload.refresh_from_db()
    folder = upload.file.rsplit("/", 1)[0]
    assert (upload.kind, upload.mime_type, upload.width, upload.height) == (
        "image",
        "image/webp",
        1600,
        1200,
    )
    assert upload.alt_text == "Me at the beach"
    assert [v["width"] for v in upload.variants] == [320, 640, 1280]
    assert stored_files(upload_root) == sorted(
        f"{folder}/{name}.webp" for name in ("file", "w320", "w640", "w1280")
    )
    assert upload.stored_bytes == sum(p.stat().st_size for p in upload_root.rglob("*.webp"))
    with storage.open_file(upload.file) as handle:
        stored = Image.open(io.BytesIO(handle.read()))
    assert stored.format == "WEBP"
    assert 0x8825 not in stored.getexif()
    assert not upload.post_id and upload.is_processed


def test_pdf_is_stored_as_it_came(patient: User, upload_root: Path) -> None:
    upload = actions.create_upload(actor=patient, file=_file("leaflet.pdf", PDF_BYTES))
    assert (upload.kind, upload.mime_type, upload.stored_bytes) == (
        "document",
        "application/pdf",
        len(PDF_BYTES),
    )
    with storage.open_file(upload.file) as handle:
        assert handle.read() == PDF_BYTES


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("page.jpg", b"<!DOCTYPE html><html><script>alert(1)</script></html>", None),
        ("logo.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', None),
        ("empty.jpg", b"", None),
    ],
)
def test_refused_files_leave_nothing(
    patient: User, upload_root: Path, name: str, data: bytes, code: str | None
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        actions.create_upload(actor=patient, file=_file(name, data))
    assert caught.value.field == "file"
    assert Upload.objects.count() == 0
    assert stored_files(upload_root) == []


def test_too_large_is_refused_before_processing(
    settings: Any, patient: User, upload_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.CARECIRCLE_UPLOAD_IMAGE_MAX_BYTES = 1000
    settings.CARECIRCLE_UPLOAD_VIDEO_MAX_BYTES = 1000
    settings.CARECIRCLE_UPLOAD_DOCUMENT_MAX_BYTES = 1000

    def never(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("processing must not run")

    monkeypatch.setattr("carecircle.uploads.processing.process_upload", never)
    with pytest.raises(ValidationFailed) as caught:
        actions.create_upload(actor=patient, file=_file("big.pdf", PDF_BYTES + b"x" * 2000))
    assert (caught.value.code, caught.value.status) == ("too_large", 413)
    assert Upload.objects.count() == 0


def test_quota_counts_every_stored_byte(settings: Any, patient: User, upload_root: Path) -> None:
    make_upload(patient, kind=Upload.Kind.DOCUMENT, data=b"x" * 900)
    settings.CARECIRCLE_UPLOAD_QUOTA_BYTES = 1000
    with pytest.raises(ValidationFailed) as caught:
        actions.create_upload(actor=patient, file=_file("leaflet.pdf", PDF_BYTES))
    assert (caught.value.code, caught.value.status) == ("quota_exceeded", 413)
    assert Upload.objects.count() == 1
    assert len(stored_files(upload_root)) == 1


def test_full_quota_is_refused_before_processing(
    settings: Any, patient: User, upload_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_upload(patient, kind=Upload.Kind.DOCUMENT, data=b"x" * 1000)
    settings.CARECIRCLE_UPLOAD_QUOTA_BYTES = 1000

    def never(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("processing must not run")

    monkeypatch.setattr("carecircle.uploads.processing.process_upload", never)
    with pytest.raises(ValidationFailed) as caught:
        actions.create_upload(actor=patient, file=_file("leaflet.pdf", PDF_BYTES))
    assert caught.value.code == "quota_exceeded"
    assert (Upload.objects.count(), len(stored_files(upload_root))) == (1, 1)


def test_rate_limit(settings: Any, patient: User, upload_root: Path) -> None:
    settings.CARECIRCLE_UPLOAD_RATE = "2/h"
    for _ in range(2):
        actions.create_upload(actor=patient, file=_file("a.pdf", PDF_BYTES))
    with pytest.raises(RateLimitedError):
        actions.create_upload(actor=patient, file=_file("a.pdf", PDF_BYTES))
    assert Upload.objects.count() == 2
    assert len(stored_files(upload_root)) == 2


def test_banned_member_cannot_upload(patient: User, upload_root: Path) -> None:
    Sanction.objects.create(member=patient, kind=Sanction.Kind.BAN)
    with pytest.raises(PermissionDeniedError) as caught:
        actions.create_upload(actor=patient, file=_file("a.pdf", PDF_BYTES))
    assert caught.value.code == "banned"
    assert (Upload.objects.count(), stored_files(upload_root)) == (0, [])


def test_failed_row_write_removes_stored_files(
    patient: User, upload_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(Upload.objects, "create", broken)
    with pytest.raises(RuntimeError):
        actions.create_upload(actor=patient, file=_file("a.jpg", jpeg_bytes()), alt_text="A")
    assert stored_files(upload_root) == []


def test_delete_only_waiting_own_uploads(
    patient: User,
    caregiver: User,
    topic: Any,
    upload_root: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from carecircle.discussions.models import Post

    waiting = make_upload(patient)
    attached = make_upload(patient, post=Post.objects.get(topic=topic, position=1))
    with pytest.raises(PermissionDeniedError) as caught:
        actions.delete_upload(actor=patient, upload=attached)
    assert caught.value.code == "upload_attached"
    with pytest.raises(NotFoundError):
        actions.delete_upload(actor=caregiver, upload=waiting)
    assert Upload.objects.count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        actions.delete_upload(actor=patient, upload=waiting)
    assert list(Upload.objects.values_list("pk", flat=True)) == [attached.pk]
    assert stored_files(upload_root) == [attached.file]


def test_description_and_decorative(patient: User, caregiver: User) -> None:
    upload = make_upload(patient)
    actions.set_upload_description(
        actor=patient, upload=upload, alt_text=" A cat ", is_decorative=False
    )
    assert Upload.objects.get(pk=upload.pk).alt_text == "A cat"
    with pytest.raises(NotFoundError):
        actions.set_upload_description(
            actor=caregiver, upload=upload, alt_text="Mine now", is_decorative=True
        )
    assert Upload.objects.get(pk=upload.pk).alt_text == "A cat"


VTT = b"WEBVTT\n\n00:00.000 --> 00:02.000\nHello <b>there</b>\n"


def test_captions_on_a_video(patient: User, upload_root: Path) -> None:
    video = make_upload(patient, kind=Upload.Kind.VIDEO, data=b"v" * 10)
    updated = actions.attach_captions(
        actor=patient, upload=video, file=_file("en.vtt", VTT), language="en"
    )
    assert updated.captions_language == "en"
    assert updated.captions.startswith(video.file.rsplit("/", 1)[0] + "/captions-")
    with storage.open_file(updated.captions) as handle:
        assert handle.read().startswith(b"WEBVTT")
    assert updated.stored_bytes == 10 + storage.size_of(updated.captions)
    with pytest.raises(ValidationFailed) as caught:
        actions.attach_captions(
            actor=patient, upload=video, file=_file("x.vtt", b"<script>1</script>"), language="en"
        )
    assert caught.value.field == "captions"
    assert Upload.objects.get(pk=video.pk).captions == updated.captions


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")
def test_video_poster_made_after_commit(
    settings: Any,
    patient: User,
    tmp_path: Path,
    upload_root: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    import subprocess

    settings.CARECIRCLE_FFMPEG = shutil.which("ffmpeg")
    path = tmp_path / "clip.mp4"
    subprocess.run(  # noqa: S603 - fixed program, test input
        [settings.CARECIRCLE_FFMPEG, "-v", "error", "-f", "lavfi", "-i",
         "testsrc=size=96x64:rate=10:duration=1", "-pix_fmt", "yuv420p", str(path)],
        check=True,
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        upload = actions.create_upload(actor=patient, file=_file("clip.mp4", path.read_bytes()))
        assert Upload.objects.get(pk=upload.pk).is_processed is False
    upload.refresh_from_db()
    # The tests' immediate task backend ran the poster task once the upload committed.
    assert (upload.kind, upload.is_processed) == ("video", True)
    assert upload.poster.endswith("/poster.webp")
    assert upload.duration_seconds == pytest.approx(1.0, abs=0.2)
    assert actions.complete_video(upload_id=upload.pk) is False


def test_video_without_ffmpeg_still_uploads(
    settings: Any, patient: User, tmp_path: Path, upload_root: Path
) -> None:
    import subprocess

    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        pytest.skip("ffmpeg is needed to make the test video")
    path = tmp_path / "clip.webm"
    subprocess.run(  # noqa: S603 - fixed program, test input
        [ffmpeg, "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x64:rate=5:duration=1",
         "-c:v", "libvpx", str(path)],
        check=True,
    )  # fmt: skip
    settings.CARECIRCLE_FFMPEG = str(tmp_path / "no-ffmpeg-here")
    upload = actions.create_upload(actor=patient, file=_file("clip.webm", path.read_bytes()))
    upload.refresh_from_db()
    assert (upload.kind, upload.is_processed, upload.poster) == ("video", True, "")


def test_hourly_cleanup_finishes_videos_whose_poster_task_was_lost(
    settings: Any, patient: User, upload_root: Path
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from carecircle.uploads.tasks import cleanup_uploads_task

    settings.CARECIRCLE_FFMPEG = "/nonexistent/ffmpeg"
    stale = make_upload(patient, kind=Upload.Kind.VIDEO, is_processed=False)
    fresh = make_upload(patient, kind=Upload.Kind.VIDEO, is_processed=False)
    Upload.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(hours=1))

    assert actions.unfinished_video_ids() == [stale.pk]
    cleanup_uploads_task.call()

    assert dict(Upload.objects.values_list("pk", "is_processed")) == {
        stale.pk: True,
        fresh.pk: False,
    }
