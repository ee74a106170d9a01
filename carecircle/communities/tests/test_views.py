"""The community pages: list, detail, join, leave, members, create and edit."""

from __future__ import annotations

import pytest
from django.test import Client

from carecircle.communities.models import Community, GuidelinesAcceptance, Invitation, Membership
from carecircle.communities.tests.helpers import snapshot
from carecircle.core.factories import CommunityFactory, make_member, make_topic
from carecircle.core.models import AuditEvent
from conftest import client_for

pytestmark = pytest.mark.django_db

NOTICE = "The guidelines have changed since you joined."


def text(response) -> str:
    return response.content.decode()


# --- list ---------------------------------------------------------------------------------------


def test_community_list_shows_each_community_with_its_counts(community, visitor_client):
    Community.objects.filter(pk=community.pk).update(member_count=12, topic_count=7)

    response = visitor_client.get("/communities/")

    assert response.status_code == 200
    assert response.templates[0].name == "communities/community_list.html"
    page = text(response)
    assert '<a href="/c/type-2-diabetes/">Type 2 Diabetes</a>' in page
    assert "12 members · 7 topics" in page
    assert "Create a community" not in page


def test_community_list_offers_creation_to_site_managers_only(community, manager, patient):
    assert 'href="/communities/new/"' in text(client_for(manager).get("/communities/"))
    assert 'href="/communities/new/"' not in text(client_for(patient).get("/communities/"))


def test_community_list_marks_the_members_communities(community, patient, outsider):
    assert "You are a member" in text(client_for(patient).get("/communities/"))
    assert "You are a member" not in text(client_for(outsider).get("/communities/"))


def test_empty_community_list(db, visitor_client):
    assert "There are no communities yet." in text(visitor_client.get("/communities/"))


@pytest.mark.parametrize("count", [3, 30])
# A member's page also counts their unread conversations for the header (once per cold cache).
@pytest.mark.parametrize(("persona", "queries"), [("visitor", 1), ("patient", 8)])
def test_community_list_page_query_count_does_not_grow(
    count, persona, queries, request, django_assert_num_queries
):
    patient = request.getfixturevalue("patient")
    for number in range(count):
        community = CommunityFactory(
            visibility=["public", "members", "hidden"][number % 3], member_count=number
        )
        if number % 2:
            make_member(community, patient)
    client = Client() if persona == "visitor" else client_for(patient)

    with django_assert_num_queries(queries):
        response = client.get("/communities/")

    assert response.status_code == 200


# --- detail -------------------------------------------------------------------------------------


def test_community_page_lists_topics_for_a_visitor(topic, visitor_client):
    response = visitor_client.get("/c/type-2-diabetes/")
    page = text(response)
    assert response.status_code == 200
    assert "<h1>Type 2 Diabetes</h1>" in page
    assert f'href="{topic.get_absolute_url()}">Tired after metformin</a>' in page
    assert "Sign in to join" in page
    assert "Join this community" not in page


def test_community_page_offers_join_to_outsiders_and_leave_to_members(community, outsider, patient):
    outsider_page = text(client_for(outsider).get("/c/type-2-diabetes/"))
    member_page = text(client_for(patient).get("/c/type-2-diabetes/"))
    assert 'href="/c/type-2-diabetes/join/">Join this community' in outsider_page
    assert 'href="/c/type-2-diabetes/leave/">Leave' not in outsider_page
    assert 'href="/c/type-2-diabetes/leave/">Leave' in member_page
    assert "Join this community" not in member_page
    assert "Community settings" not in member_page


def test_unknown_community_is_404(db, visitor_client):
    assert visitor_client.get("/c/no-such-place/").status_code == 404


@pytest.mark.parametrize("page", ["abc", "99999999999", "-5", "0", "1e9", ""])
def test_community_page_never_fails_on_odd_page_numbers(community, patient, page):
    for number in range(25):
        make_topic(community, patient, title=f"Topic number {number:02d}")

    response = client_for(patient).get("/c/type-2-diabetes/", {"page": page})

    assert response.status_code == 200
    # Past the end shows the last page; nonsense shows the first.
    assert response.context["page"].number == (2 if page == "99999999999" else 1)


def test_community_page_second_page(community, patient):
    for number in range(25):
        make_topic(community, patient, title=f"Topic number {number:02d}")
    response = client_for(patient).get("/c/type-2-diabetes/?page=2")
    assert [t.title for t in response.context["page"].items] == [
        f"Topic number {number:02d}" for number in range(4, -1, -1)
    ]
    assert "Page 2 of 2" in text(response)


# --- guidelines and join ------------------------------------------------------------------------


