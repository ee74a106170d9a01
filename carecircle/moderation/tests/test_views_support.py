"""Shared set-up for the moderation page tests (no tests here)."""

from __future__ import annotations

from typing import Any

import pytest

from carecircle.accounts.models import User
from carecircle.communities.models import Community, Membership
from carecircle.core.factories import UserFactory, make_member, make_topic
from carecircle.discussions.models import Post, Topic
from carecircle.moderation import (
    actions,
    context_processors,  # noqa: F401 - connects its sign-in receiver
)
from carecircle.moderation.models import (
    Appeal,
    ContextNote,
    CrisisResource,
    MemberNote,
    ModerationAction,
    ModerationSettings,
    Report,
    ReportReason,
    ReviewItem,
    Sanction,
    WatchedWord,
)

# Not MemberTrust: every signed-in request may count a visit there.
SNAPSHOT_MODELS = (
    ReviewItem,
    Report,
    ModerationAction,
    Sanction,
    MemberNote,
    Appeal,
    ContextNote,
    WatchedWord,
    ReportReason,
    ModerationSettings,
    CrisisResource,
    Topic,
    Post,
    Membership,
)


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row a moderation page may touch, to prove a refused request changed nothing."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values()) for model in SNAPSHOT_MODELS
    }


def text(response: Any) -> str:
    return str(response.content.decode())


@pytest.fixture
def site_admin(db: None) -> User:
    return UserFactory(display_name="Ada admin", handle="siteadmin", is_site_admin=True)


@pytest.fixture
def site_moderator(db: None) -> User:
    return UserFactory(display_name="Sid site moderator", handle="sitemod", is_site_moderator=True)


@pytest.fixture
def community_manager(community: Community) -> User:
    manager = UserFactory(display_name="Cora community manager", handle="cmanager")
    make_member(community, manager, Membership.Role.MANAGER)
    return manager


@pytest.fixture
def pro_member(community: Community, professional: User) -> User:
    make_member(community, professional)
    return professional


@pytest.fixture
def bad_topic(community: Community, caregiver: User) -> Topic:
    return make_topic(
        community,
        caregiver,
        title="Stop your insulin",
        body="Cinnamon cures diabetes, stop insulin.",
    )


def first_post(topic: Topic) -> Post:
    return Post.objects.get(topic=topic, position=1)


def report(reporter: User, post: Post, reason: str = "spam", note: str = "") -> ReviewItem:
    return actions.report_content(
        actor=reporter, kind="post", target_id=post.pk, reason=reason, note=note
    ).item


@pytest.fixture
def reported_item(bad_topic: Topic, patient: User) -> ReviewItem:
    """The caregiver's first post, reported by the patient as spam with a note."""
    return report(patient, first_post(bad_topic), "spam", "Selling something")
