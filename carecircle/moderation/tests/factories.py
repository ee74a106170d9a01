"""Moderation test set-up: the cast of roles, items, reports and trust, inserted directly."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from carecircle.accounts.models import User
from carecircle.communities.models import Community, Membership
from carecircle.core.factories import CommunityFactory, UserFactory, make_member, make_topic
from carecircle.discussions.models import Post, Topic
from carecircle.moderation.models import (
    MemberTrust,
    ModerationAction,
    Report,
    ReviewItem,
    Sanction,
    TrustLevel,
)

ROLES = (
    "member",
    "trusted",
    "professional",
    "moderator",
    "other_moderator",
    "manager",
    "site_admin",
)
MODERATING_ROLES = frozenset({"moderator", "manager", "site_admin"})
REASON = "Breaks the guideline on medical advice."


def make_trust(user: User, level: int, **counters: Any) -> MemberTrust:
    trust, _created = MemberTrust.objects.update_or_create(
        user=user, defaults={"level": level, **counters}
    )
    return trust


@dataclass
class Cast:
    """Everyone, around one community ("Type 2 Diabetes") and a second one ("Heart Health")."""

    community: Community
    other: Community
    author: User
    member: User
    trusted: User
    professional: User
    moderator: User
    other_moderator: User
    manager: User
    site_admin: User
    topic: Topic

    @property
    def first_post(self) -> Post:
        return Post.objects.get(topic=self.topic, position=1)

    @property
    def reply(self) -> Post:
        return Post.objects.get(topic=self.topic, position=2)

    def role(self, name: str) -> User:
        return getattr(self, name)  # type: ignore[no-any-return]


def build_cast() -> Cast:
    community = CommunityFactory(name="Type 2 Diabetes", slug="type-2-diabetes")
    other = CommunityFactory(name="Heart Health", slug="heart-health")
    author = UserFactory(display_name="Pat the patient", handle="patient", is_patient=True)
    member = UserFactory(display_name="Cam the caregiver", handle="caregiver")
    trusted = UserFactory(display_name="Tess trusted", handle="trusted")
    professional = UserFactory(
        display_name="Nurse Pro", handle="professional", is_professional=True
    )
    moderator = UserFactory(display_name="Mo the moderator", handle="moderator")
    other_moderator = UserFactory(display_name="Oz elsewhere", handle="othermod")
    manager = UserFactory(display_name="Meg the manager", handle="manager")
    site_admin = UserFactory(display_name="Ada the admin", handle="admin", is_site_admin=True)
    for user in (author, member, trusted, professional):
        make_member(community, user)
    make_member(community, moderator, Membership.Role.MODERATOR)
    make_member(community, manager, Membership.Role.MANAGER)
    make_member(other, other_moderator, Membership.Role.MODERATOR)
    make_member(other, author)
    make_trust(trusted, TrustLevel.TRUSTED)
    topic = make_topic(
        community, author, title="Stopping metformin", body="I stopped it last week.", replies=1
    )
    return Cast(
        community=community,
        other=other,
        author=author,
        member=member,
        trusted=trusted,
        professional=professional,
        moderator=moderator,
        other_moderator=other_moderator,
        manager=manager,
        site_admin=site_admin,
        topic=topic,
    )


@pytest.fixture(name="cast")
def cast_fixture(db: None) -> Cast:
    return build_cast()


def make_item(
    cast: Cast,
    *,
    queue: str = ReviewItem.Queue.GENERAL,
    post: Post | None = None,
    reporter: User | None = None,
    reason: str = Report.Reason.SPAM,
) -> ReviewItem:
    """An open item about a post (the reply by default) with one report."""
    post = post or cast.reply
    item = ReviewItem.objects.create(
        community=post.topic.community,
        queue=queue,
        kind=ReviewItem.Kind.POST,
        target_key=f"post:{post.pk}",
        post=post,
        topic=post.topic,
        member=post.author,
        report_count=1,
        body_snapshot=post.body,
    )
    Report.objects.create(item=item, reporter=reporter or cast.member, reason=reason)
    return item


def make_sanction(
    member: User, kind: str, community: Community | None = None, **fields: Any
) -> Sanction:
    return Sanction.objects.create(member=member, community=community, kind=kind, **fields)


def state(item: ReviewItem) -> dict[str, Any]:
    """What a denial must leave unchanged about an item and its content."""
    item.refresh_from_db()
    post = Post.objects.get(pk=item.post_id) if item.post_id else None
    return {
        "status": item.status,
        "is_escalated": item.is_escalated,
        "post_state": post.moderation_state if post else None,
        "post_deleted": post.is_deleted if post else None,
        "post_body": post.body if post else None,
        "topic_locked": Topic.objects.get(pk=item.topic_id).is_locked if item.topic_id else None,
        "actions": ModerationAction.objects.count(),
        "sanctions": Sanction.objects.count(),
    }
