"""A NUL character anywhere a member's text arrives is refused with a 400, never a 500.

PostgreSQL cannot store NUL in text, so these run on both databases to prove nothing reaches
a query; uploaded files, which legitimately hold NUL bytes, still go through.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from carecircle.core import middleware
from carecircle.core.models import AuditEvent
from carecircle.discussions.models import Topic
from carecircle.uploads.models import Upload
from conftest import client_for

MESSAGE = (
    "What was sent contains an invisible “null” character, which CareCircle cannot store. "
    "Nothing was saved. This usually comes from text pasted from another program: type "
    "or paste it again as plain text, then try once more."
)
REFUSED_JSON = {"code": "invalid_characters", "message": MESSAGE}
NEW_TOPIC = "/c/type-2-diabetes/new-topic/"
API_NEW_TOPIC = "/api/v1/communities/type-2-diabetes/topics"


def assert_refused_page(response: Any) -> None:
    assert response.status_code == 400
    assert response["Content-Type"] == "text/html; charset=utf-8"
    page = response.content.decode()
    assert "<h1>Some text could not be read</h1>" in page
    assert "contains an invisible “null” character, which CareCircle cannot store." in page


def png_bytes() -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(output, "PNG")
    return output.getvalue()


@pytest.fixture
def upload_root(settings: Any, tmp_path: Path) -> Path:
    settings.STORAGES = {
        **settings.STORAGES,
        "uploads": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path), "base_url": None},
        },
    }
    return tmp_path


def test_a_nul_in_the_query_of_a_page_or_the_api_is_a_400(patient):
    client = client_for(patient)
    events = AuditEvent.objects.count()

    assert client.get("/library/?q=ab").status_code == 200
    assert_refused_page(client.get("/library/?q=a%00b"))
    assert_refused_page(client.get("/library/?a%00=b"))
    assert_refused_page(client.get("/library/a%00b/"))
    api = client.get("/api/v1/resources?q=a%00b")
    assert (api.status_code, api.json()) == (400, REFUSED_JSON)
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("encoding", ["multipart", "urlencoded"])
def test_a_form_field_with_a_nul_creates_nothing(community, patient, encoding):
    fields = {"title": "Feet tingling\x00 at night", "body": "Is this neuropathy?"}
    client = client_for(patient)
    if encoding == "multipart":
        response = client.post(NEW_TOPIC, fields)
    else:
        response = client.post(
            NEW_TOPIC, urlencode(fields), content_type="application/x-www-form-urlencoded"
        )

    assert_refused_page(response)
    assert Topic.objects.count() == 0


def test_json_with_an_escaped_nul_creates_nothing(community, patient):
    client = client_for(patient)
    body = '{"title": "Night sweats\\u0000", "body": "Since Tuesday."}'

    response = client.post(API_NEW_TOPIC, body, content_type="application/json")

    assert (response.status_code, response.json()) == (400, REFUSED_JSON)
    # A raw 0x00 byte (not valid JSON, but never parsed near the database) is refused too.
    raw = client.post(
        API_NEW_TOPIC, body.replace("\\u0000", "\x00"), content_type="application/json"
    )
    assert (raw.status_code, raw.json()) == (400, REFUSED_JSON)
    assert Topic.objects.count() == 0


def test_an_escaped_backslash_before_u0000_is_ordinary_text(community, patient):
    body = '{"title": "Path C:\\\\u0000 here", "body": "Since Tuesday."}'

    response = client_for(patient).post(API_NEW_TOPIC, body, content_type="application/json")

    assert response.status_code == 201
    assert Topic.objects.get().title == "Path C:\\u0000 here"


def test_an_uploaded_file_with_nul_bytes_still_works(patient, upload_root):
    data = png_bytes()
    assert b"\x00" in data

    response = client_for(patient).post(
        "/uploads/", {"file": SimpleUploadedFile("chart.png", data, "image/png")}
    )

    assert response.status_code == 201
    assert (Upload.objects.get().kind, Upload.objects.get().mime_type) == ("image", "image/webp")


def test_a_large_upload_is_checked_when_its_fields_are_read(monkeypatch, patient, upload_root):
    # Every multipart body counts as "large": its fields are checked only when the view reads
    # them, after the view's own size check; the upload script asks for JSON.
    monkeypatch.setattr(middleware, "MULTIPART_READ_AHEAD_BYTES", 0)
    client = client_for(patient)
    file = SimpleUploadedFile("chart.png", png_bytes(), "image/png")

    refused = client.post(
        "/uploads/", {"file": file, "alt_text": "A chart\x00"}, HTTP_ACCEPT="application/json"
    )

    assert (refused.status_code, refused.json()) == (400, REFUSED_JSON)
    assert (Upload.objects.count(), sorted(upload_root.rglob("*.*"))) == (0, [])
    file.seek(0)
    accepted = client.post("/uploads/", {"file": file, "alt_text": "A chart"})
    assert (accepted.status_code, Upload.objects.get().alt_text) == (201, "A chart")
