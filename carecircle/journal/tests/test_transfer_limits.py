"""An import too big for the limit is refused from its Content-Length, before its body is read."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from carecircle.journal import csvformat
from carecircle.journal.actions import imports
from carecircle.journal.models import JournalEntry
from carecircle.journal.views import transfer
from conftest import client_for

pytestmark = pytest.mark.django_db

PAGE = "/journal/import/"
API = "/api/v1/journal/import"


def good_csv() -> bytes:
    cells = {"type": "symptom", "recorded_at": "2026-03-01", "name": "Cough", "severity": "2"}
    line = ",".join(cells.get(column, "") for column in csvformat.COLUMNS)
    return f"{','.join(csvformat.COLUMNS)}\n{line}\n".encode()


@pytest.fixture
def small_limit(monkeypatch):
    monkeypatch.setattr(imports, "MAX_IMPORT_BYTES", 1000)
    monkeypatch.setattr(transfer, "UPLOAD_OVERHEAD", 1000)
    monkeypatch.setattr(imports, "IMPORT_RATE", "1/h")


@pytest.mark.parametrize("url", [PAGE, API])
def test_an_oversized_upload_is_refused_before_the_import_runs(patient, small_limit, url):
    client = client_for(patient)
    big = good_csv() + b"#" * 3000

    refused = client.post(url, {"file": SimpleUploadedFile("j.csv", big, "text/csv")})

    assert refused.status_code == 413
    message = "This file is too big: the most is 1000\xa0bytes."
    if url == API:
        body = refused.json()
        assert (body["code"], body["field"], body["message"]) == ("too_big", "file", message)
    else:
        assert message in refused.content.decode()
        assert 'aria-invalid="true"' in refused.content.decode()
    assert JournalEntry.objects.count() == 0
    # The import never ran: the member's one import an hour is still there.
    accepted = client.post(url, {"file": SimpleUploadedFile("j.csv", good_csv(), "text/csv")})
    assert accepted.status_code == 200
    assert JournalEntry.objects.count() == 1


@pytest.mark.parametrize("url", [PAGE, API])
def test_the_declared_length_is_enough_to_refuse(patient, small_limit, url):
    # A small body that claims to be large: refused on the claim, the body is never parsed
    # (parsing would try to read bytes that are not there).
    body = encode_multipart(BOUNDARY, {"file": SimpleUploadedFile("j.csv", good_csv())})

    refused = client_for(patient).generic(
        "POST", url, body, content_type=MULTIPART_CONTENT, CONTENT_LENGTH="10000000"
    )

    assert refused.status_code == 413
    assert JournalEntry.objects.count() == 0


def test_the_import_page_still_needs_its_csrf_token(patient):
    client = Client(enforce_csrf_checks=True)
    client.force_login(patient)

    refused = client.post(PAGE, {"file": SimpleUploadedFile("j.csv", good_csv(), "text/csv")})

    assert refused.status_code == 403
    assert JournalEntry.objects.count() == 0
