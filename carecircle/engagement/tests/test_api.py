"""The engagement JSON API: onboarding state, member badges, community welcome messages."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from carecircle.accounts.actions import create_api_token
from carecircle.accounts.models import Profile
from carecircle.communities.models import Membership
from carecircle.core.factories import UserFactory, make_member
from carecircle.engagement import actions
from carecircle.engagement.models import BadgeAward, CommunityWelcome, OnboardingState
from carecircle.engagement.tests.helpers import db_state
from conftest import client_for

pytestmark = pytest.mark.django_db


def post_json(client: Client, url: str, data: dict, method: str = "post"):
    return getattr(client, method)(url, json.dumps(data), content_type="application/json")


@pytest.fixture
def newcomer():
    member = UserFactory(display_name="Nia Newcomer", handle="newcomer")
    actions.start_onboarding(actor=member)
    return member


# --- onboarding -----------------------------------------------------------------------------


def test_onboarding_state_needs_a_member(visitor_client):
    assert visitor_client.get("/api/v1/me/onboarding").status_code == 401
    before = db_state()
    assert post_json(
        visitor_client, "/api/v1/me/onboarding", {"status": "skipped"}
    ).status_code in (
        401,
        403,
    )
    assert db_state() == before


def test_onboarding_state_of_a_new_member(newcomer):
    body = client_for(newcomer).get("/api/v1/me/onboarding").json()
    assert {k: body[k] for k in ("step", "steps", "is_open", "completed_at", "skipped_at")} == {
        "step": "roles",
        "steps": ["roles", "communities", "privacy", "notifications", "introduction"],
        "is_open": True,
        "completed_at": None,
        "skipped_at": None,
    }


def test_an_older_member_has_nothing_open(patient):
    body = client_for(patient).get("/api/v1/me/onboarding").json()
    assert (body["is_open"], body["started_at"]) == (False, None)


def test_posting_a_step_done_then_skipping(newcomer):
    client = client_for(newcomer)
    body = post_json(client, "/api/v1/me/onboarding", {"step_done": "roles"}).json()
    assert (body["step"], body["is_open"]) == ("communities", True)

    body = post_json(client, "/api/v1/me/onboarding", {"status": "skipped"}).json()
    assert body["is_open"] is False
    assert body["skipped_at"] is not None
    assert OnboardingState.objects.get().skipped_at is not None


def test_completing_through_a_token(newcomer):
    _token, secret = create_api_token(actor=newcomer, name="phone")
    response = Client().post(
        "/api/v1/me/onboarding",
        json.dumps({"status": "completed"}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 200
    assert OnboardingState.objects.get().completed_at is not None


def test_an_unknown_step_is_a_400_and_changes_nothing(newcomer):
    client = client_for(newcomer)
    before = db_state()
    response = post_json(client, "/api/v1/me/onboarding", {"step_done": "pay"})
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("invalid", "step")
    assert db_state() == before


def test_a_bad_status_is_refused(newcomer):
    client = client_for(newcomer)
    before = db_state()
    response = post_json(client, "/api/v1/me/onboarding", {"status": "deleted"})
    assert response.status_code in (400, 422)
    assert db_state() == before


# --- badges ---------------------------------------------------------------------------------


def test_badges_of_a_member(patient, caregiver):
    award = BadgeAward.objects.create(user=patient, badge="first_topic")
    BadgeAward.objects.create(user=patient, badge="retired_badge")
    body = client_for(caregiver).get("/api/v1/members/patient/badges").json()
    assert body["handle"] == "patient"
    assert body["is_shown"] is True
    assert [(b["key"], b["name"]) for b in body["badges"]] == [("first_topic", "First topic")]
    assert body["badges"][0]["awarded_at"].startswith(award.awarded_at.strftime("%Y-%m-%dT%H:%M"))


def test_badges_of_a_hidden_profile_are_not_shown(patient, caregiver):
    BadgeAward.objects.create(user=patient, badge="first_topic")
    Profile.objects.create(user=patient, is_hidden=True)
    body = client_for(caregiver).get("/api/v1/members/patient/badges").json()
    assert body == {"handle": "patient", "is_shown": False, "badges": []}
    own = client_for(patient).get("/api/v1/members/patient/badges").json()
    assert [b["key"] for b in own["badges"]] == ["first_topic"]


def test_badges_of_an_unknown_member_are_404(caregiver):
    assert client_for(caregiver).get("/api/v1/members/nobody/badges").status_code == 404


# --- welcome messages -----------------------------------------------------------------------


@pytest.fixture
def community_manager(community):
    manager = UserFactory(display_name="Community Manager", handle="cmanager")
    make_member(community, manager, Membership.Role.MANAGER)
    return manager


def test_a_manager_reads_and_writes_the_welcome_message(community, community_manager):
    client = client_for(community_manager)
    body = client.get("/api/v1/communities/type-2-diabetes/welcome-message").json()
    assert (body["body"], body["is_enabled"], body["updated_at"]) == ("", True, None)
    assert "Welcome to Type 2 Diabetes!" in body["body_html"]

    response = post_json(
        client,
        "/api/v1/communities/type-2-diabetes/welcome-message",
        {"body": "Hello **all**", "is_enabled": False},
        method="put",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["community"], body["body"], body["body_html"], body["is_enabled"]) == (
        "type-2-diabetes",
        "Hello **all**",
        "<p>Hello <strong>all</strong></p>\n",
        False,
    )
    welcome = CommunityWelcome.objects.get()
    assert (welcome.body, welcome.is_enabled) == ("Hello **all**", False)


@pytest.mark.parametrize("persona", ["patient", "moderator", "outsider"])
def test_non_managers_get_403_and_nothing_changes(request, community, persona):
    client = client_for(request.getfixturevalue(persona))
    before = db_state()
    assert client.get("/api/v1/communities/type-2-diabetes/welcome-message").status_code == 403
    response = post_json(
        client,
        "/api/v1/communities/type-2-diabetes/welcome-message",
        {"body": "Defaced", "is_enabled": True},
        method="put",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "not_manager"
    assert db_state() == before


def test_a_hidden_community_is_404_to_outsiders(hidden_community, outsider):
    response = client_for(outsider).get("/api/v1/communities/secret-circle/welcome-message")
    assert response.status_code == 404


def test_an_over_long_message_is_a_400_and_changes_nothing(community, community_manager):
    client = client_for(community_manager)
    before = db_state()
    response = post_json(
        client,
        "/api/v1/communities/type-2-diabetes/welcome-message",
        {"body": "z" * 5001},
        method="put",
    )
    assert response.status_code == 400
    assert response.json()["field"] == "body"
    assert db_state() == before
