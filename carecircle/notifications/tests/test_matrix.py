"""The preference matrix: kind × channel choice × watch levels × quiet hours × muted sender.

Each case delivers one event to thirteen members who differ in time zone (Tokyo, New York),
quiet hours (holding now or not, in their own zone) and whether they muted or blocked the
writer, plus one member without a push device. All share the case's channel choice and
watch levels. The expected outcome is written out below as plain tables, not derived from
the code under test.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta
from itertools import count

import pytest

from carecircle.accounts.models import User
from carecircle.communities.models import Membership
from carecircle.discussions.models import Post
from carecircle.messaging.models import MemberBlock
from carecircle.notifications.models import Notification, NotificationSettings, Watch
from carecircle.notifications.tests.factories import deliver, make_push_subscription

# NOW (conftest) is 13:00 UTC: 22:00 in Tokyo, 08:00 in New York.
NIGHT = (time(21), time(7))
MORNING = (time(7), time(9))
#: (zone, quiet hours window, whether the window holds at NOW in that zone)
QUIET_CASES = [
    ("Asia/Tokyo", NIGHT, True),
    ("Asia/Tokyo", MORNING, False),
    ("America/New_York", MORNING, True),
    ("America/New_York", NIGHT, False),
]
SENDER_CASES = ["none", MemberBlock.Level.MUTE, MemberBlock.Level.BLOCK]

KINDS = [
    "reply",
    "mention",
    "quote",
    "reaction",
    "watched_reply",
    "watched_topic",
    "accepted_answer",
    "moderation",
    "welcome",
    "message",
    "message_request",
    "badge",
]
#: What each kind is about: a topic and post, a community only, or no place.
PLACE = {
    "reply": "topic",
    "mention": "topic",
    "quote": "topic",
    "reaction": "topic",
    "watched_reply": "topic",
    "watched_topic": "topic",
    "accepted_answer": "topic",
    "moderation": "topic",
    "welcome": "community",
    "message": None,
    "message_request": None,
    "badge": None,
}
EMAIL_BY_DEFAULT = {
    "reply": True,
    "mention": True,
    "quote": True,
    "reaction": False,
    "watched_reply": True,
    "watched_topic": True,
    "accepted_answer": True,
    "moderation": False,
    "welcome": False,
    "message": True,
    "message_request": True,
    "badge": False,
}
PUSH_BY_DEFAULT = {
    "reply": True,
    "mention": True,
    "quote": False,
    "reaction": False,
    "watched_reply": False,
    "watched_topic": False,
    "accepted_answer": True,
    "moderation": True,
    "welcome": False,
    "message": True,
    "message_request": True,
    "badge": False,
}
CHANNEL_CASES = {
    "defaults": {},
    "in-app off": {"in_app": False},
    "email off": {"email": False},
    "push off": {"push": False},
    "email and push on": {"email": True, "push": True},
}


@dataclass(frozen=True)
class WatchCase:
    community: str | None
    topic: str | None
    #: Whether kinds bound to the topic arrive (reply, mention, quote, reaction, answer).
    topic_kinds: bool
    watched_reply: bool
    watched_topic: bool
    #: Whether kinds bound to the community alone arrive (welcome).
    community_kinds: bool


WATCH_CASES = {
    "no watch": WatchCase(None, None, True, False, False, True),
    "community normal": WatchCase("normal", None, True, False, False, True),
    "community watching": WatchCase("watching", None, True, True, True, True),
    "community muted": WatchCase("muted", None, False, False, False, False),
    "topic normal": WatchCase(None, "normal", True, False, False, True),
    "topic watching": WatchCase(None, "watching", True, True, False, True),
    "topic muted": WatchCase(None, "muted", False, False, False, True),
    "community muted, topic watching": WatchCase("muted", "watching", True, True, False, False),
    "community watching, topic normal": WatchCase("watching", "normal", True, False, True, True),
    "community watching, topic muted": WatchCase("watching", "muted", False, False, False, True),
}


def arrives(kind: str, watch: WatchCase, channels: dict[str, bool], sender: str) -> bool:
    if kind == "moderation":
        # From "the moderators", never a named member; in the bell whatever the member chose.
        return True
    if sender != "none" or not channels.get("in_app", True):
        return False
    if kind == "watched_reply":
        return watch.watched_reply
    if kind == "watched_topic":
        return watch.watched_topic
    if PLACE[kind] == "topic":
        return watch.topic_kinds
    if PLACE[kind] == "community":
        return watch.community_kinds
    return True


def emailed(kind: str, channels: dict[str, bool]) -> bool:
    # Moderation has no notification email at all (its notices are emailed by moderation).
    return kind != "moderation" and channels.get("email", EMAIL_BY_DEFAULT[kind])


def pushed(kind: str, channels: dict[str, bool], quiet: bool, has_device: bool) -> bool:
    return has_device and not quiet and channels.get("push", PUSH_BY_DEFAULT[kind])


_numbers = count(1)


@dataclass
class Recipient:
    user: User
    quiet: bool
    sender: str
    has_device: bool


def _recipients(community, kind, channels, frozen) -> list[Recipient]:
    """Thirteen members set up in bulk (a dozen queries, whatever the case)."""
    shapes = [
        (zone, window, quiet, sender, True)
        for zone, window, quiet in QUIET_CASES
        for sender in SENDER_CASES
    ] + [("America/New_York", NIGHT, False, "none", False)]
    users = User.objects.bulk_create(
        [
            User(
                email=f"matrix{number}@example.org",
                display_name=f"Matrix {number}",
                handle=f"matrix{number}",
                time_zone=zone,
            )
            for zone, *_rest in shapes
            for number in [next(_numbers)]
        ]
    )
    Membership.objects.bulk_create(
        [
            Membership(
                community=community,
                user=user,
                guidelines_version=community.guidelines_version,
                guidelines_accepted_at=frozen,
            )
            for user in users
        ]
    )
    NotificationSettings.objects.bulk_create(
        [
            NotificationSettings(
                user=user,
                channels={kind: channels} if channels else {},
                quiet_hours_start=window[0],
                quiet_hours_end=window[1],
            )
            for user, (_zone, window, *_rest) in zip(users, shapes, strict=True)
        ]
    )
    return [
        Recipient(user=user, quiet=quiet, sender=sender, has_device=has_device)
        for user, (_zone, _window, quiet, sender, has_device) in zip(users, shapes, strict=True)
    ]


@pytest.mark.parametrize("watch_name", list(WATCH_CASES))
@pytest.mark.parametrize("channel_name", list(CHANNEL_CASES))
@pytest.mark.parametrize("kind", KINDS)
def test_preference_matrix(
    community,
    topic,
    caregiver,
    kind,
    channel_name,
    watch_name,
    pushes,
    frozen_now,
    django_capture_on_commit_callbacks,
):
    channels = CHANNEL_CASES[channel_name]
    watch = WATCH_CASES[watch_name]
    people = _recipients(community, kind, channels, frozen_now)
    Watch.objects.bulk_create(
        [
            Watch(user=person.user, community=community, level=watch.community)
            for person in people
            if watch.community
        ]
        + [
            Watch(user=person.user, topic=topic, level=watch.topic)
            for person in people
            if watch.topic
        ]
    )
    MemberBlock.objects.bulk_create(
        [
            MemberBlock(blocker=person.user, blocked=caregiver, level=person.sender)
            for person in people
            if person.sender != "none"
        ]
    )
    for person in people:
        if person.has_device:
            make_push_subscription(person.user)
    place = PLACE[kind]
    with django_capture_on_commit_callbacks(execute=True):
        ids = deliver(
            [person.user for person in people],
            kind=kind,
            actor=None if kind == "moderation" else caregiver,
            actor_label="The moderators" if kind == "moderation" else "",
            community=community if place == "community" else None,
            topic=topic if place == "topic" else None,
            post=Post.objects.get(topic=topic, position=1) if place == "topic" else None,
        )

    expected = {
        person.user.pk: person for person in people if arrives(kind, watch, channels, person.sender)
    }
    rows = {row.recipient_id: row for row in Notification.objects.filter(pk__in=ids)}
    assert Notification.objects.count() == len(ids)
    assert sorted(rows) == sorted(expected)
    due = frozen_now + timedelta(minutes=10)
    assert {pk: row.email_due_at for pk, row in rows.items()} == {
        pk: due if emailed(kind, channels) else None for pk in expected
    }
    assert sorted(pushes.ids) == sorted(
        rows[pk].pk
        for pk, person in expected.items()
        if pushed(kind, channels, person.quiet, person.has_device)
    )
