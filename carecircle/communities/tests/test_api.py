"""The communities JSON API at /api/v1/communities."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.test import Client

from carecircle.accounts.actions import create_api_token
from carecircle.communities.models import Community, Invitation, Membership
from carecircle.communities.tests.helpers import patch_json, post_json, snapshot
from carecircle.core.factories import CommunityFactory, make_member, make_topic
from conftest import client_for

pytestmark = pytest.mark.django_db

NEW = {
    "name": "Long COVID",
    "description": "For people living with long COVID.",
    "guidelines": "Be kind.",
}


def json_time(moment: datetime) -> str:
    """How the API writes a UTC time: ISO 8601 to the millisecond."""
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def body(**overrides):
    """The JSON of the `community` fixture as its members and staff see it."""
    defaults = {
        "slug": "type-2-diabetes",
        "name": "Type 2 Diabetes",
        "description": "A place to talk.",
        "kind": "condition",
        "visibility": "public",
        "member_count": 3,
        "topic_count": 0,
        "post_count": 0,
        "last_activity_at": None,
        "is_member": False,
        "role": None,
        "can_read": True,
        "guidelines_version": 1,
        "allow_anonymous_posts": False,
    }
    return {**defaults, **overrides}


# --- read ---------------------------------------------------------------------------------------


def test_visitor_lists_public_and_members_only_communities(
    community, private_community, hidden_community, visitor_client
):
    response = visitor_client.get("/api/v1/communities")

    assert response.status_code == 200
    assert response.json() == [
        body(
            slug="breast-cancer",
            name="Breast Cancer",
            visibility="members",
            member_count=None,
            topic_count=None,
            post_count=None,
            can_read=False,
        ),
        body(),
    ]


def test_member_sees_their_role(community, patient, moderator):
    assert client_for(moderator).get("/api/v1/communities/type-2-diabetes").json() == body(
        is_member=True, role="moderator"
    )


def test_get_unknown_community_is_404_json(db, visitor_client):
    response = visitor_client.get("/api/v1/communities/nowhere")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Community not found."}


def test_guidelines_endpoint(community, visitor_client):
    response = visitor_client.get("/api/v1/communities/type-2-diabetes/guidelines")
    assert response.json() == {"version": 1, "text": "Be kind."}


@pytest.mark.parametrize("count", [3, 30])
@pytest.mark.parametrize(("persona", "queries"), [("visitor", 1), ("patient", 4)])
def test_api_list_query_count_does_not_grow(
    count, persona, queries, request, django_assert_num_queries
):
    patient = request.getfixturevalue("patient")
    for number in range(count):
        created = CommunityFactory(visibility=["public", "members", "hidden"][number % 3])
        if number % 2:
            make_member(created, patient)
    client = Client() if persona == "visitor" else client_for(patient)

    with django_assert_num_queries(queries):
        response = client.get("/api/v1/communities")

    assert response.status_code == 200
    # Every third community is hidden; the patient belongs to every second of those.
    visible = count - count // 3 if persona == "visitor" else count - count // 3 + (count // 3) // 2
    assert len(response.json()) == visible


# --- create -------------------------------------------------------------------------------------


def test_site_manager_creates_a_community(manager):
    response = post_json(client_for(manager), "/api/v1/communities", NEW)

    assert response.status_code == 201
    created = Community.objects.get(slug="long-covid")
    assert response.json() == body(
        slug="long-covid",
        name="Long COVID",
        description="For people living with long COVID.",
        member_count=1,
        is_member=True,
        role="manager",
        last_activity_at=json_time(created.last_activity_at),
    )
    assert created.created_by == manager


def test_non_manager_create_is_403_and_creates_nothing(patient):
    before = snapshot()
    response = post_json(client_for(patient), "/api/v1/communities", NEW)
    assert response.status_code == 403
    assert response.json() == {
        "code": "not_manager",
        "message": "Only site managers can create communities.",
    }
    assert snapshot() == before


def test_visitor_create_is_401(db, visitor_client):
    response = post_json(visitor_client, "/api/v1/communities", NEW)
    assert response.status_code == 401
    assert response.json() == {
        "code": "not_authenticated",
        "message": "Please sign in or send a valid API token.",
    }
    assert Community.objects.count() == 0


def test_create_with_a_blank_name_is_400_with_the_field(manager):
    response = post_json(client_for(manager), "/api/v1/communities", {**NEW, "name": " "})
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "message": "Please enter a name.",
        "field": "name",
    }
    assert Community.objects.count() == 0


def test_create_with_missing_fields_is_400(manager):
    response = post_json(client_for(manager), "/api/v1/communities", {"name": "Only a name"})
    assert response.status_code == 400
    data = response.json()
    assert (data["code"], data["message"]) == ("invalid", "Some of the data sent is not valid.")
    assert sorted(error["loc"][-1] for error in data["errors"]) == ["description", "guidelines"]
    assert Community.objects.count() == 0


def test_create_with_malformed_json_is_400(manager):
    response = client_for(manager).post(
        "/api/v1/communities", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_create_with_a_taken_name_is_409(manager, community):
    response = post_json(
        client_for(manager), "/api/v1/communities", {**NEW, "name": "Type 2 DIABETES"}
    )
    assert response.status_code == 409
    assert response.json() == {
        "code": "conflict",
        "message": "A community with this name already exists.",
        "field": "name",
    }
    assert Community.objects.count() == 1


# --- patch --------------------------------------------------------------------------------------


def test_manager_patches_guidelines_and_the_version_goes_up(community, community_manager):
    response = patch_json(
        client_for(community_manager),
        "/api/v1/communities/type-2-diabetes",
        {"guidelines": "Be kinder."},
    )

    assert response.status_code == 200
    assert response.json() == body(
        member_count=4, is_member=True, role="manager", guidelines_version=2
    )
    community.refresh_from_db()
    assert (community.guidelines, community.description) == ("Be kinder.", "A place to talk.")


@pytest.mark.parametrize("persona", ["patient", "moderator", "outsider", "site_moderator"])
def test_patch_by_non_managers_is_403_and_changes_nothing(persona, request, community):
    before = snapshot()
    response = patch_json(
        client_for(request.getfixturevalue(persona)),
        "/api/v1/communities/type-2-diabetes",
        {"name": "Taken over"},
    )
    assert response.status_code == 403
    assert response.json()["code"] == "not_manager"
    assert snapshot() == before


def test_patch_of_a_hidden_community_by_an_outsider_is_404(hidden_community, outsider):
    before = snapshot()
    response = patch_json(client_for(outsider), "/api/v1/communities/secret-circle", {"name": "x"})
    assert response.status_code == 404
    assert snapshot() == before


def test_patch_with_invalid_visibility_is_400(community, manager):
    before = snapshot()
    response = patch_json(
        client_for(manager), "/api/v1/communities/type-2-diabetes", {"visibility": "open"}
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "message": "Please choose one of the options.",
        "field": "visibility",
    }
    assert snapshot() == before


def test_patch_to_a_taken_name_is_409(community, private_community, manager):
    before = snapshot()
    response = patch_json(
        client_for(manager), "/api/v1/communities/type-2-diabetes", {"name": "Breast Cancer"}
    )
    assert response.status_code == 409
    assert snapshot() == before


def test_patch_by_a_visitor_is_401(community, visitor_client):
    before = snapshot()
    response = patch_json(visitor_client, "/api/v1/communities/type-2-diabetes", {"name": "x"})
    assert response.status_code == 401
    assert snapshot() == before


# --- membership ---------------------------------------------------------------------------------


def test_join_through_the_api(community, outsider):
    response = post_json(
        client_for(outsider),
        "/api/v1/communities/type-2-diabetes/membership",
        {"accept_guidelines": True},
    )

    assert response.status_code == 201
    membership = Membership.objects.get(community=community, user=outsider)
    assert response.json() == {
        "community": "type-2-diabetes",
        "role": "member",
        "guidelines_version": 1,
        "guidelines_accepted_at": json_time(membership.guidelines_accepted_at),
    }
    assert Community.objects.get(pk=community.pk).member_count == 4


def test_join_without_accepting_is_400(community, outsider):
    before = snapshot()
    response = post_json(
        client_for(outsider),
        "/api/v1/communities/type-2-diabetes/membership",
        {"accept_guidelines": False},
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "guidelines_not_accepted",
        "message": "Please read and accept the community guidelines to join.",
        "field": "accept_guidelines",
    }
    assert snapshot() == before


def test_join_twice_is_409(community, patient):
    before = snapshot()
    response = post_json(
        client_for(patient),
        "/api/v1/communities/type-2-diabetes/membership",
        {"accept_guidelines": True},
    )
    assert response.status_code == 409
    assert response.json()["code"] == "already_member"
    assert snapshot() == before


def test_join_hidden_community_is_404_without_an_invitation(hidden_community, outsider):
    before = snapshot()
    response = post_json(
        client_for(outsider),
        "/api/v1/communities/secret-circle/membership",
        {"accept_guidelines": True},
    )
    assert response.status_code == 404
    assert snapshot() == before


def test_join_hidden_community_with_an_invitation(hidden_community, outsider, patient):
    Invitation.objects.create(community=hidden_community, user=outsider, invited_by=patient)
    response = post_json(
        client_for(outsider),
        "/api/v1/communities/secret-circle/membership",
        {"accept_guidelines": True},
    )
    assert response.status_code == 201


def test_join_as_a_visitor_is_401(community, visitor_client):
    before = snapshot()
    response = post_json(
        visitor_client,
        "/api/v1/communities/type-2-diabetes/membership",
        {"accept_guidelines": True},
    )
    assert response.status_code == 401
    assert snapshot() == before


def test_leave_through_the_api(community, patient):
    response = client_for(patient).delete("/api/v1/communities/type-2-diabetes/membership")
    assert response.status_code == 204
    assert response.content == b""
    assert not Membership.objects.filter(community=community, user=patient).exists()
    assert Community.objects.get(pk=community.pk).member_count == 2


def test_leave_when_not_a_member_is_403(community, outsider):
    before = snapshot()
    response = client_for(outsider).delete("/api/v1/communities/type-2-diabetes/membership")
    assert response.status_code == 403
    assert response.json() == {
        "code": "not_member",
        "message": "You are not a member of this community.",
    }
    assert snapshot() == before


def test_last_manager_leaving_is_409(community, community_manager):
    before = snapshot()
    response = client_for(community_manager).delete(
        "/api/v1/communities/type-2-diabetes/membership"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "last_manager"
    assert snapshot() == before


def test_leave_as_a_visitor_is_401(community, visitor_client):
    before = snapshot()
    response = visitor_client.delete("/api/v1/communities/type-2-diabetes/membership")
    assert response.status_code == 401
    assert snapshot() == before


# --- CSRF and tokens ----------------------------------------------------------------------------


@pytest.fixture
def csrf_client(outsider) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(outsider)
    return client


def test_session_writes_without_the_csrf_token_are_refused(community, csrf_client):
    before = snapshot()

    joined = post_json(
        csrf_client, "/api/v1/communities/type-2-diabetes/membership", {"accept_guidelines": True}
    )
    left = csrf_client.delete("/api/v1/communities/type-2-diabetes/membership")

    for response in (joined, left):
        assert response.status_code == 403
        assert response.json() == {"code": "forbidden", "message": "CSRF check Failed"}
    assert snapshot() == before


def test_session_writes_with_the_csrf_token_succeed(community, csrf_client, outsider):
    csrf_client.get("/communities/")
    token = csrf_client.cookies["csrftoken"].value

    response = post_json(
        csrf_client,
        "/api/v1/communities/type-2-diabetes/membership",
        {"accept_guidelines": True},
        HTTP_X_CSRFTOKEN=token,
    )

    assert response.status_code == 201
    assert Membership.objects.filter(community=community, user=outsider).exists()


def test_session_reads_need_no_csrf_token(community, csrf_client):
    assert csrf_client.get("/api/v1/communities/type-2-diabetes").status_code == 200


def test_token_clients_need_no_csrf_token(community, outsider):
    _token, secret = create_api_token(actor=outsider, name="phone")
    client = Client(enforce_csrf_checks=True)

    response = post_json(
        client,
        "/api/v1/communities/type-2-diabetes/membership",
        {"accept_guidelines": True},
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )

    assert response.status_code == 201
    assert Membership.objects.filter(community=community, user=outsider).exists()


@pytest.mark.parametrize("path", ["/api/v1/communities", "/api/v1/communities/type-2-diabetes"])
def test_a_wrong_token_is_401_even_where_visitors_may_read(path, community):
    response = Client().get(path, HTTP_AUTHORIZATION="Bearer cc_not-a-real-token")
    assert response.status_code == 401
    assert response.json() == {
        "code": "not_authenticated",
        "message": "Please sign in or send a valid API token.",
    }


# --- topic list paging --------------------------------------------------------------------------


@pytest.fixture
def busy_community(community, patient) -> Community:
    for number in range(25):
        make_topic(community, patient, title=f"Topic number {number:02d}")
    return community


@pytest.mark.parametrize(
    ("query", "page", "page_size", "items"),
    [
        ("", 1, 20, 20),
        ("?page=2", 2, 20, 5),
        ("?page=99999999999", 2, 20, 5),
        ("?page=-5", 1, 20, 20),
        ("?page=0&page_size=0", 1, 1, 1),
        ("?page_size=100000", 1, 100, 25),
        ("?page=3&page_size=10", 3, 10, 5),
    ],
)
def test_topic_pages_are_clamped(query, page, page_size, items, busy_community, visitor_client):
    response = visitor_client.get(f"/api/v1/communities/type-2-diabetes/topics{query}")

    assert response.status_code == 200
    data = response.json()
    assert (data["page"], data["page_size"], data["total"]) == (page, page_size, 25)
    assert len(data["items"]) == items


@pytest.mark.parametrize("query", ["?page=abc", "?page_size=lots", "?page=1.5"])
def test_nonsense_page_numbers_are_400_not_500(query, busy_community, visitor_client):
    response = visitor_client.get(f"/api/v1/communities/type-2-diabetes/topics{query}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_community_list_ignores_paging_parameters(community, visitor_client):
    response = visitor_client.get("/api/v1/communities?page=99999999999&page_size=100000")
    assert response.status_code == 200
    assert [c["slug"] for c in response.json()] == ["type-2-diabetes"]
