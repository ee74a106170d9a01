"""The hostile-file corpus through every upload path (page endpoint and API), then served.

No file answers 500; each refused one leaves no row and no stored file; each stored one is
served only as a picture, video or PDF download, with nosniff, without its planted tail or
script, and a picture with no metadata (so no GPS).
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from carecircle.accounts.actions import create_api_token
from carecircle.accounts.models import User
from carecircle.uploads.models import Upload
from carecircle.uploads.tests.conftest import stored_files
from carecircle.uploads.tests.corpus import REFUSED, STORED, CorpusFile, build_corpus

pytestmark = pytest.mark.django_db

SERVED_TYPES = {
    "image/webp": "inline",
    "video/mp4": "inline",
    "video/webm": "inline",
    "video/quicktime": "attachment",
    "application/pdf": "attachment",
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[CorpusFile]:
    items = build_corpus(tmp_path_factory.mktemp("corpus"))
    has_ffmpeg = shutil.which("ffmpeg") is not None
    return [item for item in items if has_ffmpeg or not item.needs_ffmpeg]


def _served_urls(body: dict[str, Any]) -> list[str]:
    urls = [body["url"], *(variant["url"] for variant in body["variants"])]
    return urls + ([body["poster_url"]] if body["poster_url"] else [])


def _check_served(client: Client, item: CorpusFile, body: dict[str, Any]) -> None:
    for url in _served_urls(body):
        response = client.get(url)
        data = b"".join(response.streaming_content)  # type: ignore[attr-defined]
        content_type = response["Content-Type"]
        assert response.status_code == 200, (item.case, url)
        assert content_type in SERVED_TYPES, (item.case, url, content_type)
        assert response["Content-Disposition"].startswith(SERVED_TYPES[content_type])
        assert response["X-Content-Type-Options"] == "nosniff"
        assert not [bad for bad in item.forbidden if bad in data], (item.case, url)
        if content_type == "image/webp":
            with Image.open(io.BytesIO(data)) as image:
                assert dict(image.getexif()) == {}, (item.case, url)
                assert not {"exif", "xmp"} & set(image.info), (item.case, url)


def test_corpus_through_every_upload_path(
    settings: Any,
    patient: User,
    corpus: list[CorpusFile],
    upload_root: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.CARECIRCLE_UPLOAD_RATE = "1000/h"
    page = Client()
    page.force_login(patient)
    _token, secret = create_api_token(actor=patient, name="Phone")
    api_headers = {"Authorization": f"Bearer {secret}"}
    kept = 0
    for item in corpus:
        for path, url, headers in (
            ("page", "/uploads/", {}),
            ("api", "/api/v1/uploads", api_headers),
        ):
            upload = SimpleUploadedFile(item.declared_name, item.data)
            with django_capture_on_commit_callbacks(execute=True):
                response = page.post(url, {"file": upload}, headers=headers)
            where = (item.case, path)
            if item.expect == REFUSED:
                assert response.status_code in (400, 413), where
                assert response.json()["field"] == "file", where
            else:
                assert item.expect == STORED
                assert response.status_code == 201, (where, response.content[:300])
                body = response.json()
                assert body["kind"] == item.kind, where
                kept += 1
                _check_served(page, item, body)
            assert Upload.objects.count() == kept, where
    assert kept > 0
    assert len({name.rsplit("/", 1)[0] for name in stored_files(upload_root)}) == kept