@pytest.fixture
def markdown_guidelines(community: Community) -> Community:
    Community.objects.filter(pk=community.pk).update(
        guidelines="1. **Be kind.**\n2. No <script>alert(1)</script> please."
    )
    community.refresh_from_db()
    return community


def test_join_page_shows_the_rendered_guidelines(markdown_guidelines, outsider):
    response = client_for(outsider).get("/c/type-2-diabetes/join/")
    page = text(response)
    assert response.status_code == 200
    assert "<h1>Join Type 2 Diabetes</h1>" in page
    assert "<li><strong>Be kind.</strong></li>" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    assert 'name="accept_guidelines" value="yes"' in page


def test_guidelines_page_shows_the_version(markdown_guidelines, visitor_client):
    response = visitor_client.get("/c/type-2-diabetes/guidelines/")
    assert response.status_code == 200
    assert "Version 1" in text(response)
    assert "<strong>Be kind.</strong>" in text(response)


def test_joining_without_ticking_the_box_shows_the_error_next_to_it(community, outsider):
    before = snapshot()

    response = client_for(outsider).post("/c/type-2-diabetes/join/", {})

    assert response.status_code == 400
    page = text(response)
    assert 'aria-describedby="error_accept_guidelines"' in page
    assert (
        '<p class="field-error" id="error_accept_guidelines">'
        "Please read and accept the community guidelines to join.</p>"
    ) in page
    assert snapshot() == before


def test_joining_with_the_box_ticked(community, outsider):
    response = client_for(outsider).post("/c/type-2-diabetes/join/", {"accept_guidelines": "yes"})

    assert response.status_code == 302
    assert response["Location"] == "/c/type-2-diabetes/"
    membership = Membership.objects.get(community=community, user=outsider)
    assert (membership.role, membership.guidelines_version) == ("member", 1)
    assert Community.objects.get(pk=community.pk).member_count == 4
    follow = client_for(outsider).get("/c/type-2-diabetes/")
    assert 'href="/c/type-2-diabetes/leave/"' in text(follow)


