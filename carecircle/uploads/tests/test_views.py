"""The upload endpoint, served files' headers, "My uploads" and its delete button."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from carecircle.accounts.models import User
from carecircle.discussions.models import Post
from carecircle.uploads.models import Upload
from carecircle.uploads.tests.conftest import PDF_BYTES, jpeg_bytes, make_upload, stored_files
from conftest import client_for

pytestmark = pytest.mark.django_db

# Session, member, the page count, the page, space used, and the policies-accepted check.
QUERIES_MY_UPLOADS = 6
SAFE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
}


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def test_upload_endpoint_answers_json(patient_client: Client, upload_root: Path) -> None:
    response = patient_client.post(
        reverse("upload_create"),
        {"file": SimpleUploadedFile("meter.jpg", jpeg_bytes((800, 600)), "image/jpeg")},
    )
    assert response.status_code == 201
    upload = Upload.objects.get()
    data = response.json()
    assert {key: data[key] for key in ("id", "kind", "name", "needs_alt", "size")} == {
        "id": upload.pk,
        "kind": "image",
        "name": upload.original_name,
        "needs_alt": True,
        "size": upload.stored_bytes,
    }
    assert data["url"] == f"/uploads/{upload.pk}/file"
    assert data["thumbnail_url"] == f"/uploads/{upload.pk}/w320"


def test_upload_endpoint_errors(patient_client: Client, upload_root: Path) -> None:
    url = reverse("upload_create")
    refused = patient_client.post(
        url, {"file": SimpleUploadedFile("x.jpg", b"<html><script></script></html>")}
    )
    assert refused.status_code == 400
    assert refused.json()["field"] == "file"
    missing = patient_client.post(url, {})
    assert (missing.status_code, missing.json()["code"]) == (400, "required")
    visitor = Client().post(url, {"file": SimpleUploadedFile("a.pdf", PDF_BYTES)})
    assert visitor.status_code == 401
    assert (Upload.objects.count(), stored_files(upload_root)) == (0, [])


def test_upload_endpoint_refuses_oversized_request_from_its_length(
    settings: Any, patient_client: Client, upload_root: Path
) -> None:
    settings.CARECIRCLE_UPLOAD_IMAGE_MAX_BYTES = 10
    settings.CARECIRCLE_UPLOAD_VIDEO_MAX_BYTES = 10
    settings.CARECIRCLE_UPLOAD_DOCUMENT_MAX_BYTES = 10
    big = SimpleUploadedFile("big.pdf", PDF_BYTES + b"0" * (70 * 1024))
    response = patient_client.post(reverse("upload_create"), {"file": big})
    assert (response.status_code, response.json()["code"]) == (413, "too_large")
    assert Upload.objects.count() == 0


def test_served_headers_by_kind(patient: User, patient_client: Client) -> None:
    image = make_upload(patient, original_name="Beach day.jpg")
    pdf = make_upload(patient, kind=Upload.Kind.DOCUMENT, data=PDF_BYTES, original_name="Ré.pdf")
    picture = patient_client.get(reverse("upload_file", args=[image.pk, "file"]))
    assert picture["Content-Type"] == "image/webp"
    assert picture["Content-Disposition"] == (
        "inline; filename=\"Beach_day.webp\"; filename*=UTF-8''Beach%20day.webp"
    )
    document = patient_client.get(reverse("upload_file", args=[pdf.pk, "file"]))
    assert document["Content-Type"] == "application/pdf"
    assert document["Content-Disposition"] == (
        "attachment; filename=\"R_.pdf\"; filename*=UTF-8''R%C3%A9.pdf"
    )
    assert _body(document) == PDF_BYTES
    for response in (picture, document):
        for header, value in SAFE_HEADERS.items():
            assert response[header] == value
        assert response["Cache-Control"] == "private, max-age=300"
        assert response["ETag"].startswith('"')


def test_captions_are_served_inline_as_text(patient: User, patient_client: Client) -> None:
    video = make_upload(patient, kind=Upload.Kind.VIDEO, data=b"0123456789")
    posted = patient_client.post(
        reverse("upload_captions", args=[video.pk]),
        {
            "captions": SimpleUploadedFile("en.vtt", b"WEBVTT\n\n00:00.000 --> 00:01.000\nHi\n"),
            "language": "en",
        },
    )
    assert posted.status_code == 302
    served = patient_client.get(reverse("upload_file", args=[video.pk, "captions"]))
    assert served.status_code == 200
    assert served["Content-Type"] == "text/vtt; charset=utf-8"
    assert served["Content-Disposition"].startswith("inline;")
    assert _body(served).startswith(b"WEBVTT")
    page = patient_client.get(reverse("my_uploads")).content.decode()
    assert "Captions (en): replace them" in page
    assert f'<label for="captions-{video.pk}">' in page


def test_ranges_etag_and_variants(patient: User, patient_client: Client) -> None:
    video = make_upload(patient, kind=Upload.Kind.VIDEO, data=b"0123456789")
    url = reverse("upload_file", args=[video.pk, "file"])
    whole = patient_client.get(url)
    assert (whole["Content-Type"], whole["Accept-Ranges"], whole["Content-Length"]) == (
        "video/mp4",
        "bytes",
        "10",
    )
    part = patient_client.get(url, headers={"Range": "bytes=2-5"})
    assert (part.status_code, part["Content-Range"], _body(part)) == (206, "bytes 2-5/10", b"2345")
    tail = patient_client.get(url, headers={"Range": "bytes=-3"})
    assert _body(tail) == b"789"
    past = patient_client.get(url, headers={"Range": "bytes=20-"})
    assert (past.status_code, past["Content-Range"]) == (416, "bytes */10")
    again = patient_client.get(url, headers={"If-None-Match": whole["ETag"]})
    assert again.status_code == 304
    assert patient_client.get(reverse("upload_file", args=[video.pk, "w640"])).status_code == 404
    assert patient_client.get(reverse("upload_file", args=[video.pk, "poster"])).status_code == 404
    assert patient_client.head(url).status_code == 200


def test_my_uploads_lists_and_deletes(
    patient: User, caregiver: User, topic: Any, upload_root: Path
) -> None:
    waiting = make_upload(patient, original_name="waiting.jpg")
    attached = make_upload(
        patient, original_name="kept.jpg", post=Post.objects.get(topic=topic, position=1)
    )
    theirs = make_upload(caregiver, original_name="theirs.jpg")
    client = client_for(patient)
    page = client.get(reverse("my_uploads"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "waiting.jpg" in html and "kept.jpg" in html and "theirs.jpg" not in html
    assert reverse("upload_delete", args=[waiting.pk]) in html
    assert reverse("upload_delete", args=[attached.pk]) not in html
    assert client.post(reverse("upload_delete", args=[theirs.pk])).status_code == 404
    refused = client.post(reverse("upload_delete", args=[attached.pk]))
    assert refused.status_code == 302
    assert Upload.objects.count() == 3
    client.post(reverse("upload_delete", args=[waiting.pk]))
    assert set(Upload.objects.values_list("pk", flat=True)) == {attached.pk, theirs.pk}
    assert Client().get(reverse("my_uploads")).status_code == 302


def test_the_upload_folder_is_never_served_directly() -> None:
    import config.settings as configured

    root = Path(configured.CARECIRCLE_UPLOAD_ROOT).resolve()
    for served in (Path(configured.MEDIA_ROOT).resolve(), Path(configured.STATIC_ROOT).resolve()):
        assert served not in root.parents and served != root
    assert configured.STORAGES["uploads"]["OPTIONS"]["base_url"] is None


def test_my_uploads_query_count_is_pinned(
    patient: User, topic: Any, django_assert_num_queries: Any
) -> None:
    post = Post.objects.get(topic=topic, position=1)
    for number in range(6):
        make_upload(patient, post=post if number % 2 else None)
    client = client_for(patient)
    client.get(reverse("my_uploads"))  # the session and membership lookups settle first
    with django_assert_num_queries(QUERIES_MY_UPLOADS):
        assert client.get(reverse("my_uploads")).status_code == 200
