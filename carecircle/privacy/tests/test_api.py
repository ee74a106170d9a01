"""The privacy API: consents, exports and DELETE /api/v1/me."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from carecircle.accounts.actions import create_api_token
from carecircle.accounts.models import User
from carecircle.core.factories import PASSWORD
from carecircle.privacy.models import ConsentRecord, DataExport, PolicyDocument

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def api(patient) -> Client:
    _token, secret = create_api_token(actor=patient, name="test")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def test_consents_list_accept_and_withdraw(api, patient):
    research = PolicyDocument.objects.get(kind="research_contact")
    response = api.get("/api/v1/me/consents")
    assert response.status_code == 200
    body = response.json()
    assert body["records"] == []
    assert [(d["kind"], d["is_accepted"]) for d in body["current_documents"]] == [
        ("privacy", False),
        ("terms", False),
        ("research_contact", False),
    ]

    accepted = api.post(f"/api/v1/me/consents/{research.pk}/accept")
    assert accepted.status_code == 200 and accepted.json()["withdrawn_at"] is None
    withdrawn = api.post(f"/api/v1/me/consents/{research.pk}/withdraw")
    assert withdrawn.status_code == 200 and withdrawn.json()["withdrawn_at"] is not None

    terms = PolicyDocument.objects.get(kind="terms")
    api.post(f"/api/v1/me/consents/{terms.pk}/accept")
    refused = api.post(f"/api/v1/me/consents/{terms.pk}/withdraw")
    assert refused.status_code == 400 and refused.json()["code"] == "required_document"
    assert ConsentRecord.objects.get(document=terms).withdrawn_at is None


def test_visitors_get_401():
    assert Client().get("/api/v1/me/consents").status_code == 401


def test_export_request_and_conflict(api, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    first = api.post("/api/v1/me/data-exports")
    assert first.status_code == 202 and first.json()["status"] == "pending"
    second = api.post("/api/v1/me/data-exports")
    assert second.status_code == 409
    assert DataExport.objects.count() == 1


def test_delete_me_needs_the_password(api, patient):
    wrong = api.delete(
        "/api/v1/me",
        data=json.dumps({"password": "nope", "keep_posts": True}),
        content_type="application/json",
    )
    assert wrong.status_code == 400 and wrong.json()["field"] == "password"
    assert User.objects.filter(pk=patient.pk).exists()

    right = api.delete(
        "/api/v1/me",
        data=json.dumps({"password": PASSWORD, "keep_posts": False}),
        content_type="application/json",
    )
    assert right.status_code == 204
    assert not User.objects.filter(pk=patient.pk).exists()
    assert api.get("/api/v1/me/consents").status_code == 401