def test_visitors_are_sent_to_sign_in_before_joining(community, visitor_client):
    before = snapshot()
    response = visitor_client.post("/c/type-2-diabetes/join/", {"accept_guidelines": "yes"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/c/type-2-diabetes/join/"
    assert snapshot() == before


def test_join_page_of_a_hidden_community_is_404_without_an_invitation(hidden_community, outsider):
    before = snapshot()
    client = client_for(outsider)
    assert client.get("/c/secret-circle/join/").status_code == 404
    assert client.post("/c/secret-circle/join/", {"accept_guidelines": "yes"}).status_code == 404
    assert snapshot() == before


def test_invited_member_joins_a_hidden_community_from_the_page(hidden_community, outsider, patient):
    Invitation.objects.create(community=hidden_community, user=outsider, invited_by=patient)
    client = client_for(outsider)
    assert client.get("/c/secret-circle/join/").status_code == 200
    response = client.post("/c/secret-circle/join/", {"accept_guidelines": "yes"})
    assert response.status_code == 302
    assert Membership.objects.filter(community=hidden_community, user=outsider).exists()


def test_members_see_a_notice_to_accept_changed_guidelines(community, patient, community_manager):
    client = client_for(patient)
    assert NOTICE not in text(client.get("/c/type-2-diabetes/"))
    client_for(community_manager).post(
        "/c/type-2-diabetes/edit/",
        {
            "name": "Type 2 Diabetes",
            "description": "A place to talk.",
            "guidelines": "Be kind. No selling.",
            "kind": "condition",
            "visibility": "public",
        },
    )

    page = text(client.get("/c/type-2-diabetes/"))
    assert NOTICE in page
    assert 'href="/c/type-2-diabetes/join/">Read and accept them' in page

    review = client.get("/c/type-2-diabetes/join/")
    assert "<h1>Updated guidelines</h1>" in text(review)
    refused = client.post("/c/type-2-diabetes/join/", {})
    assert refused.status_code == 400
    assert Membership.objects.get(community=community, user=patient).guidelines_version == 1

    accepted = client.post("/c/type-2-diabetes/join/", {"accept_guidelines": "yes"})
    assert accepted.status_code == 302
    assert Membership.objects.get(community=community, user=patient).guidelines_version == 2
    assert list(
        GuidelinesAcceptance.objects.filter(community=community, user=patient)
        .order_by("guidelines_version")
        .values_list("guidelines_version", flat=True)
    ) == [1, 2]
    assert NOTICE not in text(client.get("/c/type-2-diabetes/"))


# --- leave --------------------------------------------------------------------------------------


def test_leave_asks_first_then_leaves(community, patient):
    client = client_for(patient)
    confirm = client.get("/c/type-2-diabetes/leave/")
    assert confirm.status_code == 200
    assert "<h1>Leave Type 2 Diabetes?</h1>" in text(confirm)
    assert Membership.objects.filter(community=community, user=patient).exists()

    response = client.post("/c/type-2-diabetes/leave/")

    assert response.status_code == 302
    assert response["Location"] == "/communities/"
    assert not Membership.objects.filter(community=community, user=patient).exists()
    assert Community.objects.get(pk=community.pk).member_count == 2


def test_last_manager_is_told_why_they_cannot_leave(community, community_manager):
    before = snapshot()
    response = client_for(community_manager).post("/c/type-2-diabetes/leave/")
    assert response.status_code == 400
    assert "You are this community&#x27;s only manager." in text(response)
    assert snapshot() == before


def test_non_member_leaving_changes_nothing(community, outsider):
    before = snapshot()
    response = client_for(outsider).post("/c/type-2-diabetes/leave/")
    assert response.status_code == 400
    assert "You are not a member of this community." in text(response)
    assert snapshot() == before


# --- members ------------------------------------------------------------------------------------


def test_members_page_lists_members_with_roles(community, patient):
    response = client_for(patient).get("/c/type-2-diabetes/members/")
    page = text(response)
    assert response.status_code == 200
    assert [m.user.handle for m in response.context["memberships"]] == [
        "moderator",
        "caregiver",
        "patient",
    ]
    assert "Invite a member" not in page
    assert 'name="operation" value="set_role"' not in page


def test_members_page_of_a_members_only_community_is_403_for_outsiders(private_community, outsider):
    response = client_for(outsider).get("/c/breast-cancer/members/")
    assert response.status_code == 403
    assert "Only members of this community can read it." in text(response)


def test_manager_changes_a_role_from_the_members_page(community, community_manager, patient):
    response = client_for(community_manager).post(
        "/c/type-2-diabetes/members/",
        {"operation": "set_role", "member": "patient", "role": "moderator"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/c/type-2-diabetes/members/"
    assert Membership.objects.get(community=community, user=patient).role == "moderator"


def test_last_manager_stepping_down_is_told_why(community, community_manager):
    before = snapshot()
    response = client_for(community_manager).post(
        "/c/type-2-diabetes/members/",
        {"operation": "set_role", "member": "cora", "role": "member"},
    )
    assert response.status_code == 400
    assert "This is the community&#x27;s only manager." in text(response)
    assert snapshot() == before


@pytest.mark.parametrize("persona", ["patient", "moderator", "outsider"])
def test_non_managers_cannot_change_roles_from_the_page(persona, request, community, caregiver):
    before = snapshot()
    response = client_for(request.getfixturevalue(persona)).post(
        "/c/type-2-diabetes/members/",
        {"operation": "set_role", "member": "caregiver", "role": "manager"},
    )
    assert response.status_code == 403
    assert "Only this community&#x27;s managers can do that." in text(response)
    assert snapshot() == before


def test_moderator_invites_by_handle(community, moderator, outsider):
    response = client_for(moderator).post(
        "/c/type-2-diabetes/members/", {"operation": "invite", "handle": "@Outsider"}
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get(community=community)
    assert (invitation.user, invitation.invited_by) == (outsider, moderator)


def test_inviting_an_unknown_handle_keeps_the_typed_handle(community, moderator):
    before = snapshot()
    response = client_for(moderator).post(
        "/c/type-2-diabetes/members/", {"operation": "invite", "handle": "nobdy"}
    )
    assert response.status_code == 400
    page = text(response)
    assert 'value="nobdy"' in page
    assert (
        '<p class="field-error" id="error_handle">'
        "We could not find a member with that handle. Check the spelling.</p>"
    ) in page
    assert snapshot() == before


def test_plain_members_cannot_invite(community, patient, outsider):
    before = snapshot()
    response = client_for(patient).post(
        "/c/type-2-diabetes/members/", {"operation": "invite", "handle": "outsider"}
    )
    assert response.status_code == 403
    assert snapshot() == before


# --- create -------------------------------------------------------------------------------------

FORM = {
    "name": "Long COVID",
    "description": "For people living with long COVID.",
    "guidelines": "Be kind.",
    "kind": "condition",
    "visibility": "members",
}


def test_create_form_for_site_managers(manager):
    response = client_for(manager).get("/communities/new/")
    assert response.status_code == 200
    assert response.context["values"]["visibility"] == "public"
    assert "<h1>Create a community</h1>" in text(response)


def test_site_manager_creates_a_community_from_the_form(manager):
    response = client_for(manager).post("/communities/new/", FORM)

    assert response.status_code == 302
    assert response["Location"] == "/c/long-covid/"
    community = Community.objects.get(slug="long-covid")
    assert (community.name, community.visibility, community.member_count) == (
        "Long COVID",
        "members",
        1,
    )


@pytest.mark.parametrize("persona", ["patient", "moderator", "site_moderator"])
def test_create_form_is_refused_to_everyone_else(persona, request):
    client = client_for(request.getfixturevalue(persona))
    before = snapshot()
    for response in (client.get("/communities/new/"), client.post("/communities/new/", FORM)):
        assert response.status_code == 403
        assert "Only site managers can create communities." in text(response)
    assert snapshot() == before


def test_create_form_sends_visitors_to_sign_in(db, visitor_client):
    response = visitor_client.post("/communities/new/", FORM)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/communities/new/"
    assert Community.objects.count() == 0


def test_create_form_error_keeps_everything_typed(manager):
    typed = {**FORM, "name": "  ", "description": "Our <b>own</b> words\nover two lines"}

    response = client_for(manager).post("/communities/new/", typed)

    assert response.status_code == 400
    page = text(response)
    assert '<p class="field-error" id="error_name">Please enter a name.</p>' in page
    assert "Our &lt;b&gt;own&lt;/b&gt; words\nover two lines</textarea>" in page
    assert ">Be kind.</textarea>" in page
    assert '<option value="members" selected>' in page
    assert Community.objects.count() == 0


def test_create_form_reports_a_taken_name(manager, community):
    response = client_for(manager).post("/communities/new/", {**FORM, "name": "type 2 diabetes"})
    assert response.status_code == 400
    assert "A community with this name already exists." in text(response)
    assert Community.objects.count() == 1


# --- edit ---------------------------------------------------------------------------------------


def test_edit_form_is_filled_with_the_current_values(community, community_manager):
    response = client_for(community_manager).get("/c/type-2-diabetes/edit/")
    assert response.status_code == 200
    assert response.context["values"] == {
        "name": "Type 2 Diabetes",
        "description": "A place to talk.",
        "guidelines": "Be kind.",
        "kind": "condition",
        "visibility": "public",
        "allow_anonymous_posts": False,
    }


def test_manager_allows_anonymous_posts(community, community_manager):
    response = client_for(community_manager).post(
        "/c/type-2-diabetes/edit/",
        {**FORM, "name": "Type 2 Diabetes", "visibility": "public", "allow_anonymous_posts": "on"},
    )
    assert response.status_code == 302
    community.refresh_from_db()
    assert community.allow_anonymous_posts is True
    event = AuditEvent.objects.filter(verb="community.update").latest("id")
    assert event.data["changes"]["allow_anonymous_posts"] is True


def test_edit_saves_and_bumps_the_guidelines_version(community, community_manager):
    response = client_for(community_manager).post(
        "/c/type-2-diabetes/edit/",
        {**FORM, "name": "Type 2 Diabetes", "guidelines": "Be kinder.", "visibility": "public"},
    )
    assert response.status_code == 302
    community.refresh_from_db()
    assert (community.guidelines, community.guidelines_version) == ("Be kinder.", 2)


@pytest.mark.parametrize("persona", ["patient", "moderator", "outsider", "site_moderator"])
def test_edit_is_refused_to_non_managers(persona, request, community):
    client = client_for(request.getfixturevalue(persona))
    before = snapshot()
    assert client.get("/c/type-2-diabetes/edit/").status_code == 403
    response = client.post("/c/type-2-diabetes/edit/", {**FORM, "guidelines": "No rules."})
    assert response.status_code == 403
    assert snapshot() == before


def test_edit_error_keeps_the_typed_text(community, community_manager):
    before = snapshot()
    response = client_for(community_manager).post(
        "/c/type-2-diabetes/edit/",
        {**FORM, "name": "Type 2 Diabetes", "description": "", "guidelines": "Brand new rules"},
    )
    assert response.status_code == 400
    page = text(response)
    assert '<p class="field-error" id="error_description">Please enter a description.</p>' in page
    assert ">Brand new rules</textarea>" in page
    assert snapshot() == before


def test_managers_find_the_welcome_message_from_the_community_page(community, patient, manager):
    from carecircle.communities.models import Membership
    from carecircle.core.factories import make_member

    make_member(community, manager, Membership.Role.MANAGER)
    manager_page = text(client_for(manager).get("/c/type-2-diabetes/"))
    member_page = text(client_for(patient).get("/c/type-2-diabetes/"))

    assert 'href="/c/type-2-diabetes/welcome-message/">Welcome message' in manager_page
    assert "/welcome-message/" not in member_page
