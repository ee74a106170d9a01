"""Shared set-up for the moderation API tests (no tests here): one community with every role,
a neighbouring community with its own moderator, and snapshots proving nothing changed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from carecircle.accounts.models import User
from carecircle.communities.models import Community, Membership
from carecircle.core.factories import CommunityFactory, UserFactory, make_member, make_topic
from carecircle.discussions.models import Post, Topic
from carecircle.moderation.models import (
    Appeal,
    ContextNote,
    MemberNote,
    MemberTrust,
    ModerationAction,
    ModerationSettings,
    Report,
    ReportReason,
    ReviewItem,
    Sanction,
    TrustLevel,
    WatchedWord,
)
from conftest import client_for

API = "/api/v1"

# Every row of these is compared before and after a refused request.
SNAPSHOT_MODELS = (
    ReviewItem,
    Report,
    ModerationAction,
    Sanction,
    MemberNote,
    MemberTrust,
    Appeal,
    ContextNote,
    WatchedWord,
    ReportReason,
    ModerationSettings,
    Topic,
    Post,
    Membership,
)


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every field of every row a moderation request may touch."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values()) for model in SNAPSHOT_MODELS
    }


def call(client: Client, method: str, path: str, data: Any = None) -> Any:
    """One API request, with a JSON body when given."""
    if data is None:
        return getattr(client, method)(API + path)
    return getattr(client, method)(API + path, data=data, content_type="application/json")


@dataclass
class World:
    """Type 2 Diabetes with a member, a trusted member, a verified professional member, its
    moderator, a second moderator, a community manager, an author whose topic gets reported;
    Heart Health next door with a moderator of its own; Diabetes Support (moved-to, moderated by
    this community's moderators); and a site admin."""

    community: Community
    other_community: Community
    destination: Community
    author: User
    reporter: User
    member: User
    trusted: User
    professional: User
    moderator: User
    second_moderator: User
    other_moderator: User
    manager: User
    admin: User
    topic: Topic

    @property
    def first_post(self) -> Post:
        return Post.objects.get(topic=self.topic, position=1)

    def user(self, role: str) -> User:
        return {
            "member": self.member,
            "trusted": self.trusted,
            "professional": self.professional,
            "moderator": self.moderator,
            "other_moderator": self.other_moderator,
            "manager": self.manager,
            "admin": self.admin,
        }[role]

    def client(self, role: str) -> Client:
        return signed_in(self.user(role))


def signed_in(user: User) -> Client:
    """A client with a live session whose first request of the day is already made (that one
    counts a visit towards the trust level, which is not what a test compares)."""
    client = client_for(user)
    assert client.get(API + "/me").status_code == 200
    return client


ROLES = ("member", "trusted", "professional", "moderator", "other_moderator", "manager", "admin")


def build_world() -> World:
    community = CommunityFactory(name="Type 2 Diabetes", slug="type-2-diabetes")
    other = CommunityFactory(name="Heart Health", slug="heart-health")
    destination = CommunityFactory(name="Diabetes Support", slug="diabetes-support")

    author = UserFactory(display_name="Cam the caregiver", handle="caregiver")
    reporter = UserFactory(display_name="Pat the patient", handle="patient")
    member = UserFactory(display_name="Mel the member", handle="member")
    trusted = UserFactory(display_name="Tess the trusted", handle="trusted")
    professional = UserFactory(
        display_name="Nurse Pro", handle="professional", is_professional=True
    )
    moderator = UserFactory(display_name="Mo the moderator", handle="moderator")
    second = UserFactory(display_name="Sam the second moderator", handle="second")
    other_moderator = UserFactory(display_name="Oz from next door", handle="othermod")
    manager = UserFactory(display_name="Meg the manager", handle="commanager")
    admin = UserFactory(display_name="Ada the admin", handle="admin", is_site_admin=True)

    for user in (author, reporter, member, trusted, professional):
        make_member(community, user)
    make_member(community, moderator, Membership.Role.MODERATOR)
    make_member(community, second, Membership.Role.MODERATOR)
    make_member(community, manager, Membership.Role.MANAGER)
    make_member(other, other_moderator, Membership.Role.MODERATOR)
    make_member(other, member)
    make_member(destination, moderator, Membership.Role.MODERATOR)
    make_member(destination, manager, Membership.Role.MANAGER)
    MemberTrust.objects.create(user=trusted, level=TrustLevel.TRUSTED)

    topic = make_topic(
        community,
        author,
        title="Stopping metformin",
        body="I stopped my metformin and feel great, you should too.",
    )
    return World(
        community=community,
        other_community=other,
        destination=destination,
        author=author,
        reporter=reporter,
        member=member,
        trusted=trusted,
        professional=professional,
        moderator=moderator,
        second_moderator=second,
        other_moderator=other_moderator,
        manager=manager,
        admin=admin,
        topic=topic,
    )


@pytest.fixture(name="world")
def world_fixture(db: None) -> World:
    return build_world()


def report_topic(world: World, reason: str = "medically_inaccurate", note: str = "") -> ReviewItem:
    """The reporter reports the author's topic through the API; the item it lands in."""
    response = call(
        client_for(world.reporter),
        "post",
        "/reports",
        {"kind": "topic", "target_id": world.topic.pk, "reason": reason, "note": note},
    )
    assert response.status_code == 201, response.json()
    return ReviewItem.objects.get(reports__pk=response.json()["id"])
