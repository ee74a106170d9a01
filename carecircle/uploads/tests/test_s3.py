"""Scale mode: uploads in S3-compatible storage (django-storages), against moto's server.

moto runs as a real HTTP server on 127.0.0.1, so the S3 client, its signing and its streaming
are exercised as with a real service; nothing leaves the machine.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from carecircle.accounts.models import User
from carecircle.uploads import actions
from carecircle.uploads.models import Upload
from carecircle.uploads.tests.conftest import PDF_BYTES, jpeg_bytes

pytestmark = pytest.mark.django_db

BUCKET = "carecircle-uploads"
KEYS = {"access_key": "testing", "secret_key": "testing"}  # noqa: S105 - local fake service


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3(settings: Any, s3_endpoint: str, upload_root: Any) -> Any:
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id=KEYS["access_key"],
        aws_secret_access_key=KEYS["secret_key"],
    )
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "uploads": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "region_name": "us-east-1",
                **KEYS,
                # As config/settings.py: no ACL (new AWS buckets refuse them), encrypted.
                "default_acl": None,
                "querystring_auth": True,
                "file_overwrite": False,
                "object_parameters": {"ServerSideEncryption": "AES256"},
            },
        },
    }
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def _keys(client: Any) -> list[str]:
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def test_round_trip(
    s3: Any, patient: User, patient_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    photo = actions.create_upload(
        actor=patient, file=SimpleUploadedFile("a.jpg", jpeg_bytes((700, 500))), alt_text="A"
    )
    pdf = actions.create_upload(actor=patient, file=SimpleUploadedFile("b.pdf", PDF_BYTES))
    folder = photo.file.rsplit("/", 1)[0]
    assert _keys(s3) == sorted(
        [f"{folder}/file.webp", f"{folder}/w320.webp", f"{folder}/w640.webp", pdf.file]
    )
    # Private objects: no public-read grant on them.
    grants = s3.get_object_acl(Bucket=BUCKET, Key=pdf.file)["Grants"]
    assert [g["Grantee"].get("URI") for g in grants if g["Grantee"].get("URI")] == []
    assert s3.head_object(Bucket=BUCKET, Key=pdf.file)["ServerSideEncryption"] == "AES256"
    served = patient_client.get(reverse("upload_file", args=[pdf.pk, "file"]))
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == PDF_BYTES
    ranged = patient_client.get(
        reverse("upload_file", args=[pdf.pk, "file"]), headers={"Range": "bytes=0-4"}
    )
    assert b"".join(ranged.streaming_content) == b"%PDF-"
    with django_capture_on_commit_callbacks(execute=True):
        actions.delete_upload(actor=patient, upload=pdf)
        actions.delete_upload(actor=patient, upload=photo)
    assert (Upload.objects.count(), _keys(s3)) == (0, [])


def test_unreachable_bucket_answers_503_and_leaves_nothing(
    s3: Any, settings: Any, patient: User, patient_client: Any
) -> None:
    uploads = settings.STORAGES["uploads"]
    settings.STORAGES = {
        **settings.STORAGES,
        "uploads": {**uploads, "OPTIONS": {**uploads["OPTIONS"], "bucket_name": "nowhere"}},
    }
    response = patient_client.post(
        reverse("upload_create"), {"file": SimpleUploadedFile("b.pdf", PDF_BYTES)}
    )
    assert (response.status_code, response["Retry-After"], response.json()["code"]) == (
        503,
        "60",
        "storage_unavailable",
    )
    assert (Upload.objects.count(), _keys(s3)) == (0, [])
