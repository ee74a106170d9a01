"""Serving upload files: who gets them (checked on every request) and with which headers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from carecircle.accounts.models import User
from carecircle.communities.models import Community, Membership
from carecircle.core.factories import CommunityFactory, UserFactory, make_member, make_topic
from carecircle.core.models import ModerationState
from carecircle.discussions.models import Post
from carecircle.messaging.models import ChatRoom, Conversation, MemberBlock, Message, Participant
from carecircle.resources.models import Resource
from carecircle.uploads.models import Upload
from carecircle.uploads.tests.conftest import make_upload

pytestmark = pytest.mark.django_db

PERSONAS = [
    "visitor",
    "outsider",
    "member",
    "blocked",
    "moderator",
    "owner",
    "participant",
    "former",
    "room_reader",
    "staff",
]


@dataclass
class World:
    people: dict[str, User | None]
    uploads: dict[str, Upload]


def _post_upload(owner: User, community: Community, **post_fields: Any) -> Upload:
    topic = make_topic(community, owner, title="Photos of my meter")
    post = Post.objects.get(topic=topic, position=1)
    if post_fields:
        Post.objects.filter(pk=post.pk).update(**post_fields)
    return make_upload(owner, post=post, alt_text="A meter")


@pytest.fixture
def world(db: None) -> World:
    people: dict[str, User | None] = {"visitor": None}
    for name in PERSONAS[1:]:
        people[name] = UserFactory(
            handle=name, display_name=name.title(), is_site_manager=name == "staff"
        )
    owner = people["owner"]
    assert owner is not None
    public = CommunityFactory(slug="public")
    members_only = CommunityFactory(slug="members", visibility=Community.Visibility.MEMBERS)
    hidden = CommunityFactory(slug="hidden", visibility=Community.Visibility.HIDDEN)
    for community in (public, members_only, hidden):
        make_member(community, owner)
        make_member(community, people["moderator"], Membership.Role.MODERATOR)  # type: ignore[arg-type]
    for name in ("member", "blocked", "room_reader"):
        make_member(public, people[name])  # type: ignore[arg-type]
    make_member(members_only, people["member"])  # type: ignore[arg-type]
    # The owner blocked this member: blocks hide nothing of a community's posts, nor files.
    MemberBlock.objects.create(blocker=owner, blocked=people["blocked"])

    conversation = Conversation.objects.create(kind=Conversation.Kind.GROUP, created_by=owner)
    Participant.objects.create(conversation=conversation, user=owner)
    Participant.objects.create(conversation=conversation, user=people["participant"])
    Participant.objects.create(
        conversation=conversation, user=people["former"], state=Participant.State.LEFT
    )
    dm = Message.objects.create(conversation=conversation, author=owner, body="See this")
    room = ChatRoom.objects.create(community=public, name="Coffee", slug="coffee")
    said = Message.objects.create(room=room, author=owner, body="Look")
    published = Resource.objects.create(
        community=public, kind=Resource.Kind.FILE, title="Leaflet", added_by=owner
    )
    suggested = Resource.objects.create(
        community=public,
        kind=Resource.Kind.FILE,
        title="My leaflet",
        status=Resource.Status.SUGGESTED,
        suggested_by=owner,
    )
    uploads = {
        "public_post": _post_upload(owner, public),
        "members_only_post": _post_upload(owner, members_only),
        "hidden_community_post": _post_upload(owner, hidden),
        "deleted_post": _post_upload(owner, public, is_deleted=True),
        "pending_post": _post_upload(owner, public, moderation_state=ModerationState.PENDING),
        "hidden_post": _post_upload(owner, public, moderation_state=ModerationState.HIDDEN),
        "conversation": make_upload(owner, message=dm, alt_text="x"),
        "room_message": make_upload(owner, message=said, alt_text="x"),
        "resource_published": make_upload(owner, kind=Upload.Kind.DOCUMENT, resource=published),
        "resource_suggested": make_upload(owner, kind=Upload.Kind.DOCUMENT, resource=suggested),
        "unattached": make_upload(owner),
    }
    return World(people=people, uploads=uploads)


EVERYONE = set(PERSONAS)
PUBLIC_MEMBERS = {"member", "blocked", "moderator", "owner", "room_reader"}
# Site staff see community content as moderators do, never private conversations.
EXPECTED_READERS = {
    "public_post": EVERYONE,
    "members_only_post": {"member", "moderator", "owner", "staff"},
    "hidden_community_post": {"moderator", "owner", "staff"},
    # Its owner always reads their own file (it is listed on "My uploads").
    "deleted_post": {"moderator", "owner", "staff"},
    "pending_post": {"moderator", "owner", "staff"},
    "hidden_post": {"moderator", "owner", "staff"},
    "conversation": {"owner", "participant"},
    "room_message": PUBLIC_MEMBERS | {"staff"},
    "resource_published": EVERYONE,
    "resource_suggested": {"moderator", "owner", "staff"},
    "unattached": {"owner"},
}


def test_access_matrix(world: World) -> None:
    clients = {}
    for name, person in world.people.items():
        clients[name] = Client()
        if person is not None:
            clients[name].force_login(person)
    seen: dict[str, set[str]] = {}
    for target, upload in world.uploads.items():
        url = reverse("upload_file", args=[upload.pk, "file"])
        seen[target] = set()
        for name, client in clients.items():
            status = client.get(url).status_code
            assert status in (200, 404), (target, name, status)
            if status == 200:
                seen[target].add(name)
    assert seen == EXPECTED_READERS


def test_access_is_checked_on_every_request(world: World) -> None:
    upload = world.uploads["members_only_post"]
    member = world.people["member"]
    client = Client()
    client.force_login(member)  # type: ignore[arg-type]
    url = reverse("upload_file", args=[upload.pk, "file"])
    first = client.get(url)
    assert first.status_code == 200
    b"".join(first.streaming_content)  # type: ignore[attr-defined]
    Membership.objects.filter(user=member).delete()
    assert client.get(url).status_code == 404
