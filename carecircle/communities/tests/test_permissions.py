"""Who may see, read, join, post in, moderate and manage a community."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from carecircle.communities import permissions
from carecircle.communities.models import Community, Invitation
from carecircle.communities.queries import get_community
from carecircle.core.errors import PermissionDeniedError
from carecircle.core.factories import CommunityFactory, make_member

pytestmark = pytest.mark.django_db

CHECKS = ("see", "read", "join", "post", "reply", "moderate", "manage")


def abilities(actor, community: Community) -> dict[str, bool]:
    return {
        "see": permissions.can_see_community(actor, community),
        "read": permissions.can_read_community(actor, community),
        "join": permissions.can_join_community(actor, community),
        "post": permissions.can_post_in_community(actor, community),
        "reply": permissions.can_reply_in_community(actor, community),
        "moderate": permissions.can_moderate_community(actor, community),
        "manage": permissions.can_manage_community(actor, community),
    }


def allowed(*names: str) -> dict[str, bool]:
    return {name: name in names for name in CHECKS}


def actor_for(persona: str, request: pytest.FixtureRequest):
    return AnonymousUser() if persona == "visitor" else request.getfixturevalue(persona)


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("visitor", allowed("see", "read")),
        ("outsider", allowed("see", "read", "join")),
        ("patient", allowed("see", "read", "post", "reply")),
        ("moderator", allowed("see", "read", "post", "reply", "moderate")),
        ("community_manager", allowed("see", "read", "post", "reply", "moderate", "manage")),
        ("site_moderator", allowed("see", "read", "join", "reply", "moderate")),
        ("manager", allowed("see", "read", "join", "reply", "moderate", "manage")),
    ],
)
def test_public_community(persona, expected, request, community):
    assert abilities(actor_for(persona, request), community) == expected


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("visitor", allowed("see")),
        ("outsider", allowed("see", "join")),
        ("patient", allowed("see", "read", "post", "reply")),
        ("site_moderator", allowed("see", "read", "join", "reply", "moderate")),
        ("manager", allowed("see", "read", "join", "reply", "moderate", "manage")),
    ],
)
def test_members_only_community(persona, expected, request, private_community):
    assert abilities(actor_for(persona, request), private_community) == expected


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("visitor", allowed()),
        ("outsider", allowed()),
        ("patient", allowed("see", "read", "post", "reply")),
        ("site_moderator", allowed("see", "read", "reply", "moderate")),
        ("manager", allowed("see", "read", "reply", "moderate", "manage")),
    ],
)
def test_hidden_community(persona, expected, request, hidden_community):
    assert abilities(actor_for(persona, request), hidden_community) == expected


def test_an_invitation_lets_an_outsider_see_and_join_a_hidden_community(
    hidden_community, outsider, patient
):
    Invitation.objects.create(community=hidden_community, user=outsider, invited_by=patient)
    assert abilities(outsider, hidden_community) == allowed("see", "join")


def test_only_moderators_start_topics_in_an_announcements_community(patient, moderator):
    news = CommunityFactory(name="News", slug="news", kind=Community.Kind.ANNOUNCEMENTS)
    make_member(news, patient)
    make_member(news, moderator, "moderator")

    assert permissions.can_post_in_community(patient, news) is False
    assert permissions.can_reply_in_community(patient, news) is True
    assert permissions.can_post_in_community(moderator, news) is True
    with pytest.raises(PermissionDeniedError) as caught:
        permissions.check_can_post_in_community(patient, news)
    assert caught.value.code == "announcements_only"


def test_a_deactivated_member_may_do_nothing_but_look(community, patient, manager):
    for user in (patient, manager):
        user.is_active = False
        user.save()
        fresh = Community.objects.get(pk=community.pk)
        assert abilities(user, fresh) == allowed("see", "read")
        assert permissions.can_create_community(user) is False


def test_only_site_managers_and_admins_may_create(manager, patient, site_moderator):
    from carecircle.core.factories import UserFactory

    admin = UserFactory(is_site_admin=True)
    assert permissions.can_create_community(manager) is True
    assert permissions.can_create_community(admin) is True
    assert permissions.can_create_community(patient) is False
    assert permissions.can_create_community(site_moderator) is False
    assert permissions.can_create_community(AnonymousUser()) is False


@pytest.mark.parametrize(
    ("check", "persona", "code", "message"),
    [
        ("read", "outsider", "members_only", "Only members of this community can read it."),
        ("join", "visitor", "not_authenticated", "Please sign in to join."),
        ("join", "patient", "already_member", "You are already a member of this community."),
        ("post", "outsider", "not_member", "Join this community to start a topic."),
        ("moderate", "patient", "not_moderator", "Only this community's moderators can do that."),
        ("manage", "patient", "not_manager", "Only this community's managers can do that."),
    ],
)
def test_checks_raise_a_coded_plain_language_error(
    check, persona, code, message, request, private_community
):
    function = getattr(permissions, f"check_can_{check}_community", None) or getattr(
        permissions, f"check_can_{check}_in_community"
    )
    with pytest.raises(PermissionDeniedError) as caught:
        function(actor_for(persona, request), private_community)
    assert (caught.value.code, str(caught.value.message), caught.value.status) == (
        code,
        message,
        403,
    )


def test_checks_pass_silently_when_allowed(private_community, patient, manager):
    assert permissions.check_can_read_community(patient, private_community) is None
    assert permissions.check_can_manage_community(manager, private_community) is None
    assert permissions.check_can_create_community(manager) is None


def test_membership_of_uses_the_prefetched_membership_without_a_query(
    community, patient, django_assert_num_queries
):
    loaded = get_community(patient, community.slug)
    with django_assert_num_queries(0):
        membership = permissions.membership_of(patient, loaded)
        assert permissions.can_read_community(patient, loaded) is True
    # Writing also asks whether the member is suspended: one query, read fresh each request.
    with django_assert_num_queries(1):
        assert permissions.can_post_in_community(patient, loaded) is True
        assert permissions.can_reply_in_community(patient, loaded) is True
    assert membership.user_id == patient.pk


def test_membership_of_queries_once_per_actor_without_a_prefetch(
    community, patient, outsider, django_assert_num_queries
):
    fresh = Community.objects.get(pk=community.pk)
    with django_assert_num_queries(2):
        for _ in range(3):
            assert permissions.membership_of(patient, fresh) is not None
            assert permissions.membership_of(outsider, fresh) is None


def test_the_prefetched_membership_answers_only_for_its_own_member(
    community, moderator, patient, outsider
):
    # A community loaded for the moderator carries the moderator's membership; asked about
    # another person, the permissions must look theirs up, not reuse the moderator's role.
    loaded = get_community(moderator, community.slug)
    assert permissions.can_moderate_community(moderator, loaded) is True
    assert permissions.can_moderate_community(patient, loaded) is False
    assert permissions.membership_of(patient, loaded).user_id == patient.pk
    assert permissions.membership_of(outsider, loaded) is None
