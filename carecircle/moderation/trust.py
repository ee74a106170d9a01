"""Trust levels: computed daily from what a member did, or set by hand by moderators.

0 NEW at sign-up; 1 BASIC: account >= 1 day, >= 5 topics entered, >= 30 posts read, visited on
>= 2 days; 2 MEMBER: >= 7 days, visited >= 10 days, >= 100 posts read, >= 3 posts, >= 1 like
received, no sanction in 30 days; 3 TRUSTED: >= 30 days, visited >= 30 days, >= 500 posts read,
>= 20 posts, >= 10 likes received, no sanction in 90 days; 4 LEADER by hand only.
Reactions of every kind count as likes: a hug or "me too" is appreciation as much as a like.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from carecircle.moderation.models import MemberTrust, Sanction, TrustLevel


@dataclass(frozen=True)
class Requirement:
    level: int
    account_days: int
    days_visited: int
    topics_entered: int
    posts_read: int
    posts_created: int
    likes_received: int
    clean_days: int  # no sanction started in this many days


REQUIREMENTS = (
    Requirement(TrustLevel.TRUSTED, 30, 30, 0, 500, 20, 10, 90),
    Requirement(TrustLevel.MEMBER, 7, 10, 0, 100, 3, 1, 30),
    Requirement(TrustLevel.BASIC, 1, 2, 5, 30, 0, 0, 0),
)


def _last_sanction_at(user: Any) -> Any:
    """When the member's latest sanction started. Warnings count, and so do sanctions a
    moderator lifted early (they were deserved); one reversed by an upheld appeal does not,
    since the decision itself was found wrong."""
    from carecircle.moderation.models import Appeal

    return (
        Sanction.objects.filter(member_id=user.pk)
        .exclude(action__appeal__status=Appeal.Status.UPHELD)
        .order_by("-starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )


def compute_level(user: Any, trust: MemberTrust, *, now: Any = None) -> int:
    """The level `trust`'s counters earn (ignoring a manual level)."""
    now = now or timezone.now()
    account_days = (now - user.date_joined).days
    last_sanction = _last_sanction_at(user)
    for need in REQUIREMENTS:
        clean = (
            need.clean_days == 0
            or last_sanction is None
            or last_sanction < now - timedelta(days=need.clean_days)
        )
        if (
            account_days >= need.account_days
            and trust.days_visited >= need.days_visited
            and trust.topics_entered >= need.topics_entered
            and trust.posts_read >= need.posts_read
            and trust.posts_created >= need.posts_created
            and trust.likes_received >= need.likes_received
            and clean
        ):
            return need.level
    return TrustLevel.NEW


def count_activity(user: Any) -> tuple[int, int]:
    """(posts written, reactions received) from the discussions tables."""
    from carecircle.discussions.models import Post, Reaction

    posts = Post.objects.filter(
        Q(author_id=user.pk) | Q(alias__user_id=user.pk), is_deleted=False
    ).count()
    likes = (
        Reaction.objects.filter(post__author_id=user.pk)
        .exclude(user_id=user.pk)
        .aggregate(total=Count("pk"))["total"]
    )
    return posts, int(likes or 0)


def refresh(user: Any, *, now: Any = None) -> MemberTrust:
    """Recount and recompute one member's level and save it."""
    trust, _created = MemberTrust.objects.get_or_create(user_id=user.pk)
    trust.posts_created, trust.likes_received = count_activity(user)
    trust.level = compute_level(user, trust, now=now)
    trust.computed_at = now or timezone.now()
    trust.save(update_fields=["posts_created", "likes_received", "level", "computed_at"])
    return trust


def recompute_all() -> int:
    """Recompute every active member; returns how many levels changed."""
    from carecircle.accounts.models import User

    changed = 0
    for user in User.objects.filter(is_active=True).iterator(chunk_size=500):
        before = MemberTrust.objects.filter(user_id=user.pk).values_list("level", flat=True).first()
        if refresh(user).level != before:
            changed += 1
    return changed
