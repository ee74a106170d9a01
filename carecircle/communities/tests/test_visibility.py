"""Members-only and hidden communities never leak to visitors or non-members, anywhere.

The matrix: (visitor, outsider, member, site moderator) x (public, members-only, hidden), checked
on every page and API answer that names communities or topics.
"""

from __future__ import annotations

import pytest
from django.test import Client

from carecircle.communities.models import Community
from conftest import client_for

pytestmark = pytest.mark.django_db

PERSONAS = ["visitor", "outsider", "member", "site_moderator"]
CAN_READ_PRIVATE = {"member", "site_moderator"}

# Distinctive counts, so "37 members" can only come from the members-only community.
PRIVATE_COUNTS = "37 members · 41 topics"
HIDDEN_COUNTS = "53 members · 59 topics"


@pytest.fixture
def world(community, private_community, hidden_community, topic, private_topic, hidden_topic):
    Community.objects.filter(pk=private_community.pk).update(
        member_count=37, topic_count=41, post_count=43
    )
    Community.objects.filter(pk=hidden_community.pk).update(
        member_count=53, topic_count=59, post_count=61
    )


@pytest.fixture(params=PERSONAS)
def persona(request, world) -> str:
    return request.param


@pytest.fixture
def client(persona, request) -> Client:
    if persona == "visitor":
        return Client()
    fixture = {"member": "patient"}.get(persona, persona)
    return client_for(request.getfixturevalue(fixture))


def page(client: Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_community_list_page(persona, client):
    html = page(client, "/communities/")
    reads = persona in CAN_READ_PRIVATE

    assert "Type 2 Diabetes" in html
    assert "Breast Cancer" in html  # members-only communities are listed by name
    assert ("Secret Circle" in html) is reads
    assert ("secret-circle" in html) is reads
    assert (PRIVATE_COUNTS in html) is reads
    assert (HIDDEN_COUNTS in html) is reads
    assert "Secret chemo diary" not in html
    assert "Whispered plans" not in html


def test_home_page_recent_conversations(persona, client):
    html = page(client, "/")
    reads = persona in CAN_READ_PRIVATE

    assert "Tired after metformin" in html
    assert ("Secret chemo diary" in html) is reads
    assert ("Whispered plans" in html) is reads
    assert ("Secret Circle" in html) is reads


def test_public_community_page(persona, client):
    html = page(client, "/c/type-2-diabetes/")
    assert "Tired after metformin" in html
    assert "Secret chemo diary" not in html
    assert "Whispered plans" not in html


def test_members_only_community_page(persona, client):
    html = page(client, "/c/breast-cancer/")
    reads = persona in CAN_READ_PRIVATE

    assert "<h1>Breast Cancer</h1>" in html
    assert ("Secret chemo diary" in html) is reads
    assert ("This community's conversations are visible to its members only." in html) is (
        not reads
    )
    assert ('href="/c/breast-cancer/members/"' in html) is reads


def test_hidden_community_page(persona, client):
    response = client.get("/c/secret-circle/")
    if persona in CAN_READ_PRIVATE:
        assert response.status_code == 200
        assert "Whispered plans" in response.content.decode()
    else:
        assert response.status_code == 404
        assert "Secret Circle" not in response.content.decode()
        assert "Whispered plans" not in response.content.decode()


@pytest.mark.parametrize(
    ("who", "suffix", "status"),
    [
        ("visitor", "guidelines/", 404),
        ("visitor", "members/", 404),
        # Pages that need an account send visitors to sign in first, whatever the slug.
        ("visitor", "join/", 302),
        ("visitor", "leave/", 302),
        ("visitor", "edit/", 302),
        ("outsider", "guidelines/", 404),
        ("outsider", "members/", 404),
        ("outsider", "join/", 404),
        ("outsider", "leave/", 404),
        ("outsider", "edit/", 404),
    ],
)
def test_no_page_of_a_hidden_community_admits_it_exists(who, suffix, status, world, request):
    client = Client() if who == "visitor" else client_for(request.getfixturevalue(who))
    response = client.get(f"/c/secret-circle/{suffix}")
    unknown = client.get(f"/c/no-such-community/{suffix}")
    assert (response.status_code, unknown.status_code) == (status, status)
    assert "Secret Circle" not in response.content.decode()


def test_api_community_list(persona, client):
    listed = {c["slug"]: c for c in client.get("/api/v1/communities").json()}
    reads = persona in CAN_READ_PRIVATE

    expected = {"type-2-diabetes", "breast-cancer"} | ({"secret-circle"} if reads else set())
    assert set(listed) == expected
    assert listed["type-2-diabetes"]["member_count"] == 3
    private = listed["breast-cancer"]
    counts = (private["member_count"], private["topic_count"], private["post_count"])
    assert counts == ((37, 41, 43) if reads else (None, None, None))
    assert private["can_read"] is reads
    if reads:
        hidden = listed["secret-circle"]
        assert (hidden["member_count"], hidden["topic_count"]) == (53, 59)


def test_api_community_detail(persona, client):
    reads = persona in CAN_READ_PRIVATE
    private = client.get("/api/v1/communities/breast-cancer")
    hidden = client.get("/api/v1/communities/secret-circle")

    assert private.status_code == 200
    assert private.json()["topic_count"] == (41 if reads else None)
    assert hidden.status_code == (200 if reads else 404)
    if not reads:
        assert hidden.json() == {"code": "not_found", "message": "Community not found."}
    guidelines = client.get("/api/v1/communities/secret-circle/guidelines")
    assert guidelines.status_code == (200 if reads else 404)


def test_api_topic_lists(persona, client):
    reads = persona in CAN_READ_PRIVATE

    public = client.get("/api/v1/communities/type-2-diabetes/topics")
    private = client.get("/api/v1/communities/breast-cancer/topics")
    hidden = client.get("/api/v1/communities/secret-circle/topics")

    assert [t["title"] for t in public.json()["items"]] == ["Tired after metformin"]
    if reads:
        assert [t["title"] for t in private.json()["items"]] == ["Secret chemo diary"]
        assert [t["title"] for t in hidden.json()["items"]] == ["Whispered plans"]
    else:
        assert private.status_code == 403
        assert private.json() == {
            "code": "members_only",
            "message": "Only members of this community can read it.",
        }
        assert hidden.status_code == 404
        assert "Whispered" not in hidden.content.decode()


def test_member_profile_hides_hidden_memberships(persona, client):
    html = page(client, "/members/patient/")
    assert "Type 2 Diabetes" in html
    assert ("Secret Circle" in html) is (persona in CAN_READ_PRIVATE)
