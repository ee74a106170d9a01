"""Request size before Django reads a body, storage outages, durable file deletion, owners'
access to their own files, several ranges, and API tokens fetching files."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse

from carecircle.accounts.actions import create_api_token
from carecircle.accounts.models import User
from carecircle.communities.models import Membership
from carecircle.core.errors import ValidationFailed
from carecircle.discussions.models import Post
from carecircle.messaging.models import Participant
from carecircle.privacy.actions import erase_member
from carecircle.resources.models import Resource
from carecircle.uploads import actions, attachments
from carecircle.uploads.models import PendingFileDeletion, Upload
from carecircle.uploads.tasks import cleanup_uploads_task
from carecircle.uploads.tests.conftest import PDF_BYTES, jpeg_bytes, make_upload, stored_files
from carecircle.uploads.tests.test_serving import World, world  # noqa: F401
from config.asgi import RequestSizeLimit, application

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


# --- The request size limit, before Django -------------------------------------------------


def _call(app: Any, scope: dict, chunks: Any) -> tuple[list[dict], int]:
    """Run an ASGI app on one request; returns what it sent and how many chunks it read."""
    sent: list[dict] = []
    read = 0

    async def receive() -> dict:
        nonlocal read
        read += 1
        body, more = next(chunks)
        return {"type": "http.request", "body": body, "more_body": more}

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent, read


def _scope(path: str, headers: list[tuple[bytes, bytes]] | None = None) -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *(headers or [])],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }


def _endless(size: int) -> Any:
    while True:
        yield b"x" * size, True


@pytest.fixture
def small_limits(settings: Any) -> None:
    settings.CARECIRCLE_UPLOAD_IMAGE_MAX_BYTES = 1 * MB
    settings.CARECIRCLE_UPLOAD_VIDEO_MAX_BYTES = 2 * MB
    settings.CARECIRCLE_UPLOAD_DOCUMENT_MAX_BYTES = 1 * MB
    settings.CARECIRCLE_UPLOAD_FORM_MAX_BYTES = 5 * MB


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/uploads/", "text/html; charset=utf-8"),
        ("/api/v1/uploads", "application/json"),
        ("/c/public/new/", "text/html; charset=utf-8"),
    ],
)
def test_declared_length_over_the_limit_is_refused_unread(
    small_limits: None, path: str, content_type: str
) -> None:
    headers = [(b"content-length", b"10000000000"), (b"content-type", b"multipart/form-data")]
    sent, read = _call(application, _scope(path, headers), _endless(64 * 1024))
    start = sent[0]
    assert (start["status"], dict(start["headers"])[b"content-type"].decode(), read) == (
        413,
        content_type,
        0,
    )
    assert dict(start["headers"])[b"connection"] == b"close"


@pytest.mark.parametrize(("path", "limit"), [("/api/v1/uploads", 3 * MB), ("/c/x/new/", 5 * MB)])
def test_chunked_body_is_counted_and_reading_stops(
    small_limits: None, path: str, limit: int
) -> None:
    # No Content-Length (chunked): the real application reads until the limit, then stops.
    chunk = 256 * 1024
    sent, read = _call(application, _scope(path), _endless(chunk))
    assert [m["status"] for m in sent if m["type"] == "http.response.start"] == [413]
    assert read == limit // chunk + 1
    assert sent[-1]["body"].startswith(b"{" if path.startswith("/api/") else b"<!doctype")


def test_body_within_the_limit_reaches_the_application() -> None:
    received: list[bytes] = []

    async def inner(scope: dict, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            received.append(message["body"])
            if not message["more_body"]:
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    chunks = iter([(b"a" * 600, True), (b"b" * 400, False)])
    sent, read = _call(RequestSizeLimit(inner, limit_for=lambda path: 1000), _scope("/x"), chunks)
    assert (sent[0]["status"], received, read) == (200, [b"a" * 600, b"b" * 400], 2)


@pytest.mark.parametrize("kind", ["websocket", "lifespan"])
def test_websockets_and_lifespan_pass_through_untouched(kind: str) -> None:
    calls: list[tuple[Any, Any, Any]] = []

    async def inner(scope: dict, receive: Any, send: Any) -> None:
        calls.append((scope, receive, send))

    async def receive() -> dict:
        return {}

    async def send(message: dict) -> None:
        return None

    scope = {"type": kind, "path": "/ws/", "headers": [(b"content-length", b"999999999999")]}
    asyncio.run(RequestSizeLimit(inner, limit_for=lambda path: 1)(scope, receive, send))
    assert calls == [(scope, receive, send)]


# --- Storage outages and durable deletion ---------------------------------------------------


class FlakyStorage(FileSystemStorage):
    """A local folder that refuses to store copies named `fail_save_on`, or to delete."""

    fail_save_on = ""
    fail_delete = False

    def _save(self, name: str, content: Any) -> str:
        if self.fail_save_on and self.fail_save_on in name:
            raise OSError("storage unreachable")
        return super()._save(name, content)

    def delete(self, name: str) -> None:
        if FlakyStorage.fail_delete:
            raise OSError("storage unreachable")
        super().delete(name)


@pytest.fixture
def flaky(settings: Any, upload_root: Path) -> Any:
    settings.STORAGES = {
        **settings.STORAGES,
        "uploads": {
            "BACKEND": f"{__name__}.FlakyStorage",
            "OPTIONS": {"location": str(upload_root), "base_url": None},
        },
    }
    FlakyStorage.fail_save_on = ""
    FlakyStorage.fail_delete = False
    yield FlakyStorage
    FlakyStorage.fail_save_on = ""
    FlakyStorage.fail_delete = False


def test_storage_outage_answers_503_and_leaves_nothing(
    flaky: Any, patient: User, patient_client: Client, upload_root: Path
) -> None:
    # The main file is stored, then its 640-pixel copy fails: the first must go again.
    flaky.fail_save_on = "w640"
    photo = jpeg_bytes((900, 600))
    page = patient_client.post(
        reverse("upload_create"), {"file": SimpleUploadedFile("a.jpg", photo), "alt_text": "A"}
    )
    api = patient_client.post(
        "/api/v1/uploads", {"file": SimpleUploadedFile("a.jpg", photo), "alt_text": "A"}
    )
    for response in (page, api):
        assert (response.status_code, response["Retry-After"], response.json()["code"]) == (
            503,
            "60",
            "storage_unavailable",
        )
    assert (Upload.objects.count(), stored_files(upload_root)) == (0, [])
    assert PendingFileDeletion.objects.count() == 0


def test_files_refused_deletion_are_kept_and_retried_by_cleanup(
    flaky: Any,
    patient: User,
    caregiver: User,
    topic: Any,
    upload_root: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    attached = make_upload(patient, post=Post.objects.get(topic=topic, position=1))
    waiting = make_upload(patient)
    theirs = make_upload(caregiver)
    flaky.fail_delete = True
    with django_capture_on_commit_callbacks(execute=True):
        erase_member(actor=patient, member=patient, keep_posts=True)
    assert list(Upload.objects.values_list("pk", flat=True)) == [theirs.pk]
    assert sorted(PendingFileDeletion.objects.values_list("name", "attempts")) == sorted(
        [(attached.file, 1), (waiting.file, 1)]
    )
    assert stored_files(upload_root) == sorted([attached.file, waiting.file, theirs.file])
    cleanup_uploads_task.call()  # still refused: kept, one more attempt counted
    assert sorted(PendingFileDeletion.objects.values_list("attempts", flat=True)) == [2, 2]
    flaky.fail_delete = False
    cleanup_uploads_task.call()
    assert (PendingFileDeletion.objects.count(), stored_files(upload_root)) == (0, [theirs.file])


def test_a_rolled_back_deletion_keeps_row_and_file(
    patient: User, upload_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    upload = make_upload(patient)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        actions.delete_upload(actor=patient, upload=upload)
        raise RuntimeError("the caller's transaction fails")
    assert (Upload.objects.count(), PendingFileDeletion.objects.count()) == (1, 0)
    assert stored_files(upload_root) == [upload.file]


def test_settings_send_no_acl_and_can_ask_for_encryption() -> None:
    code = (
        "import django, os; from django.conf import settings; django.setup(); "
        "print(repr(settings.STORAGES['uploads']['OPTIONS']))"
    )
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "CARECIRCLE_STORAGE": "s3",
        "CARECIRCLE_DEBUG": "1",
        "CARECIRCLE_S3_BUCKET": "b",
        "CARECIRCLE_S3_SSE": "aws:kms",
        "CARECIRCLE_S3_SSE_KMS_KEY_ID": "key-1",
        "PATH": "/usr/bin:/bin",
    }
    out = subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
    options = eval(out)  # noqa: S307 - our own repr of a dict of strings
    assert (options["default_acl"], options["object_parameters"]) == (
        None,
        {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": "key-1"},
    )


# --- Who reads: owners, API tokens --------------------------------------------------------


def test_owner_keeps_own_files_after_leaving(world: World) -> None:  # noqa: F811
    owner = world.people["owner"]
    assert owner is not None
    client = Client()
    client.force_login(owner)
    Membership.objects.filter(user=owner, community__slug="members").delete()
    Participant.objects.filter(user=owner).update(state=Participant.State.LEFT)
    for target in ("members_only_post", "conversation"):
        url = reverse("upload_file", args=[world.uploads[target].pk, "file"])
        assert client.get(url).status_code == 200, target
    # Others who left still lose them.
    member = world.people["member"]
    Membership.objects.filter(user=member, community__slug="members").delete()
    other = Client()
    other.force_login(member)  # type: ignore[arg-type]
    url = reverse("upload_file", args=[world.uploads["members_only_post"].pk, "file"])
    assert other.get(url).status_code == 404


def test_api_token_fetches_files_it_may_read(world: World) -> None:  # noqa: F811
    member, outsider = world.people["member"], world.people["outsider"]
    _token, secret = create_api_token(actor=member, name="reader")  # type: ignore[arg-type]
    _other, outsider_secret = create_api_token(actor=outsider, name="r")  # type: ignore[arg-type]
    url = reverse("upload_file", args=[world.uploads["members_only_post"].pk, "file"])
    client = Client()
    served = client.get(url, headers={"Authorization": f"Bearer {secret}"})
    assert (served.status_code, b"".join(served.streaming_content)) == (  # type: ignore[attr-defined]
        200,
        b"RIFF....WEBPVP8 test-bytes",
    )
    assert "Authorization" in served["Vary"]
    assert (
        client.get(url, headers={"Authorization": f"Bearer {outsider_secret}"}).status_code == 404
    )
    # Never from the address, and a wrong token is refused even beside a valid session.
    assert client.get(f"{url}?token={secret}").status_code == 404
    assert client.get(f"{url}?access_token={secret}").status_code == 404
    client.force_login(member)  # type: ignore[arg-type]
    wrong = client.get(url, headers={"Authorization": "Bearer cc_wrong"})
    assert (wrong.status_code, wrong["WWW-Authenticate"]) == (401, "Bearer")
    assert client.get(url, headers={"Authorization": f"Basic {secret}"}).status_code == 401


# --- Ranges ---------------------------------------------------------------------------------


def test_several_ranges_get_the_whole_file_and_416_is_not_kept(
    patient: User, patient_client: Client
) -> None:
    video = make_upload(patient, kind=Upload.Kind.VIDEO, data=b"0123456789")
    url = reverse("upload_file", args=[video.pk, "file"])
    several = patient_client.get(url, headers={"Range": "bytes=0-1,4-5"})
    assert (several.status_code, b"".join(several.streaming_content)) == (  # type: ignore[attr-defined]
        200,
        b"0123456789",
    )
    past = patient_client.get(url, headers={"Range": "bytes=20-"})
    assert (past.status_code, past["Cache-Control"]) == (416, "no-store")


# --- Attaching to a library resource --------------------------------------------------------


def test_resource_attach_rechecks_under_lock(patient: User, community: Any) -> None:
    first = Resource.objects.create(
        community=community, kind=Resource.Kind.FILE, title="A", added_by=patient
    )
    second = Resource.objects.create(
        community=community, kind=Resource.Kind.FILE, title="B", added_by=patient
    )
    upload = make_upload(patient, kind=Upload.Kind.DOCUMENT, data=PDF_BYTES)
    choice = attachments.AttachmentChoice(upload_id=upload.pk)
    attachments.attach_to_resource(actor=patient, resource=first, choices=[choice])
    with pytest.raises(ValidationFailed) as refused:
        attachments.attach_to_resource(actor=patient, resource=second, choices=[choice])
    assert refused.value.code == "upload_not_available"
    upload.refresh_from_db()
    assert (upload.resource_id, second.files.count()) == (first.pk, 0)
