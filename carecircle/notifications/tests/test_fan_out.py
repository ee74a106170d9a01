"""Watchers are looked up in the background: the request that starts a topic queues one task."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carecircle.core.factories import UserFactory, make_member
from carecircle.notifications import actions
from carecircle.notifications.models import Notification, WatchLevel
from carecircle.notifications.tests.factories import set_watch

pytestmark = pytest.mark.django_db


def _watchers(community, count: int) -> list:
    members = []
    for _ in range(count):
        member = UserFactory()
        make_member(community, member)
        set_watch(member, WatchLevel.WATCHING, community=community)
        members.append(member)
    return members


def test_notify_watchers_costs_the_request_no_query(
    community, topic, patient, django_capture_on_commit_callbacks
):
    _watchers(community, 5)
    with (
        CaptureQueriesContext(connection) as during,
        django_capture_on_commit_callbacks() as callbacks,
    ):
        actions.notify_watchers(
            kind="watched_topic", url="/t/1/", community_id=community.pk, actor=patient
        )
    assert len(during.captured_queries) == 0
    assert len(callbacks) == 1
    assert Notification.objects.count() == 0


def test_watchers_get_one_line_each_in_chunks_minus_excluded_and_actor(
    settings, community, topic, patient, caregiver, django_capture_on_commit_callbacks
):
    settings.CARECIRCLE_NOTIFICATION_FANOUT_CHUNK = 2
    watchers = _watchers(community, 5)
    set_watch(patient, WatchLevel.WATCHING, community=community)  # the actor watches too
    set_watch(caregiver, WatchLevel.NORMAL, community=community)
    mentioned = watchers[0]

    with django_capture_on_commit_callbacks(execute=True):
        actions.notify_watchers(
            kind="watched_topic",
            url=topic.get_absolute_url(),
            community_id=community.pk,
            topic_id=None,
            exclude_ids=[mentioned.pk],
            actor=patient,
            post_id=None,
        )

    assert sorted(Notification.objects.values_list("recipient_id", flat=True)) == sorted(
        member.pk for member in watchers[1:]
    )
    assert set(Notification.objects.values_list("kind", "actor_id").distinct()) == {
        ("watched_topic", patient.pk)
    }


def test_topic_watchers_are_found_beside_community_watchers(
    community, topic, patient, caregiver, moderator, django_capture_on_commit_callbacks
):
    set_watch(caregiver, WatchLevel.WATCHING, topic=topic)
    set_watch(moderator, WatchLevel.WATCHING, community=community)

    with django_capture_on_commit_callbacks(execute=True):
        actions.notify_watchers(
            kind="watched_reply",
            url=topic.get_absolute_url(),
            community_id=community.pk,
            topic_id=topic.pk,
            actor=patient,
            group_key=f"topic:{topic.pk}:posts",
        )

    assert sorted(Notification.objects.values_list("recipient_id", flat=True)) == sorted(
        [caregiver.pk, moderator.pk]
    )


def test_unknown_kind_is_a_programming_error(community):
    with pytest.raises(ValueError):
        actions.notify_watchers(kind="nonsense", url="/", community_id=community.pk)


def test_a_fan_out_run_twice_delivers_each_chunk_once(
    settings, community, topic, patient, monkeypatch, django_capture_on_commit_callbacks
):
    from carecircle.notifications.tasks import fan_out_watchers_task

    settings.CARECIRCLE_NOTIFICATION_FANOUT_CHUNK = 2
    watchers = _watchers(community, 3)
    queued: list[dict] = []
    monkeypatch.setattr(actions, "_enqueue_fan_out", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        actions.notify_watchers(
            kind="watched_topic", url="/t/1/", community_id=community.pk, actor=patient
        )
    [payload] = queued

    # The second run finds the first one's claim and queues nothing.
    assert [fan_out_watchers_task.enqueue(payload).return_value for _run in range(2)] == [3, 0]

    got = Notification.objects.order_by("recipient_id").values_list("recipient_id", "count")
    assert list(got) == [(watcher.pk, 1) for watcher in watchers]


def test_a_few_recipients_are_delivered_by_the_producers_process_after_commit(
    settings, monkeypatch, community, topic, patient, caregiver, django_capture_on_commit_callbacks
):
    """Embedded default: the process with the member's open page must write (and announce)
    the line itself, since a worker's in-memory broadcast would never reach that page."""
    settings.CARECIRCLE_NOTIFICATION_INLINE_MAX = 20
    queued = []
    monkeypatch.setattr(actions, "enqueue_delivery", queued.extend)

    with django_capture_on_commit_callbacks(execute=True):
        actions.notify(
            recipient_ids=[caregiver.pk],
            kind="reply",
            url=topic.get_absolute_url(),
            actor=patient,
            community_id=community.pk,
            topic_id=topic.pk,
        )

    assert queued == []
    assert list(Notification.objects.values_list("recipient_id", "kind")) == [
        (caregiver.pk, "reply")
    ]


def test_more_recipients_than_the_inline_limit_go_to_the_queue(
    settings,
    monkeypatch,
    community,
    topic,
    patient,
    caregiver,
    moderator,
    django_capture_on_commit_callbacks,
):
    settings.CARECIRCLE_NOTIFICATION_INLINE_MAX = 1
    queued = []
    monkeypatch.setattr(actions, "enqueue_delivery", queued.extend)

    with django_capture_on_commit_callbacks(execute=True):
        actions.notify(
            recipient_ids=[caregiver.pk, moderator.pk],
            kind="reply",
            url=topic.get_absolute_url(),
            actor=patient,
            community_id=community.pk,
            topic_id=topic.pk,
        )

    assert [sorted(payload["recipient_ids"]) for payload in queued] == [
        sorted([caregiver.pk, moderator.pk])
    ]
    assert Notification.objects.count() == 0


def test_a_failed_inline_delivery_is_queued_instead(
    settings, monkeypatch, community, topic, patient, caregiver, django_capture_on_commit_callbacks
):
    settings.CARECIRCLE_NOTIFICATION_INLINE_MAX = 20
    queued = []
    monkeypatch.setattr(actions, "enqueue_delivery", queued.extend)

    def broken(**payload):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(actions, "deliver_notifications", broken)

    with django_capture_on_commit_callbacks(execute=True):
        actions.notify(
            recipient_ids=[caregiver.pk],
            kind="reply",
            url=topic.get_absolute_url(),
            actor=patient,
            community_id=community.pk,
            topic_id=topic.pk,
        )

    assert [payload["recipient_ids"] for payload in queued] == [[caregiver.pk]]


def test_a_rerun_of_the_watcher_lookup_queues_nothing_even_if_watchers_changed(
    settings, community, topic, patient
):
    settings.CARECIRCLE_NOTIFICATION_FANOUT_CHUNK = 2
    watchers = _watchers(community, 3)
    payload = {
        "kind": "watched_topic",
        "url": topic.get_absolute_url(),
        "actor_id": patient.pk,
        "actor_label": "",
        "community_id": community.pk,
        "topic_id": None,
        "post_id": None,
        "conversation_id": None,
        "group_key": "",
        "data": {},
        "exclude_ids": [],
        "event_key": "5b0c-event",
    }

    assert actions.fan_out_watchers(payload) == 3
    # A new watcher would shift the chunks of a second lookup: the rerun must not run it.
    newcomer = _watchers(community, 1)[0]
    assert actions.fan_out_watchers(payload) == 0

    assert sorted(Notification.objects.values_list("recipient_id", flat=True)) == sorted(
        member.pk for member in watchers
    )
    assert not Notification.objects.filter(recipient=newcomer).exists()
