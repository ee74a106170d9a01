"""Badges for helpful participation (never for time spent or visits).

Each badge is earned by something another member can see and that helps the community: a
first post, a reply to a newcomer's first topic, posts others found helpful, an accepted
answer. Anonymous posts never count (a badge on the profile would tie the member to them),
and neither do posts that are deleted, hidden or waiting for approval.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Badge:
    key: str
    name: str | Promise
    description: str | Promise
    #: What to do to earn it, shown to the member.
    how_to_earn: str | Promise


BADGES: dict[str, Badge] = {
    badge.key: badge
    for badge in (
        Badge(
            "first_post",
            _("First post"),
            _("Shared something with a community for the first time."),
            _("Write a reply or start a topic in a community."),
        ),
        Badge(
            "first_topic",
            _("First topic"),
            _("Started a conversation for the first time."),
            _("Start a topic in a community."),
        ),
        Badge(
            "welcomed_newcomer",
            _("Welcoming"),
            _("Replied to a new member's first topic."),
            _("Reply to the first topic of someone who joined in the last three weeks."),
        ),
        Badge(
            "helpful_10",
            _("Helpful"),
            _("Posts marked helpful 10 times by other members."),
            _("Share what you know: others can mark your posts as helpful."),
        ),
        Badge(
            "helpful_50",
            _("Very helpful"),
            _("Posts marked helpful 50 times by other members."),
            _("Keep sharing: 50 helpful marks from other members."),
        ),
        Badge(
            "accepted_answer",
            _("Answered"),
            _("Gave an answer that someone marked as the answer to their question."),
            _("Answer a question; the person who asked can mark your reply as the answer."),
        ),
    )
}

HELPFUL_THRESHOLDS = {"helpful_10": 10, "helpful_50": 50}


def get_badge(key: str) -> Badge | None:
    return BADGES.get(key)


def earned_badges(user_id: int) -> set[str]:
    """The badge keys this member has earned now, from four aggregate queries."""
    from carecircle.core.models import ModerationState
    from carecircle.discussions.models import Post, Reaction, Topic

    visible = ModerationState.VISIBLE
    own_posts = Post.objects.filter(
        author_id=user_id,
        alias__isnull=True,
        is_deleted=False,
        moderation_state=visible,
        topic__is_deleted=False,
        topic__moderation_state=visible,
    )
    earned: set[str] = set()
    counts = own_posts.aggregate(posts=Count("pk"), topics=Count("pk", filter=Q(position=1)))
    if counts["posts"]:
        earned.add("first_post")
    if counts["topics"]:
        earned.add("first_topic")

    # A newcomer's first topic: started by a member within their first NEW_MEMBER_DAYS, and
    # no earlier topic of theirs exists.
    window = timedelta(days=settings.CARECIRCLE_NEW_MEMBER_DAYS)
    earlier_topic = Topic.objects.filter(
        author_id=OuterRef("topic__author_id"), created_at__lt=OuterRef("topic__created_at")
    )
    welcomed = (
        own_posts.filter(position__gt=1, topic__author__isnull=False)
        .exclude(topic__author_id=user_id)
        .filter(topic__created_at__lt=F("topic__author__date_joined") + window)
        .filter(~Exists(earlier_topic))
        .exists()
    )
    if welcomed:
        earned.add("welcomed_newcomer")

    helpful = (
        Reaction.objects.filter(
            kind=Reaction.Kind.HELPFUL,
            post__author_id=user_id,
            post__alias__isnull=True,
            post__is_deleted=False,
            post__moderation_state=visible,
        )
        .exclude(user_id=user_id)
        .count()
    )
    for key, threshold in HELPFUL_THRESHOLDS.items():
        if helpful >= threshold:
            earned.add(key)

    # Marking one's own reply as the answer to one's own question earns nothing.
    accepted = (
        Topic.objects.filter(
            is_deleted=False,
            accepted_post__author_id=user_id,
            accepted_post__alias__isnull=True,
            accepted_post__is_deleted=False,
            accepted_post__moderation_state=visible,
        )
        .exclude(author_id=user_id)
        .exists()
    )
    if accepted:
        earned.add("accepted_answer")
    return earned


def schedule_badge_check(user_ids: Iterable[int]) -> None:
    """After the current transaction commits, check whether these members earned a badge."""
    ids = sorted({int(user_id) for user_id in user_ids if user_id})
    if not ids:
        return

    def enqueue() -> None:
        from carecircle.engagement.tasks import check_badges_task

        for user_id in ids:
            check_badges_task.enqueue(user_id)

    transaction.on_commit(enqueue)
