"""Notification queries: the bell, the unread count, watch levels and settings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from carecircle.communities.models import Membership
from carecircle.core.factories import CommunityFactory, make_member, make_topic
from carecircle.core.models import ModerationState
from carecircle.discussions.models import Post, Topic
from carecircle.messaging.models import Conversation, Participant
from carecircle.notifications import actions, queries
from carecircle.notifications.models import WatchLevel
from carecircle.notifications.tests.factories import make_notification, make_settings, set_watch


def _ids(rows) -> list[int]:
    return [row.pk for row in rows]


def test_the_bell_lists_own_lines_newest_activity_first(topic, patient, caregiver):
    now = timezone.now()
    old = make_notification(patient, topic=topic, updated_at=now - timedelta(hours=2))
    new = make_notification(patient, topic=topic, updated_at=now)
    read = make_notification(patient, topic=topic, updated_at=now - timedelta(hours=1), read_at=now)
    make_notification(caregiver, topic=topic, updated_at=now)
    assert _ids(queries.notifications_for(patient)) == [new.pk, read.pk, old.pk]
    assert _ids(queries.notifications_for(patient, unread_only=True)) == [new.pk, old.pk]
    assert list(queries.notifications_for(AnonymousUser())) == []


def test_the_bell_is_one_query_with_its_related_rows(topic, patient, caregiver):
    post = Post.objects.get(topic=topic, position=1)
    for _ in range(3):
        make_notification(patient, topic=topic, post=post, actor=caregiver)
    with CaptureQueriesContext(connection) as captured:
        rows = list(queries.notifications_for(patient))
        names = [
            (row.actor.display_name, row.topic.title, row.community.name, row.post.position)
            for row in rows
        ]
    assert len(captured) == 1
    assert names == [("Cam the caregiver", "Tired after metformin", "Type 2 Diabetes", 1)] * 3


@pytest.mark.parametrize(
    ("model", "change"),
    [
        (Topic, {"is_deleted": True}),
        (Topic, {"moderation_state": ModerationState.HIDDEN}),
        (Post, {"is_deleted": True}),
        (Post, {"moderation_state": ModerationState.HIDDEN}),
        (Post, {"moderation_state": ModerationState.PENDING}),
    ],
)
def test_lines_about_deleted_or_hidden_things_drop_out(community, patient, model, change):
    topic = make_topic(community, patient, replies=1)
    post = Post.objects.get(topic=topic, position=2)
    gone = make_notification(patient, topic=topic, post=post)
    other = make_notification(patient, topic=make_topic(community, patient))
    model.objects.filter(pk=topic.pk if model is Topic else post.pk).update(**change)
    assert _ids(queries.notifications_for(patient)) == [other.pk]
    assert queries.count_unread(patient.pk) == 1
    # Still stored: it comes back if the moderators restore the post.
    assert gone.pk in _ids(type(gone).objects.all())


@pytest.mark.parametrize(
    "change", [{"is_deleted": True}, {"moderation_state": ModerationState.HIDDEN}]
)
def test_a_collapsed_reply_line_rests_on_its_topic_not_its_latest_post(community, patient, change):
    """A line standing for several replies stays while its topic does; a line about one post
    (one reply, a mention, a quote, a reaction, an accepted answer) goes with that post."""
    topic = make_topic(community, patient, replies=2)
    latest = Post.objects.get(topic=topic, position=3)
    key = f"topic:{topic.pk}:posts"
    replies = make_notification(patient, topic=topic, post=latest, group_key=key, count=2)
    watched = make_notification(
        patient, kind="watched_reply", topic=topic, post=latest, group_key=key + "x", count=3
    )
    about_one_post = [
        make_notification(patient, topic=topic, post=latest, group_key=key + "y", count=1),
        make_notification(patient, kind="mention", topic=topic, post=latest),
        make_notification(patient, kind="quote", topic=topic, post=latest),
        make_notification(
            patient, kind="reaction", topic=topic, post=latest, group_key="r", count=4
        ),
        make_notification(patient, kind="accepted_answer", topic=topic, post=latest),
    ]
    assert len(_ids(queries.notifications_for(patient))) == 7

    Post.objects.filter(pk=latest.pk).update(**change)

    assert sorted(_ids(queries.notifications_for(patient))) == [replies.pk, watched.pk]
    assert queries.count_unread(patient.pk) == 2
    assert all(line.pk not in _ids(queries.notifications_for(patient)) for line in about_one_post)
    Topic.objects.filter(pk=topic.pk).update(**change)
    assert _ids(queries.notifications_for(patient)) == []


def test_lines_about_a_members_only_community_the_member_left_drop_out(
    private_community, private_topic, patient, manager
):
    about_topic = make_notification(patient, topic=private_topic)
    about_place = make_notification(patient, kind="welcome", community=private_community)
    staff_line = make_notification(manager, topic=private_topic)
    assert _ids(queries.notifications_for(patient)) == [about_place.pk, about_topic.pk]
    Membership.objects.filter(community=private_community, user=patient).delete()
    assert _ids(queries.notifications_for(patient)) == []
    assert queries.count_unread(patient.pk) == 0
    # Site staff read every community.
    assert _ids(queries.notifications_for(manager)) == [staff_line.pk]


def test_a_topic_moved_to_a_closed_community_follows_its_new_home(community, topic, patient):
    line = make_notification(patient, topic=topic)
    closed = CommunityFactory(visibility="members")
    Topic.objects.filter(pk=topic.pk).update(community=closed)
    assert _ids(queries.notifications_for(patient)) == []
    make_member(closed, patient)
    assert _ids(queries.notifications_for(patient)) == [line.pk]


def test_lines_about_a_conversation_the_member_left_drop_out(patient, caregiver):
    conversation = Conversation.objects.create(kind="direct", created_by=caregiver)
    place = Participant.objects.create(conversation=conversation, user=patient)
    line = make_notification(patient, kind="message", conversation=conversation)
    assert _ids(queries.notifications_for(patient)) == [line.pk]
    place.state = Participant.State.LEFT
    place.save(update_fields=["state"])
    assert _ids(queries.notifications_for(patient)) == []


def test_unread_count_is_cached_until_an_action_changes_it(
    topic, patient, django_capture_on_commit_callbacks
):
    first = make_notification(patient, topic=topic)
    make_notification(patient, topic=topic)
    make_notification(patient, topic=topic, read_at=timezone.now())
    assert queries.unread_count(patient) == 2
    assert cache.get(queries.unread_key(patient.pk)) == 2
    with CaptureQueriesContext(connection) as captured:
        assert queries.unread_count(patient) == 2
    assert len(captured) == 0
    with django_capture_on_commit_callbacks(execute=True):
        actions.mark_read(actor=patient, notification=first)
        # Recounted only once the change is committed (a count taken earlier would be stale).
        assert cache.get(queries.unread_key(patient.pk)) == 2
    assert cache.get(queries.unread_key(patient.pk)) == 1
    assert queries.unread_count(patient) == 1
    assert queries.unread_count(AnonymousUser()) == 0


def test_unread_counts_of_many_members_in_one_query(topic, patient, caregiver, moderator):
    make_notification(patient, topic=topic)
    make_notification(patient, topic=topic)
    make_notification(caregiver, topic=topic)
    make_notification(caregiver, topic=topic, read_at=timezone.now())
    with CaptureQueriesContext(connection) as captured:
        counts = queries.count_unread_many([moderator.pk, caregiver.pk, patient.pk])
    assert len(captured) == 1
    assert counts == {patient.pk: 2, caregiver.pk: 1, moderator.pk: 0}
    assert queries.count_unread_many([]) == {}


def test_watch_level_topic_own_then_community_then_normal(community, topic, patient):
    assert queries.watch_level_for(patient, topic=topic) == "normal"
    assert queries.watch_level_for(patient, community=community) == "normal"
    assert queries.watch_of(patient, community=community) is None
    community_watch = set_watch(patient, WatchLevel.WATCHING, community=community)
    assert queries.watch_level_for(patient, topic=topic) == "watching"
    assert queries.watch_level_for(patient, community=community) == "watching"
    assert queries.watch_of(patient, topic=topic) is None
    topic_watch = set_watch(patient, WatchLevel.MUTED, topic=topic)
    assert queries.watch_level_for(patient, topic=topic) == "muted"
    assert queries.watch_level_for(patient, community=community) == "watching"
    assert queries.watch_of(patient, topic=topic) == topic_watch
    assert queries.watch_of(patient, community=community) == community_watch
    assert queries.watch_level_for(AnonymousUser(), topic=topic) == "normal"
    assert queries.watch_of(AnonymousUser(), topic=topic) is None


def test_settings_of(patient, caregiver):
    row = make_settings(patient, digest="daily")
    assert queries.settings_of(patient) == row
    assert queries.settings_of(caregiver) is None
    assert queries.settings_of(AnonymousUser()) is None
