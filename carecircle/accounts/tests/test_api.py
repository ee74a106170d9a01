"""/api/v1/me and personal API tokens: `Authorization: Bearer cc_…`."""

from __future__ import annotations

import pytest
from django.test import Client

from carecircle.accounts.actions import create_api_token, revoke_api_token
from carecircle.accounts.models import ApiToken
from carecircle.core.factories import UserFactory
from conftest import client_for

pytestmark = pytest.mark.django_db

NOT_AUTHENTICATED = {
    "code": "not_authenticated",
    "message": "Please sign in or send a valid API token.",
}


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def me_of(user, roles: list[str]) -> dict[str, object]:
    return {
        "handle": user.handle,
        "display_name": user.display_name,
        "email": user.email,
        "roles": roles,
        "time_zone": user.time_zone,
        "date_joined": user.date_joined.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }


def test_me_for_a_visitor_is_401_json(visitor_client):
    response = visitor_client.get("/api/v1/me")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json() == NOT_AUTHENTICATED


def test_me_with_the_site_session(patient):
    response = client_for(patient).get("/api/v1/me")
    assert response.status_code == 200
    assert response.json() == me_of(patient, ["patient"])


def test_me_lists_every_role():
    user = UserFactory(
        is_caregiver=True, is_professional=True, is_site_moderator=True, is_site_manager=True
    )
    assert client_for(user).get("/api/v1/me").json()["roles"] == [
        "caregiver",
        "professional",
        "moderator",
        "manager",
    ]


def test_me_with_a_bearer_token(professional):
    _token, secret = create_api_token(actor=professional, name="clinic app")

    response = Client().get("/api/v1/me", **bearer(secret))

    assert response.status_code == 200
    assert response.json() == me_of(professional, ["professional"])
    assert ApiToken.objects.get().last_used_at is not None


def test_a_revoked_token_is_401(patient):
    token, secret = create_api_token(actor=patient, name="app")
    client = Client()
    assert client.get("/api/v1/me", **bearer(secret)).status_code == 200

    revoke_api_token(actor=patient, token_id=token.pk)

    response = client.get("/api/v1/me", **bearer(secret))
    assert response.status_code == 401
    assert response.json() == NOT_AUTHENTICATED


def test_a_token_of_a_deactivated_member_is_401(patient):
    _token, secret = create_api_token(actor=patient, name="app")
    patient.is_active = False
    patient.save()
    assert Client().get("/api/v1/me", **bearer(secret)).status_code == 401


@pytest.mark.parametrize(
    "header",
    ["Bearer cc_wrong", "Bearer ", "Bearer", "bearer cc_wrong", "Bearer cc_wrong extra"],
)
@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/communities"])
def test_a_wrong_bearer_token_is_401_never_a_visitor(header, path, patient):
    response = Client().get(path, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json() == NOT_AUTHENTICATED


def test_a_wrong_bearer_token_is_401_even_with_a_valid_session(patient):
    response = client_for(patient).get("/api/v1/communities", **bearer("cc_wrong"))
    assert response.status_code == 401


def test_a_token_acts_as_its_owner_not_the_session(patient, caregiver):
    _token, secret = create_api_token(actor=caregiver, name="app")
    response = client_for(patient).get("/api/v1/me", **bearer(secret))
    assert response.json()["handle"] == "caregiver"


def test_a_secret_stolen_from_the_database_is_useless(patient):
    token, _secret = create_api_token(actor=patient, name="app")
    stored = ApiToken.objects.get(pk=token.pk)
    for guess in (stored.key_hash, stored.prefix, f"cc_{stored.key_hash}"):
        assert Client().get("/api/v1/me", **bearer(guess)).status_code == 401
