"""Trust levels: what each level needs, manual levels, and the cheap visit counter."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from carecircle.accounts.models import User
from carecircle.core.errors import PermissionDeniedError, ValidationFailed
from carecircle.discussions.models import Post, Reaction
from carecircle.moderation import actions, queries, trust
from carecircle.moderation.models import MemberTrust, ModerationAction, TrustLevel
from carecircle.moderation.tests.factories import (
    Cast,
    cast_fixture,  # noqa: F401  (the `cast` fixture)
    make_sanction,
    make_trust,
)


def _aged(user: User, days: int) -> User:
    User.objects.filter(pk=user.pk).update(date_joined=timezone.now() - timedelta(days=days))
    return User.objects.get(pk=user.pk)


def _likes(cast: Cast, user: User, count: int) -> None:
    post = Post.objects.filter(author=user).first()
    likers = [cast.member, cast.trusted, cast.professional, cast.moderator, cast.manager]
    for liker in likers[:count]:
        Reaction.objects.create(post=post, user=liker, kind="like")


@pytest.mark.parametrize(
    ("days", "counters", "expected"),
    [
        (0, {"days_visited": 5, "topics_entered": 9, "posts_read": 99}, TrustLevel.NEW),
        (1, {"days_visited": 2, "topics_entered": 5, "posts_read": 30}, TrustLevel.BASIC),
        (1, {"days_visited": 1, "topics_entered": 5, "posts_read": 30}, TrustLevel.NEW),
        (8, {"days_visited": 10, "topics_entered": 5, "posts_read": 100}, TrustLevel.MEMBER),
    ],
)
def test_levels_follow_activity(cast: Cast, days: int, counters: dict, expected: int) -> None:
    author = _aged(cast.author, days)  # wrote 2 posts in build_cast; needs a third for MEMBER
    Post.objects.create(topic=cast.topic, author=author, position=3, body="x", body_html="")
    _likes(cast, author, 1)
    make_trust(author, TrustLevel.NEW, **counters)

    assert actions.refresh_trust_level(user=author).level == expected


def test_a_recent_sanction_holds_a_member_back(cast: Cast) -> None:
    author = _aged(cast.author, 40)
    Post.objects.create(topic=cast.topic, author=author, position=3, body="x", body_html="")
    _likes(cast, author, 1)
    make_trust(author, TrustLevel.NEW, days_visited=40, topics_entered=9, posts_read=200)
    make_sanction(author, "warning", cast.community, starts_at=timezone.now() - timedelta(days=3))

    assert trust.refresh(author).level == TrustLevel.BASIC


def test_refresh_counts_posts_and_likes_from_discussions(cast: Cast) -> None:
    _likes(cast, cast.author, 3)

    record = trust.refresh(cast.author)

    assert (record.posts_created, record.likes_received) == (2, 3)


def test_professionals_and_staff_have_floors(cast: Cast) -> None:
    assert queries.trust_level_of(cast.professional) == TrustLevel.MEMBER
    assert queries.trust_level_of(cast.site_admin) == TrustLevel.LEADER
    assert queries.trust_level_of(User.objects.get(pk=cast.trusted.pk)) == TrustLevel.TRUSTED
    assert queries.trust_level_of(User.objects.get(pk=cast.member.pk)) == TrustLevel.NEW


def test_a_moderator_sets_and_clears_a_manual_level(cast: Cast) -> None:
    actions.set_trust_level(actor=cast.moderator, member=cast.member, level=3, reason="Known")
    assert queries.trust_level_of(User.objects.get(pk=cast.member.pk)) == TrustLevel.TRUSTED
    assert ModerationAction.objects.get().verb == "set_trust_level"

    actions.set_trust_level(actor=cast.moderator, member=cast.member, level=None)
    assert MemberTrust.objects.get(user=cast.member).manual_level is None


@pytest.mark.parametrize("role", ["member", "trusted", "professional", "other_moderator"])
def test_others_cannot_set_trust_levels(cast: Cast, role: str) -> None:
    # The caregiver belongs only to Type 2 Diabetes, which the other moderator does not moderate.
    with pytest.raises(PermissionDeniedError):
        actions.set_trust_level(actor=cast.role(role), member=cast.member, level=3)
    assert not MemberTrust.objects.filter(user=cast.member).exists()
    assert ModerationAction.objects.count() == 0


def test_only_site_staff_make_leaders(cast: Cast) -> None:
    with pytest.raises(ValidationFailed):
        actions.set_trust_level(actor=cast.moderator, member=cast.author, level=4)
    actions.set_trust_level(actor=cast.site_admin, member=cast.author, level=4)
    assert MemberTrust.objects.get(user=cast.author).manual_level == 4


def test_a_visit_counts_once_a_day_with_one_update(cast: Cast, django_assert_num_queries):
    actions.record_visit(user=cast.member)  # creates the row
    assert MemberTrust.objects.get(user=cast.member).days_visited == 1

    with django_assert_num_queries(0):
        actions.record_visit(user=cast.member)
    MemberTrust.objects.filter(user=cast.member).update(
        last_visited_on=timezone.localdate() - timedelta(days=1)
    )
    from django.core.cache import cache

    cache.clear()
    with django_assert_num_queries(1):
        actions.record_visit(user=cast.member)
    assert MemberTrust.objects.get(user=cast.member).days_visited == 2


def test_reading_a_topic_counts_posts_and_the_topic_once(cast: Cast) -> None:
    actions.record_topic_read(user=cast.member, topic_id=cast.topic.pk, posts_seen=2)
    actions.record_topic_read(user=cast.member, topic_id=cast.topic.pk, posts_seen=3)

    record = MemberTrust.objects.get(user=cast.member)
    assert (record.topics_entered, record.posts_read) == (1, 5)


def test_a_moderator_elsewhere_sets_the_level_of_a_member_there(cast: Cast) -> None:
    actions.set_trust_level(actor=cast.other_moderator, member=cast.author, level=2)
    assert MemberTrust.objects.get(user=cast.author).manual_level == 2


def test_the_daily_job_recomputes_everyone(cast: Cast) -> None:
    make_trust(cast.trusted, TrustLevel.TRUSTED)  # no activity: falls back

    changed = trust.recompute_all()

    assert MemberTrust.objects.get(user=cast.trusted).level == TrustLevel.NEW
    assert changed >= 1
