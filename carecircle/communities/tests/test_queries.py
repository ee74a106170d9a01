"""Reads of communities, scoped to what the actor may see."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from carecircle.communities import queries
from carecircle.communities.models import Community, Invitation, Membership
from carecircle.core.errors import NotFoundError, ValidationFailed
from carecircle.core.factories import CommunityFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db

ALL = {"type-2-diabetes", "breast-cancer", "secret-circle"}
NOT_HIDDEN = {"type-2-diabetes", "breast-cancer"}


@pytest.fixture
def three(community, private_community, hidden_community) -> None:
    """One community of each visibility."""


def slugs(queryset) -> set[str]:
    return {community.slug for community in queryset}


def readable_slugs(actor) -> set[str]:
    return set(
        Community.objects.filter(pk__in=queries.readable_community_ids(actor)).values_list(
            "slug", flat=True
        )
    )


@pytest.mark.parametrize(
    ("persona", "visible", "readable"),
    [
        ("visitor", NOT_HIDDEN, {"type-2-diabetes"}),
        ("outsider", NOT_HIDDEN, {"type-2-diabetes"}),
        ("caregiver", NOT_HIDDEN, {"type-2-diabetes"}),
        ("patient", ALL, ALL),
        ("site_moderator", ALL, ALL),
        ("manager", ALL, ALL),
    ],
)
def test_visible_and_readable_communities_per_persona(persona, visible, readable, request, three):
    actor = AnonymousUser() if persona == "visitor" else request.getfixturevalue(persona)
    assert slugs(queries.visible_communities(actor)) == visible
    assert readable_slugs(actor) == readable


def test_an_invitation_makes_a_hidden_community_visible_but_not_readable(three, outsider, patient):
    hidden = Community.objects.get(slug="secret-circle")
    Invitation.objects.create(community=hidden, user=outsider, invited_by=patient)
    assert slugs(queries.visible_communities(outsider)) == ALL
    assert readable_slugs(outsider) == {"type-2-diabetes"}


def test_list_communities_attaches_the_actors_membership_in_two_queries(
    three, patient, django_assert_num_queries
):
    with django_assert_num_queries(2):
        communities = queries.list_communities(patient)
        roles = {c.slug: c.actor_membership.role for c in communities}
    assert [c.name for c in communities] == ["Breast Cancer", "Secret Circle", "Type 2 Diabetes"]
    assert roles == {
        "breast-cancer": "member",
        "secret-circle": "member",
        "type-2-diabetes": "member",
    }


def test_list_communities_for_a_visitor_is_one_query(three, django_assert_num_queries):
    with django_assert_num_queries(1):
        communities = queries.list_communities(AnonymousUser())
    assert [c.name for c in communities] == ["Breast Cancer", "Type 2 Diabetes"]
    assert [c.actor_membership for c in communities] == [None, None]


def test_outsider_has_no_membership_attached(three, outsider):
    communities = queries.list_communities(outsider)
    assert [c.actor_membership for c in communities] == [None, None]


def test_get_community_never_reveals_a_hidden_community(three, outsider, patient):
    with pytest.raises(NotFoundError) as caught:
        queries.get_community(outsider, "secret-circle")
    assert (caught.value.status, str(caught.value.message)) == (404, "Community not found.")
    with pytest.raises(NotFoundError):
        queries.get_community(AnonymousUser(), "secret-circle")
    with pytest.raises(NotFoundError):
        queries.get_community(patient, "no-such-community")
    assert queries.get_community(patient, "secret-circle").name == "Secret Circle"


def test_get_community_returns_members_only_communities_by_name(three, outsider):
    community = queries.get_community(outsider, "breast-cancer")
    assert (community.name, community.actor_membership) == ("Breast Cancer", None)


def test_members_are_listed_managers_first_then_moderators_then_by_name(
    community, community_manager
):
    zed = UserFactory(display_name="Zed")
    make_member(community, zed, Membership.Role.MODERATOR)
    listed = [
        (m.user.display_name, m.role) for m in queries.list_members(community_manager, community)
    ]
    assert listed == [
        ("Cora community manager", "manager"),
        ("Mo the moderator", "moderator"),
        ("Zed", "moderator"),
        ("Cam the caregiver", "member"),
        ("Pat the patient", "member"),
    ]


def test_get_member_by_handle_any_case(community, patient, outsider):
    assert queries.get_member(outsider, community, "PATIENT") == patient
    with pytest.raises(NotFoundError) as caught:
        queries.get_member(patient, community, "outsider")
    assert caught.value.field == "member"
    with pytest.raises(NotFoundError):
        queries.get_member(patient, community, "")


def test_find_member_by_handle_accepts_an_at_sign_and_spaces(patient):
    assert queries.find_member_by_handle("  @Patient ") == patient


@pytest.mark.parametrize("handle", ["", "@", "nobody-by-that-name", "retired"])
def test_find_member_by_handle_rejects_unknown_and_deactivated_members(handle):
    UserFactory(handle="retired", is_active=False)
    with pytest.raises(ValidationFailed) as caught:
        queries.find_member_by_handle(handle)
    assert caught.value.field == "handle"
    assert str(caught.value.message) == (
        "We could not find a member with that handle. Check the spelling."
    )


def test_memberships_of(three, patient, outsider):
    assert sorted(m.community.slug for m in queries.memberships_of(patient)) == sorted(ALL)
    assert list(queries.memberships_of(outsider)) == []
    assert list(queries.memberships_of(AnonymousUser())) == []


def test_site_staff_see_every_community_without_being_members(three, site_moderator):
    CommunityFactory(name="Another hidden", slug="another", visibility="hidden")
    assert slugs(queries.visible_communities(site_moderator)) == ALL | {"another"}
