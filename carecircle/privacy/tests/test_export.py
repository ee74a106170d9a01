"""Data export: one request at a time, a private ZIP for its owner only, expiry."""

from __future__ import annotations

import json
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from carecircle.accounts.actions import create_api_token
from carecircle.accounts.models import ApiToken
from carecircle.core.errors import ConflictError, RateLimitedError
from carecircle.core.factories import make_topic
from carecircle.discussions.models import Draft
from carecircle.privacy import actions
from carecircle.privacy.models import DataExport
from carecircle.privacy.registry import exported_entries

pytestmark = pytest.mark.django_db(transaction=True)


def _zip_of(export: DataExport) -> zipfile.ZipFile:
    export.refresh_from_db()
    return zipfile.ZipFile(Path(settings.CARECIRCLE_EXPORT_ROOT) / export.file_name)


def test_export_builds_a_zip_with_one_json_per_kind_and_an_index(
    community, patient, caregiver, mail_dir
):
    topic = make_topic(community, patient, title="My first topic", body="Hello all")
    Draft.objects.create(user=patient, key="k", title="", body="half written")
    _token, secret = create_api_token(actor=patient, name="phone app")

    export = actions.request_data_export(actor=patient)

    export.refresh_from_db()
    assert export.status == DataExport.Status.READY
    assert export.expires_at - export.finished_at == timedelta(days=7)
    assert not str(Path(settings.CARECIRCLE_EXPORT_ROOT) / export.file_name).startswith(
        str(settings.MEDIA_ROOT)
    )
    archive = _zip_of(export)
    names = set(archive.namelist())
    assert {f"{e.name}.json" for e in exported_entries()} | {"index.html"} <= names
    posts = json.loads(archive.read("posts.json"))
    assert [(p["topic"], p["body"], p["community"]) for p in posts] == [
        ("My first topic", "Hello all", "Type 2 Diabetes")
    ]
    assert json.loads(archive.read("topics.json"))[0]["id"] == topic.pk
    [draft] = json.loads(archive.read("drafts.json"))
    assert (set(draft), draft["key"], draft["title"], draft["body"]) == (
        {"key", "title", "body", "updated_at"},
        "k",
        "",
        "half written",
    )
    assert json.loads(archive.read("email_addresses.json")) == [
        {"email": patient.email, "verified": True, "primary": True}
    ]
    assert json.loads(archive.read("sign_in_methods.json")) == []
    assert json.loads(archive.read("communities_created.json")) == []
    [earlier_export] = json.loads(archive.read("data_exports.json"))
    assert set(earlier_export) == {"requested_at", "status", "expires_at"}
    [token] = json.loads(archive.read("api_tokens.json"))
    assert token["name"] == "phone app" and token["starts_with"] == secret[:10]
    raw = b"".join(archive.read(n) for n in archive.namelist())
    assert ApiToken.objects.get().key_hash.encode() not in raw
    assert caregiver.email.encode() not in raw
    [account] = json.loads(archive.read("account.json"))
    assert account["email"] == patient.email
    assert b"Pat the patient" in archive.read("index.html")
    [mail] = list(mail_dir.iterdir())
    text = mail.read_text()
    assert text.splitlines()[0] == "Subject: Your CareCircle data export is ready"
    assert "http://127.0.0.1:8000/account/privacy/export/" in text
    assert "Hello all" not in text


def test_only_one_export_at_a_time_and_three_a_day(patient, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    actions.request_data_export(actor=patient)
    with pytest.raises(ConflictError):
        actions.request_data_export(actor=patient)
    assert DataExport.objects.count() == 1
    DataExport.objects.update(status=DataExport.Status.READY)
    actions.request_data_export(actor=patient)
    DataExport.objects.update(status=DataExport.Status.READY)
    actions.request_data_export(actor=patient)
    DataExport.objects.update(status=DataExport.Status.READY)
    with pytest.raises(RateLimitedError):
        actions.request_data_export(actor=patient)
    assert DataExport.objects.count() == 3


def test_building_twice_builds_once(patient):
    export = actions.request_data_export(actor=patient)
    export.refresh_from_db()
    name = export.file_name

    actions.build_data_export(export_id=export.pk)

    export.refresh_from_db()
    assert export.file_name == name
    assert len(list(Path(settings.CARECIRCLE_EXPORT_ROOT).rglob("*.zip"))) == 1


def test_only_the_owner_can_download(patient, caregiver):
    export = actions.request_data_export(actor=patient)
    owner, other = Client(), Client()
    owner.force_login(patient)
    other.force_login(caregiver)
    url = f"/account/privacy/export/{export.pk}/download/"

    assert other.get(url).status_code == 404
    assert Client().get(url).status_code == 302
    response = owner.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content)[:2] == b"PK"


def test_expired_exports_are_deleted_by_the_command(patient):
    export = actions.request_data_export(actor=patient)
    export.refresh_from_db()
    path = Path(settings.CARECIRCLE_EXPORT_ROOT) / export.file_name
    DataExport.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    call_command("delete_expired_exports")

    export.refresh_from_db()
    assert (export.status, export.file_name, path.exists()) == ("expired", "", False)
    client = Client()
    client.force_login(patient)
    assert client.get(f"/account/privacy/export/{export.pk}/download/").status_code == 404


def test_export_page_shows_status_and_the_button_works_without_javascript(patient):
    client = Client()
    client.force_login(patient)
    response = client.post("/account/privacy/export/")
    assert response.status_code == 302
    page = client.get("/account/privacy/export/").content.decode()
    assert "Ready to download" in page
    assert f"/account/privacy/export/{DataExport.objects.get().pk}/download/" in page
