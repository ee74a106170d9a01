"""A site-wide ban stops signing in and personal API tokens; a community ban does not."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from carecircle.accounts.actions import create_api_token
from carecircle.core.factories import PASSWORD, CommunityFactory, UserFactory
from carecircle.moderation.models import Sanction
from carecircle.moderation.tests.factories import make_sanction


def _sign_in(member) -> tuple[Client, int]:
    client = Client()
    response = client.post("/accounts/login/", {"login": member.email, "password": PASSWORD})
    return client, response.status_code


def test_a_banned_member_is_refused_at_sign_in_and_told_why(db):
    member = UserFactory()
    make_sanction(member, Sanction.Kind.BAN, reason="Selling fake cures")
    client, status = _sign_in(member)
    assert status == 403
    assert "_auth_user_id" not in client.session


def test_the_refusal_page_says_how_to_appeal(db):
    member = UserFactory()
    make_sanction(member, Sanction.Kind.BAN)
    client = Client()
    response = client.post("/accounts/login/", {"login": member.email, "password": PASSWORD})
    page = response.content.decode()
    assert "This account cannot sign in" in page
    assert "appealed" in page


def test_a_community_ban_or_an_ended_or_lifted_site_ban_lets_the_member_sign_in(db):
    community = CommunityFactory()
    banned_here = UserFactory()
    make_sanction(banned_here, Sanction.Kind.BAN, community=community)
    ended = UserFactory()
    make_sanction(
        ended,
        Sanction.Kind.BAN,
        starts_at=timezone.now() - timedelta(days=10),
        ends_at=timezone.now() - timedelta(days=1),
    )
    lifted = UserFactory()
    make_sanction(lifted, Sanction.Kind.BAN, lifted_at=timezone.now())
    for member in (banned_here, ended, lifted):
        client, status = _sign_in(member)
        assert status == 302, member
        assert client.session["_auth_user_id"] == str(member.pk)


def test_a_banned_members_api_token_stops_working(db):
    member = UserFactory()
    _token, secret = create_api_token(actor=member, name="phone")
    client = Client()
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/me/moderation-notices", headers=headers).status_code == 200
    make_sanction(member, Sanction.Kind.BAN)
    response = client.get("/api/v1/me/moderation-notices", headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
