"""The uploads JSON API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from carecircle.accounts.actions import create_api_token
from carecircle.accounts.models import User
from carecircle.discussions.models import Post
from carecircle.uploads.models import Upload
from carecircle.uploads.tests.conftest import PDF_BYTES, jpeg_bytes, make_upload, stored_files

pytestmark = pytest.mark.django_db


def _auth(user: User) -> dict[str, str]:
    _token, secret = create_api_token(actor=user, name="Phone")
    return {"Authorization": f"Bearer {secret}"}


def test_upload_list_read_patch_delete(
    patient: User, upload_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    client, auth = Client(), _auth(patient)
    created = client.post(
        "/api/v1/uploads",
        {"file": SimpleUploadedFile("a.jpg", jpeg_bytes()), "alt_text": "A square"},
        headers=auth,
    )
    assert created.status_code == 201
    body = created.json()
    upload_id = body["id"]
    assert (body["kind"], body["alt_text"], body["needs_alt"]) == ("image", "A square", False)
    listed = client.get("/api/v1/uploads", headers=auth).json()
    assert ([item["id"] for item in listed["items"]], listed["total"]) == ([upload_id], 1)
    patched = client.patch(
        f"/api/v1/uploads/{upload_id}",
        {"is_decorative": True},
        content_type="application/json",
        headers=auth,
    )
    assert (patched.json()["alt_text"], patched.json()["is_decorative"]) == ("A square", True)
    assert client.get(f"/api/v1/uploads/{upload_id}", headers=auth).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        deleted = client.delete(f"/api/v1/uploads/{upload_id}", headers=auth)
    assert deleted.status_code == 204
    assert (Upload.objects.count(), stored_files(upload_root)) == (0, [])


def test_others_cannot_read_or_change(
    patient: User, caregiver: User, topic: Any, upload_root: Path
) -> None:
    waiting = make_upload(patient, alt_text="Mine")
    attached = make_upload(patient, post=Post.objects.get(topic=topic, position=1))
    client, theirs = Client(), _auth(caregiver)
    assert client.get(f"/api/v1/uploads/{waiting.pk}", headers=theirs).status_code == 404
    assert client.get(f"/api/v1/uploads/{attached.pk}", headers=theirs).status_code == 200
    assert client.get(f"/api/v1/uploads/{attached.pk}").status_code == 200
    changed = client.patch(
        f"/api/v1/uploads/{attached.pk}",
        {"alt_text": "Not yours"},
        content_type="application/json",
        headers=theirs,
    )
    assert (changed.status_code, changed.json()["code"]) == (403, "not_owner")
    assert client.delete(f"/api/v1/uploads/{waiting.pk}", headers=theirs).status_code == 404
    own = client.delete(f"/api/v1/uploads/{attached.pk}", headers=_auth(patient))
    assert (own.status_code, own.json()["code"]) == (403, "upload_attached")
    assert Upload.objects.count() == 2
    assert Upload.objects.get(pk=attached.pk).alt_text == ""
    assert len(stored_files(upload_root)) == 2


def test_refusals_and_captions(settings: Any, patient: User, upload_root: Path) -> None:
    client, auth = Client(), _auth(patient)
    refused = client.post(
        "/api/v1/uploads", {"file": SimpleUploadedFile("x.pdf", b"MZ\x90\x00binary")}, headers=auth
    )
    assert (refused.status_code, refused.json()["field"]) == (400, "file")
    settings.CARECIRCLE_UPLOAD_QUOTA_BYTES = 10
    full = client.post(
        "/api/v1/uploads", {"file": SimpleUploadedFile("a.pdf", PDF_BYTES)}, headers=auth
    )
    assert (full.status_code, full.json()["code"]) == (413, "quota_exceeded")
    assert Client().post("/api/v1/uploads", {}).status_code == 401
    settings.CARECIRCLE_UPLOAD_QUOTA_BYTES = 1000
    video = make_upload(patient, kind=Upload.Kind.VIDEO, data=b"0")
    captions = client.post(
        f"/api/v1/uploads/{video.pk}/captions",
        {"captions": SimpleUploadedFile("fr.vtt", b"WEBVTT\n\n00:00.000 --> 00:01.000\nSalut\n"),
         "language": "fr"},
        headers=auth,
    )  # fmt: skip
    assert captions.status_code == 200
    assert captions.json()["captions_url"] == f"/uploads/{video.pk}/captions"
    assert captions.json()["captions_language"] == "fr"
    assert Upload.objects.count() == 1
