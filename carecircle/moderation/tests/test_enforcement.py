"""Suspensions and bans stop writing at once, with a clear message, and nothing else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from carecircle.accounts.models import User
from carecircle.communities import permissions as community_permissions
from carecircle.core.errors import PermissionDeniedError
from carecircle.discussions import actions as discussion_actions
from carecircle.discussions.models import Topic
from carecircle.moderation import actions, enforcement
from carecircle.moderation.tests.factories import (
    REASON,
    Cast,
    cast_fixture,  # noqa: F401  (the `cast` fixture)
    make_sanction,
)


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def test_a_suspended_member_cannot_post_and_is_told_until_when(cast: Cast) -> None:
    ends = timezone.now() + timedelta(days=3)
    make_sanction(cast.author, "suspension", cast.community, ends_at=ends)
    author = fresh(cast.author)

    assert community_permissions.can_post_in_community(author, cast.community) is False
    assert community_permissions.can_reply_in_community(author, cast.community) is False
    with pytest.raises(PermissionDeniedError) as caught:
        community_permissions.check_can_post_in_community(author, cast.community)
    assert caught.value.code == "suspended"
    assert str(ends.year) in str(caught.value.message)


def test_a_community_ban_stops_starting_a_topic_there_but_not_elsewhere(cast: Cast) -> None:
    make_sanction(cast.author, "ban", cast.community)
    author = fresh(cast.author)
    topics = Topic.objects.count()

    with pytest.raises(PermissionDeniedError) as caught:
        discussion_actions.create_topic(
            actor=author, community=cast.community, title="Still here?", body="Hello again"
        )

    assert caught.value.code == "banned"
    assert Topic.objects.count() == topics
    assert community_permissions.can_post_in_community(author, cast.other) is True


def test_a_site_wide_suspension_applies_in_every_community(cast: Cast) -> None:
    make_sanction(cast.author, "suspension", None, ends_at=timezone.now() + timedelta(days=1))
    author = fresh(cast.author)

    assert community_permissions.can_post_in_community(author, cast.community) is False
    assert community_permissions.can_post_in_community(author, cast.other) is False
    with pytest.raises(PermissionDeniedError) as caught:
        enforcement.check_not_restricted(author, None)
    assert caught.value.code == "suspended"


@pytest.mark.parametrize(
    "fields",
    [
        {"ends_at_days": -1},  # over
        {"lifted": True},
        {"kind": "warning"},
    ],
)
def test_ended_lifted_and_warning_sanctions_do_not_restrict(cast: Cast, fields: dict) -> None:
    now = timezone.now()
    make_sanction(
        cast.author,
        fields.get("kind", "suspension"),
        cast.community,
        starts_at=now - timedelta(days=5),
        ends_at=now + timedelta(days=fields.get("ends_at_days", 2)),
        lifted_at=now if fields.get("lifted") else None,
    )

    assert enforcement.restriction_for(fresh(cast.author), cast.community) is None


def test_a_ban_wins_over_a_suspension(cast: Cast) -> None:
    make_sanction(cast.author, "suspension", cast.community, ends_at=timezone.now() + timedelta(1))
    ban = make_sanction(cast.author, "ban", cast.community)

    assert enforcement.restriction_for(fresh(cast.author), cast.community) == ban


def test_the_check_costs_one_query_per_request_object(cast: Cast, django_assert_num_queries):
    author = fresh(cast.author)
    with django_assert_num_queries(1):
        for _ in range(3):
            enforcement.restriction_for(author, cast.community)
            enforcement.is_premoderated(author, cast.other)


def test_sanctioning_takes_effect_for_the_same_object_at_once(cast: Cast) -> None:
    author = fresh(cast.author)
    assert community_permissions.can_post_in_community(author, cast.community) is True

    actions.sanction_member(
        actor=cast.moderator,
        member=author,
        community=cast.community,
        kind="suspension",
        reason=REASON,
        days=1,
    )

    assert community_permissions.can_post_in_community(author, cast.community) is False


def test_visitors_and_unsanctioned_members_are_not_restricted(cast: Cast) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert enforcement.restriction_for(AnonymousUser(), cast.community) is None
    assert enforcement.restriction_for(fresh(cast.member), cast.community) is None
    assert enforcement.is_premoderated(fresh(cast.member), cast.community) is False


def test_site_ban_is_detected_for_sign_in(cast: Cast) -> None:
    make_sanction(cast.author, "ban", cast.community)
    assert enforcement.is_banned_from_site(cast.author) is False
    make_sanction(cast.author, "ban", None)
    assert enforcement.is_banned_from_site(cast.author) is True
