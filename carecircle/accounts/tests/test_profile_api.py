"""/api/v1/me/profile, /api/v1/conditions and /api/v1/members/autocomplete."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from carecircle.accounts.models import Profile
from carecircle.core import ratelimit
from carecircle.core.factories import UserFactory
from conftest import client_for

pytestmark = pytest.mark.django_db

DEFAULTS = {
    "avatar": "everyone",
    "bio": "members",
    "pronouns": "members",
    "role": "members",
    "interests": "members",
    "location": "members",
    "joined": "members",
    "conditions": "private",
    "treatments": "private",
    "story": "private",
}


def put(client, body):
    return client.put("/api/v1/me/profile", json.dumps(body), content_type="application/json")


def test_own_profile_starts_empty_with_private_health_fields(patient, patient_client):
    data = patient_client.get("/api/v1/me/profile").json()

    assert data["visibility"] == DEFAULTS
    assert data["roles"] == ["patient"]
    assert (data["conditions"], data["treatments"], data["story"]) == ([], [], "")
    assert data["avatar"]["url"] is None
    assert data["avatar"]["initials"] == "PT"
    assert (data["is_hidden"], data["is_presence_hidden"]) == (False, False)


def test_put_replaces_the_profile(patient, patient_client):
    response = put(
        patient_client,
        {
            "bio": "Hi",
            "conditions": ["asthma"],
            "country": "de",
            "visibility": {"conditions": "shared"},
            "is_presence_hidden": True,
        },
    )

    data = response.json()
    assert response.status_code == 200
    assert data["bio"] == "Hi"
    assert data["conditions"] == ["Asthma"]
    assert data["country"] == "DE"
    assert data["visibility"] == {**DEFAULTS, "conditions": "shared"}
    assert data["is_presence_hidden"] is True
    assert Profile.objects.get(user=patient).conditions == ["Asthma"]


def test_put_with_a_bad_level_is_400_and_changes_nothing(patient, patient_client):
    put(patient_client, {"bio": "Before"})

    response = put(patient_client, {"bio": "After", "visibility": {"story": "world"}})

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "message": "Please choose who can see this from the list.",
        "field": "visibility_story",
    }
    assert Profile.objects.get(user=patient).bio == "Before"


def test_own_profile_needs_a_member(visitor_client, db):
    assert visitor_client.get("/api/v1/me/profile").status_code == 401
    assert put(visitor_client, {"bio": "x"}).status_code == 401
    assert Profile.objects.count() == 0


def test_conditions_search_finds_names_and_lay_synonyms(visitor_client, db):
    by_name = visitor_client.get("/api/v1/conditions", {"q": "asthm"}).json()
    by_synonym = visitor_client.get("/api/v1/conditions", {"q": "sugar"}).json()

    assert by_name == [{"name": "Asthma"}]
    assert by_synonym == [{"name": "Type 1 diabetes"}, {"name": "Type 2 diabetes"}]
    assert len(visitor_client.get("/api/v1/conditions").json()) == 20


@pytest.fixture
def people(db):
    return {
        "anna": UserFactory(handle="anna", display_name="Anna Open"),
        "annabel": UserFactory(handle="annabel", display_name="Annabel Hidden"),
        "annex": UserFactory(handle="annex", display_name="Annex Gone", is_active=False),
        "bob": UserFactory(handle="bob", display_name="Annie Bob"),
    }


def test_autocomplete_finds_by_handle_and_name_but_not_hidden_or_inactive(people, outsider):
    Profile.objects.create(user=people["annabel"], is_hidden=True)
    client = client_for(outsider)

    found = client.get("/api/v1/members/autocomplete", {"q": "ann"}).json()
    exact = client.get("/api/v1/members/autocomplete", {"q": "@annabel"}).json()

    assert [m["handle"] for m in found] == ["anna", "bob"]
    assert found[0] == {
        "handle": "anna",
        "display_name": "Anna Open",
        "avatar": {"url": None, "initials": "AO", "colour": found[0]["avatar"]["colour"]},
    }
    assert [m["handle"] for m in exact] == ["annabel"]


def test_autocomplete_needs_two_characters_and_a_member(people, outsider, visitor_client):
    assert client_for(outsider).get("/api/v1/members/autocomplete", {"q": "a"}).json() == []
    assert visitor_client.get("/api/v1/members/autocomplete", {"q": "ann"}).status_code == 401


def test_autocomplete_is_rate_limited(people, outsider, monkeypatch):
    # One fixed minute: 121 requests must not straddle two rate windows on a slow database.
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: 1_800_000_000.0))
    client = client_for(outsider)
    for _attempt in range(120):
        assert client.get("/api/v1/members/autocomplete", {"q": "an"}).status_code == 200

    response = client.get("/api/v1/members/autocomplete", {"q": "an"})

    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"


def test_avatar_visibility_applies_to_autocomplete(people, outsider):
    Profile.objects.create(
        user=people["anna"], avatar="avatars/abc.webp", visibility={"avatar": "shared"}
    )
    found = client_for(outsider).get("/api/v1/members/autocomplete", {"q": "anna"}).json()
    assert found[0]["avatar"]["url"] is None
    mine = client_for(people["anna"]).get("/api/v1/members/autocomplete", {"q": "anna"}).json()
    assert mine[0]["avatar"]["url"] == "/members/anna/avatar?v=abc"


def test_upload_and_remove_a_picture_through_the_api(patient, patient_client, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from carecircle.accounts.tests.test_profile_actions import jpeg_with_gps

    settings.MEDIA_ROOT = tmp_path
    picture = SimpleUploadedFile("me.jpg", jpeg_with_gps(), content_type="image/jpeg")
    response = patient_client.post("/api/v1/me/profile/avatar", {"picture": picture})
    assert response.status_code == 200
    url = response.json()["avatar"]["url"]
    assert url.startswith("/members/patient/avatar?v=")
    stored = Profile.objects.get(user=patient).avatar
    assert (tmp_path / stored).read_bytes()[8:12] == b"WEBP"
    assert b"CanaryCameraMaker" not in (tmp_path / stored).read_bytes()

    not_a_picture = SimpleUploadedFile("me.jpg", b"<html>hi</html>", content_type="image/jpeg")
    refused = patient_client.post("/api/v1/me/profile/avatar", {"picture": not_a_picture})
    assert refused.status_code == 400
    assert Profile.objects.get(user=patient).avatar == stored

    removed = patient_client.delete("/api/v1/me/profile/avatar")
    assert removed.status_code == 200 and removed.json()["avatar"]["url"] is None
    assert Profile.objects.get(user=patient).avatar == ""
