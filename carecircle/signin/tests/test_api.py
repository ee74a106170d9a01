"""GET/DELETE /api/v1/me/sessions and POST /api/v1/me/sessions/revoke-others."""

from __future__ import annotations

import pytest
from django.test import Client

from carecircle.accounts.actions import create_api_token
from carecircle.core.factories import UserFactory
from carecircle.core.models import AuditEvent
from carecircle.signin.models import MemberSession
from carecircle.signin.tests.conftest import CHROME_WINDOWS, session_of, sign_in

pytestmark = pytest.mark.django_db


def test_listing_my_sessions(phone, laptop):
    response = phone.get("/api/v1/me/sessions")

    assert response.status_code == 200
    body = response.json()
    assert [(s["device"], s["is_current"]) for s in body] == [
        ("Chrome on Windows", False),
        ("Firefox on Android", True),
    ]
    phone_entry = body[1]
    assert phone_entry["id"] == session_of(phone).pk
    assert phone_entry["ip_network"] == "8.8.8.0/24"
    assert phone_entry["place"] == "United States"
    assert phone_entry["method"] == "password"
    assert set(phone_entry) == {
        "id", "device", "place", "ip_network", "method", "created_at", "last_seen_at",
        "is_current",
    }  # fmt: skip


def test_visitors_get_401(visitor_client):
    response = visitor_client.get("/api/v1/me/sessions")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_deleting_a_session(phone, laptop, patient):
    target = session_of(laptop)

    response = phone.delete(f"/api/v1/me/sessions/{target.pk}")

    assert response.status_code == 204
    assert not MemberSession.objects.filter(pk=target.pk).exists()
    assert laptop.get("/api/v1/me/sessions").status_code == 401
    assert AuditEvent.objects.filter(verb="session.revoke", subject=patient).count() == 1


def test_deleting_someone_elses_session_is_not_found(phone, password):
    other = sign_in(UserFactory(), password, user_agent=CHROME_WINDOWS, address="10.0.0.1")
    target = session_of(other)

    response = phone.delete(f"/api/v1/me/sessions/{target.pk}")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert MemberSession.objects.filter(pk=target.pk).exists()
    assert other.get("/api/v1/me/sessions").status_code == 200


def test_revoke_others_needs_the_csrf_token_with_a_session(patient, password):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(patient)
    sign_in(patient, password, user_agent=CHROME_WINDOWS, address="10.0.0.1")

    response = strict.post("/api/v1/me/sessions/revoke-others")

    assert response.status_code in {401, 403}
    assert MemberSession.objects.count() == 2


def test_revoke_others(phone, laptop):
    response = phone.post("/api/v1/me/sessions/revoke-others")

    assert response.status_code == 200
    assert response.json() == {"revoked": 1}
    assert list(MemberSession.objects.values_list("device", flat=True)) == ["Firefox on Android"]


def test_with_an_api_token_every_session_is_other(phone, laptop, patient):
    _token, secret = create_api_token(actor=patient, name="script")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    response = client.post("/api/v1/me/sessions/revoke-others")

    assert response.json() == {"revoked": 2}
    assert MemberSession.objects.count() == 0
