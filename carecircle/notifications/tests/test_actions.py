"""Notification actions: notify and delivery, marking read, watch levels and settings."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from carecircle.communities.models import Membership
from carecircle.core.errors import NotFoundError, PermissionDeniedError, ValidationFailed
from carecircle.core.factories import CommunityFactory, UserFactory, make_member, make_topic
from carecircle.core.models import ModerationState
from carecircle.discussions.models import Post, Topic
from carecircle.messaging.models import MemberBlock
from carecircle.notifications import actions, queries
from carecircle.notifications.models import (
    DigestFrequency,
    Notification,
    NotificationDelivery,
    NotificationSettings,
    Watch,
    WatchLevel,
)
from carecircle.notifications.tests.factories import (
    deliver,
    make_notification,
    make_push_subscription,
    make_settings,
    set_watch,
)

DELAY = timedelta(minutes=10)


def _post(topic: Topic, position: int) -> Post:
    return Post.objects.get(topic=topic, position=position)


def _row(recipient) -> Notification:
    return Notification.objects.get(recipient=recipient)


# --- notify --------------------------------------------------------------------------------


def test_notify_delivers_after_the_producer_commits(
    topic, patient, caregiver, moderator, django_capture_on_commit_callbacks, frozen_now
):
    with django_capture_on_commit_callbacks(execute=True):
        actions.notify(
            recipient_ids=[patient.pk, moderator.pk, caregiver.pk],
            kind="reply",
            url=f"/t/{topic.pk}/",
            actor=caregiver,
            topic_id=topic.pk,
            post_id=_post(topic, 1).pk,
            group_key=f"topic:{topic.pk}:posts",
            data={"position": 1},
        )
        # Nothing is written before the producer's transaction commits.
        assert Notification.objects.count() == 0

    rows = Notification.objects.order_by("recipient_id")
    assert [row.recipient_id for row in rows] == sorted([patient.pk, moderator.pk])
    row = rows.get(recipient=patient)
    assert (row.kind, row.url, row.actor_id, row.actor_label) == (
        "reply",
        f"/t/{topic.pk}/",
        caregiver.pk,
        "",
    )
    assert (row.community_id, row.topic_id, row.post_id, row.conversation_id) == (
        topic.community_id,
        topic.pk,
        _post(topic, 1).pk,
        None,
    )
    assert (row.group_key, row.count, row.data) == (f"topic:{topic.pk}:posts", 1, {"position": 1})
    assert (row.updated_at, row.read_at, row.email_due_at) == (frozen_now, None, frozen_now + DELAY)


def test_notify_in_a_rolled_back_transaction_notifies_nobody(
    topic, patient, caregiver, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        actions.notify(
            recipient_ids=[patient.pk],
            kind="reply",
            url="/",
            actor=caregiver,
            topic_id=topic.pk,
        )
        raise RuntimeError("the producer failed")
    assert Notification.objects.count() == 0


def test_notify_splits_recipients_into_chunks(
    community, topic, patient, caregiver, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.CARECIRCLE_NOTIFICATION_FANOUT_CHUNK = 2
    others = [UserFactory() for _ in range(3)]
    chunks: list[list[int]] = []
    real = actions.deliver_notifications

    def recording(**payload):
        chunks.append(payload["recipient_ids"])
        return real(**payload)

    monkeypatch.setattr(actions, "deliver_notifications", recording)
    ids = sorted([patient.pk, caregiver.pk] + [other.pk for other in others])
    with django_capture_on_commit_callbacks(execute=True):
        actions.notify(recipient_ids=reversed(ids), kind="reply", url="/", topic_id=topic.pk)
    assert chunks == [ids[0:2], ids[2:4], ids[4:5]]
    assert sorted(Notification.objects.values_list("recipient_id", flat=True)) == ids


def test_notify_never_raises_because_delivery_failed(
    topic, patient, caregiver, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(**payload):
        raise RuntimeError("database went away")

    monkeypatch.setattr(actions, "deliver_notifications", broken)
    with django_capture_on_commit_callbacks(execute=True):
        actions.notify(recipient_ids=[patient.pk], kind="reply", url="/", topic_id=topic.pk)
    assert Notification.objects.count() == 0


def test_notify_refuses_an_unknown_kind(patient, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ValueError, match="no_such_kind"),
    ):
        actions.notify(recipient_ids=[patient.pk], kind="no_such_kind", url="/")
    assert callbacks == []
    assert Notification.objects.count() == 0


# --- deliver: who ---------------------------------------------------------------------------


def test_the_actor_is_never_notified_about_their_own_action(topic, patient):
    assert deliver([patient], actor=patient, topic=topic) == []
    assert Notification.objects.count() == 0


def test_anonymous_writer_label_is_kept_and_no_actor_is_stored(topic, patient, caregiver):
    MemberBlock.objects.create(blocker=patient, blocked=caregiver)
    ids = deliver([patient], actor=None, actor_label="Anonymous member 3", topic=topic)
    row = _row(patient)
    assert ids == [row.pk]
    assert (row.actor_id, row.actor_label) == (None, "Anonymous member 3")


def test_inactive_and_memorialised_members_are_skipped(topic, patient, caregiver, moderator):
    caregiver.is_active = False
    caregiver.save(update_fields=["is_active"])
    moderator.memorialised_at = timezone.now()
    moderator.save(update_fields=["memorialised_at"])
    deliver([patient, caregiver, moderator], actor=None, topic=topic)
    assert list(Notification.objects.values_list("recipient_id", flat=True)) == [patient.pk]


@pytest.mark.parametrize("level", [MemberBlock.Level.MUTE, MemberBlock.Level.BLOCK])
def test_members_who_muted_or_blocked_the_actor_hear_nothing(
    topic, patient, caregiver, moderator, level
):
    MemberBlock.objects.create(blocker=patient, blocked=caregiver, level=level)
    # The other direction does not silence anyone.
    MemberBlock.objects.create(blocker=caregiver, blocked=moderator, level=level)
    deliver([patient, moderator], actor=caregiver, topic=topic)
    assert list(Notification.objects.values_list("recipient_id", flat=True)) == [moderator.pk]


def test_a_member_who_left_a_members_only_community_is_not_notified(
    private_community, private_topic, patient, caregiver, manager
):
    make_member(private_community, caregiver)
    Membership.objects.filter(community=private_community, user=patient).delete()
    deliver([patient, caregiver, manager], actor=None, topic=private_topic)
    # Site staff read every community; the patient no longer may.
    assert sorted(Notification.objects.values_list("recipient_id", flat=True)) == sorted(
        [caregiver.pk, manager.pk]
    )


@pytest.mark.parametrize(
    ("what", "change"),
    [
        ("topic", {"is_deleted": True}),
        ("topic", {"moderation_state": ModerationState.HIDDEN}),
        ("topic", {"moderation_state": ModerationState.PENDING}),
        ("post", {"is_deleted": True}),
        ("post", {"moderation_state": ModerationState.HIDDEN}),
        ("post", {"moderation_state": ModerationState.PENDING}),
    ],
)
def test_nothing_is_delivered_about_a_deleted_or_hidden_topic_or_post(
    community, patient, caregiver, what, change
):
    topic = make_topic(community, patient, replies=1)
    post = _post(topic, 2)
    (Topic if what == "topic" else Post).objects.filter(
        pk=topic.pk if what == "topic" else post.pk
    ).update(**change)
    assert deliver([patient], actor=caregiver, topic=topic, post=post) == []
    assert Notification.objects.count() == 0


def test_a_post_alone_binds_its_topic_and_community(topic, patient, caregiver):
    deliver([patient], kind="reaction", actor=caregiver, post=_post(topic, 1))
    row = _row(patient)
    assert (row.topic_id, row.community_id, row.post_id) == (
        topic.pk,
        topic.community_id,
        _post(topic, 1).pk,
    )


def test_in_app_switched_off_means_no_line_and_no_email(topic, patient, caregiver):
    make_settings(patient, channels={"reply": {"in_app": False}})
    assert deliver([patient], actor=caregiver, topic=topic) == []
    assert Notification.objects.count() == 0


def test_required_in_app_line_arrives_even_when_switched_off(topic, patient):
    make_settings(patient, channels={"moderation": {"in_app": False, "email": True}})
    deliver([patient], kind="moderation", actor_label="The moderators", topic=topic)
    row = _row(patient)
    # Moderation emails its own notices: no notification email for this kind.
    assert (row.kind, row.email_due_at) == ("moderation", None)


# --- deliver: email --------------------------------------------------------------------------


def test_email_waits_for_the_configured_delay(topic, patient, caregiver, settings, frozen_now):
    settings.CARECIRCLE_NOTIFICATION_EMAIL_DELAY_MINUTES = 3
    make_settings(caregiver, is_email_paused=True)
    deliver([patient, caregiver], actor=None, topic=topic)
    assert _row(patient).email_due_at == frozen_now + timedelta(minutes=3)
    assert _row(caregiver).email_due_at is None


def test_kind_without_email_by_default_sets_no_email(topic, patient, caregiver):
    deliver([patient], kind="reaction", actor=caregiver, topic=topic)
    assert _row(patient).email_due_at is None


# --- deliver: collapse ------------------------------------------------------------------------


def test_three_replies_collapse_into_one_line(
    community, patient, caregiver, moderator, monkeypatch
):
    topic = make_topic(community, patient, replies=3)
    key = f"topic:{topic.pk}:posts"
    start = timezone.now()
    times = iter([start, start + timedelta(minutes=1), start + timedelta(minutes=2)])
    writers = [caregiver, moderator, caregiver]
    ids = []
    for position, writer in zip([2, 3, 4], writers, strict=True):
        moment = next(times)
        monkeypatch.setattr(timezone, "now", lambda moment=moment: moment)
        ids.append(
            deliver(
                [patient],
                actor=writer,
                topic=topic,
                post=_post(topic, position),
                group_key=key,
                url=f"/p/{_post(topic, position).pk}/",
                data={"position": position},
            )
        )
    row = _row(patient)
    assert ids == [[row.pk], [row.pk], [row.pk]]
    assert (row.count, row.actor_id, row.post_id, row.url, row.data) == (
        3,
        caregiver.pk,
        _post(topic, 4).pk,
        f"/p/{_post(topic, 4).pk}/",
        {"position": 4},
    )
    assert row.updated_at == start + timedelta(minutes=2)
    # One email for the line, due after the first event, not pushed back by later ones.
    assert row.email_due_at == start + DELAY


def test_a_read_line_does_not_collapse_a_new_event(topic, patient, caregiver):
    key = f"topic:{topic.pk}:posts"
    first = make_notification(patient, topic=topic, group_key=key, read_at=timezone.now(), count=4)
    [new_id] = deliver([patient], actor=caregiver, topic=topic, group_key=key)
    assert new_id != first.pk
    first.refresh_from_db()
    assert first.count == 4
    assert Notification.objects.get(pk=new_id).count == 1


def test_collapse_sends_no_second_email_for_an_emailed_unread_line(
    topic, patient, caregiver, professional, frozen_now
):
    make_member(topic.community, professional)
    key = f"topic:{topic.pk}:posts"
    sent_at = frozen_now - timedelta(hours=1)
    emailed = make_notification(
        patient, topic=topic, group_key=key, email_due_at=sent_at, emailed_at=sent_at
    )
    # Caregiver's line had email switched off when it arrived; email is on now.
    silent = make_notification(caregiver, topic=topic, group_key=key)
    deliver([patient, caregiver], actor=professional, topic=topic, group_key=key)
    emailed.refresh_from_db()
    silent.refresh_from_db()
    assert (emailed.count, emailed.email_due_at, emailed.emailed_at) == (2, sent_at, sent_at)
    assert (silent.count, silent.email_due_at, silent.emailed_at) == (2, frozen_now + DELAY, None)


def test_collapse_survives_a_line_created_by_a_concurrent_delivery(
    topic, patient, caregiver, monkeypatch
):
    """Another worker created the unread line after this one looked: the insert hits the
    partial unique constraint, and the retry collapses into the other worker's line."""
    key = f"topic:{topic.pk}:posts"
    racer = make_notification(patient, topic=topic, group_key=key)
    real = Notification.objects.select_for_update
    calls = []

    def blind_first_look(*args, **kwargs):
        calls.append(1)
        return Notification.objects.none() if len(calls) == 1 else real(*args, **kwargs)

    monkeypatch.setattr(Notification.objects, "select_for_update", blind_first_look)
    assert deliver([patient], actor=caregiver, topic=topic, group_key=key) == [racer.pk]
    assert len(calls) == 2
    racer.refresh_from_db()
    assert (Notification.objects.count(), racer.count, racer.actor_id) == (1, 2, caregiver.pk)


def test_collapse_keeps_the_higher_kind_and_its_email(
    topic, patient, caregiver, professional, frozen_now
):
    """A reply to the member (emailed) is not turned into a post in a watched topic (not
    emailed, by the member's choice) by the next post there; the other way round it rises."""
    make_member(topic.community, professional)
    key = f"topic:{topic.pk}:posts"
    for member in (patient, caregiver):
        set_watch(member, WatchLevel.WATCHING, topic=topic)
        make_settings(member, channels={"watched_reply": {"email": False}})
    [reply_line] = deliver([patient], kind="reply", actor=professional, topic=topic, group_key=key)
    [watch_line] = deliver(
        [caregiver], kind="watched_reply", actor=professional, topic=topic, group_key=key
    )

    deliver([patient], kind="watched_reply", actor=professional, topic=topic, group_key=key)
    deliver([caregiver], kind="reply", actor=professional, topic=topic, group_key=key)

    got = Notification.objects.order_by("pk").values_list("pk", "kind", "count", "email_due_at")
    assert list(got) == [
        (reply_line, "reply", 2, frozen_now + DELAY),
        (watch_line, "reply", 2, frozen_now + DELAY),
    ]


def test_collapsed_kind_ranks_mention_quote_reply_watched_reply():
    ranked = ["watched_reply", "reply", "quote", "mention"]
    for low, high in zip(ranked, ranked[1:], strict=False):
        assert actions.collapsed_kind(low, high) == high
        assert actions.collapsed_kind(high, low) == high
    # Outside the ranking a line keeps its own kind.
    assert actions.collapsed_kind("reaction", "reply") == "reaction"
    assert actions.collapsed_kind("reply", "reaction") == "reply"
    assert actions.collapsed_kind("message", "message") == "message"


# --- deliver: a task that runs twice ----------------------------------------------------------


def _payload(recipients, *, kind, actor, topic, group_key="", event_key) -> dict:
    return {
        "recipient_ids": [recipient.pk for recipient in recipients],
        "kind": kind,
        "url": "/somewhere/",
        "actor_id": actor.pk,
        "actor_label": "",
        "community_id": topic.community_id,
        "topic_id": topic.pk,
        "post_id": None,
        "conversation_id": None,
        "group_key": group_key,
        "data": {},
        "event_key": event_key,
    }


def test_the_same_delivery_task_run_twice_writes_once(
    topic, patient, caregiver, moderator, pushes, frozen_now, django_capture_on_commit_callbacks
):
    from carecircle.notifications.tasks import deliver_notifications_task

    key = f"topic:{topic.pk}:posts"
    make_push_subscription(patient)
    mention = _payload([patient], kind="mention", actor=caregiver, topic=topic, event_key="a:0")
    reply = _payload(
        [patient], kind="reply", actor=caregiver, topic=topic, group_key=key, event_key="b:0"
    )
    with django_capture_on_commit_callbacks(execute=True):
        results = [
            deliver_notifications_task.enqueue(payload).return_value
            for payload in (mention, mention, reply, reply)
        ]

    assert results == [1, 0, 1, 0]
    got = Notification.objects.order_by("pk").values_list("kind", "count", "email_due_at")
    assert list(got) == [("mention", 1, frozen_now + DELAY), ("reply", 1, frozen_now + DELAY)]
    assert len(pushes.ids) == 2
    assert sorted(NotificationDelivery.objects.values_list("key", flat=True)) == ["a:0", "b:0"]
    # Another event (another key) still collapses into the line.
    again = _payload(
        [patient], kind="reply", actor=moderator, topic=topic, group_key=key, event_key="c:0"
    )
    assert deliver_notifications_task.enqueue(again).return_value == 1
    assert Notification.objects.get(kind="reply").count == 2


def test_a_delivery_without_an_event_key_claims_nothing(topic, patient, caregiver):
    """Direct callers (the demo loader) pass no key: nothing is claimed, nothing refused."""
    deliver([patient], kind="mention", actor=caregiver, topic=topic)
    deliver([patient], kind="mention", actor=caregiver, topic=topic)
    assert Notification.objects.filter(recipient=patient, kind="mention").count() == 2
    assert NotificationDelivery.objects.count() == 0


def test_a_claim_rolls_back_with_the_lines_it_guards(topic, patient, caregiver, monkeypatch):
    def broken(**fields):
        raise RuntimeError("the database went away mid-write")

    monkeypatch.setattr(actions, "_save_attempt", broken)
    payload = _payload([patient], kind="mention", actor=caregiver, topic=topic, event_key="d:0")
    with pytest.raises(RuntimeError):
        actions.deliver_notifications(**payload)
    assert NotificationDelivery.objects.count() == 0
    monkeypatch.undo()
    # The retry delivers.
    assert len(actions.deliver_notifications(**payload)) == 1


def test_notify_gives_every_chunk_of_every_event_its_own_key(
    topic, patient, caregiver, moderator, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.CARECIRCLE_NOTIFICATION_FANOUT_CHUNK = 2
    queued: list[dict] = []
    monkeypatch.setattr(actions, "enqueue_delivery", queued.extend)
    with django_capture_on_commit_callbacks(execute=True):
        for _event in range(2):
            actions.notify(
                recipient_ids=[patient.pk, caregiver.pk, moderator.pk],
                kind="reply",
                url="/",
                topic_id=topic.pk,
            )
    keys = [payload["event_key"] for payload in queued]
    events = [key.partition(":")[0] for key in keys]
    assert [key.partition(":")[2] for key in keys] == ["0", "1", "0", "1"]
    assert events[0] == events[1] != events[2] == events[3]
    assert all(len(event) == 32 for event in events)


def test_old_delivery_claims_are_purged_by_a_daily_job(db, frozen_now):
    from carecircle.core.schedule import REGISTRY
    from carecircle.notifications.tasks import purge_delivery_claims_task

    old = NotificationDelivery.objects.create(key="old:0")
    recent = NotificationDelivery.objects.create(key="recent:0")
    NotificationDelivery.objects.filter(pk=old.pk).update(
        created_at=frozen_now - timedelta(days=14, seconds=1)
    )
    NotificationDelivery.objects.filter(pk=recent.pk).update(
        created_at=frozen_now - timedelta(days=13)
    )

    assert purge_delivery_claims_task.enqueue().return_value == 1

    assert list(NotificationDelivery.objects.values_list("key", flat=True)) == ["recent:0"]
    job = REGISTRY["notifications.purge_delivery_claims"]
    assert (job.every, job.task) == (
        timedelta(days=1),
        "carecircle.notifications.tasks.purge_delivery_claims_task",
    )


# --- deliver: push and live count --------------------------------------------------------------


def test_push_is_queued_only_for_subscribed_members_outside_quiet_hours(
    community,
    topic,
    patient,
    caregiver,
    moderator,
    professional,
    pushes,
    frozen_now,
    django_capture_on_commit_callbacks,
):
    make_member(community, professional)
    for member in (patient, caregiver, moderator):
        make_push_subscription(member)
    make_push_subscription(patient, label="Laptop")
    # 13:00 UTC is 08:00 in New York: inside 07:00-09:00 there, not in Tokyo (22:00).
    for member, zone in ((caregiver, "America/New_York"), (patient, "Asia/Tokyo")):
        member.time_zone = zone
        member.save(update_fields=["time_zone"])
        make_settings(member, quiet_hours=(time(7), time(9)))
    make_settings(moderator, channels={"reply": {"push": False}})
    with django_capture_on_commit_callbacks(execute=True):
        deliver([patient, caregiver, moderator, professional], actor=None, topic=topic)
    assert pushes.ids == [_row(patient).pk]


def test_live_count_is_broadcast_and_cached_after_commit(
    topic, patient, caregiver, listen, django_capture_on_commit_callbacks
):
    make_notification(patient, topic=topic)
    make_notification(patient, topic=topic, read_at=timezone.now())
    assert queries.unread_count(patient) == 1
    theirs = listen(f"user:{patient.pk}")
    mine = listen(f"user:{caregiver.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        deliver([patient, caregiver], actor=None, topic=topic)
        assert theirs.events() == []
    assert theirs.events() == [{"type": "notifications", "unread": 2}]
    assert mine.events() == [{"type": "notifications", "unread": 1}]
    assert cache.get(queries.unread_key(patient.pk)) == 2
    assert cache.get(queries.unread_key(caregiver.pk)) == 1


def test_refresh_unread_about_recounts_only_members_with_unread_lines_about_it(
    community, topic, patient, caregiver, moderator, listen, django_capture_on_commit_callbacks
):
    post = Post.objects.create(topic=topic, author=moderator, position=2, body="x")
    others = _members(community, 5)
    for person in [patient, *others]:
        make_notification(person, topic=topic, post=post)
    make_notification(caregiver, topic=topic, post=post, read_at=timezone.now())
    make_notification(moderator, topic=make_topic(community, patient))
    for person in (patient, caregiver, moderator):
        assert queries.unread_count(person) == 1 - (person == caregiver)
    streams = {person.pk: listen(f"user:{person.pk}") for person in (patient, caregiver, moderator)}
    Post.objects.filter(pk=post.pk).update(is_deleted=True)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        actions.refresh_unread_about(post_id=post.pk)
    with CaptureQueriesContext(connection) as queried:
        for callback in callbacks:
            callback()

    # One query finds who to tell, one counts for all of them.
    assert len(queried.captured_queries) == 2
    assert streams[patient.pk].events() == [{"type": "notifications", "unread": 0}]
    assert streams[caregiver.pk].events() == []
    assert streams[moderator.pk].events() == []
    assert [queries.unread_count(person) for person in (patient, *others)] == [0] * 6
    assert queries.unread_count(moderator) == 1


def _members(community, count):
    people = [UserFactory() for _ in range(count)]
    for person in people:
        make_member(community, person)
    return people


def test_delivery_runs_the_same_queries_for_5_and_50_members(
    patient, caregiver, pushes, django_capture_on_commit_callbacks
):
    counts = []
    for size in (5, 50):
        place = CommunityFactory(visibility="members")
        make_member(place, caregiver)
        topic = make_topic(place, caregiver, replies=1)
        people = _members(place, size)
        for person in people[: size // 5]:
            make_push_subscription(person)
            set_watch(person, WatchLevel.WATCHING, topic=topic)
            make_settings(person, channels={"reply": {"email": False}})
        MemberBlock.objects.create(blocker=people[-1], blocked=caregiver, level="mute")
        key = f"topic:{topic.pk}:posts"
        for person in people[::2]:
            make_notification(person, topic=topic, group_key=key)
        reply = _post(topic, 2)
        pushes.ids.clear()
        with (
            CaptureQueriesContext(connection) as captured,
            django_capture_on_commit_callbacks(execute=True),
        ):
            ids = deliver(
                people,
                actor=caregiver,
                topic=topic,
                post=reply,
                group_key=key,
            )
        assert len(ids) == size - 1
        assert len(pushes.ids) == size // 5
        counts.append(len(captured))
    # Post, topic, members, blocks, memberships, watches, settings, savepoint, unread lines,
    # two collapse updates, one insert, release, push devices, unread counts.
    assert counts == [15, 15]


# --- mark read --------------------------------------------------------------------------------


def test_mark_read_marks_own_line_and_drops_its_pending_email(
    topic, patient, listen, django_capture_on_commit_callbacks, frozen_now
):
    due = make_notification(patient, topic=topic, email_due_at=frozen_now + DELAY)
    make_notification(patient, topic=topic)
    assert queries.unread_count(patient) == 2
    listener = listen(f"user:{patient.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        result = actions.mark_read(actor=patient, notification=due)
    assert (result.read_at, result.email_due_at) == (frozen_now, None)
    assert listener.events() == [{"type": "notifications", "unread": 1}]
    assert queries.unread_count(patient) == 1


def test_mark_read_keeps_the_record_of_an_email_already_sent(topic, patient, frozen_now):
    sent = frozen_now - timedelta(minutes=1)
    line = make_notification(patient, topic=topic, email_due_at=sent, emailed_at=sent)
    actions.mark_read(actor=patient, notification=line)
    line.refresh_from_db()
    assert (line.read_at, line.email_due_at, line.emailed_at) == (frozen_now, sent, sent)


def test_marking_someone_elses_notification_read_changes_nothing(topic, patient, caregiver):
    due = timezone.now() + DELAY
    line = make_notification(patient, topic=topic, email_due_at=due)
    with pytest.raises(PermissionDeniedError):
        actions.mark_read(actor=caregiver, notification=line)
    line.refresh_from_db()
    assert (line.read_at, line.email_due_at) == (None, due)


def test_a_visitor_cannot_mark_anything_read(topic, patient):
    from django.contrib.auth.models import AnonymousUser

    line = make_notification(patient, topic=topic)
    with pytest.raises(PermissionDeniedError):
        actions.mark_read(actor=AnonymousUser(), notification=line)
    with pytest.raises(PermissionDeniedError):
        actions.mark_all_read(actor=AnonymousUser())
    assert actions.mark_read_for(actor=AnonymousUser(), topic_id=topic.pk) == 0
    line.refresh_from_db()
    assert line.read_at is None


def test_mark_all_read_reads_only_the_actors_lines(topic, patient, caregiver, frozen_now):
    earlier = frozen_now - timedelta(days=1)
    mine = [make_notification(patient, topic=topic) for _ in range(2)]
    already = make_notification(patient, topic=topic, read_at=earlier)
    theirs = make_notification(caregiver, topic=topic, email_due_at=frozen_now + DELAY)
    assert actions.mark_all_read(actor=patient) == 2
    assert {row.pk: row.read_at for row in Notification.objects.filter(recipient=patient)} == {
        mine[0].pk: frozen_now,
        mine[1].pk: frozen_now,
        already.pk: earlier,
    }
    theirs.refresh_from_db()
    assert (theirs.read_at, theirs.email_due_at) == (None, frozen_now + DELAY)


def test_mark_read_for_a_topic_or_conversation(community, topic, patient, caregiver, frozen_now):
    from carecircle.messaging.models import Conversation

    other = make_topic(community, caregiver)
    conversation = Conversation.objects.create(kind="direct", created_by=caregiver)
    about_topic = make_notification(patient, topic=topic, email_due_at=frozen_now + DELAY)
    about_other = make_notification(patient, topic=other)
    about_chat = make_notification(patient, kind="message", conversation=conversation)
    someone_else = make_notification(caregiver, topic=topic)
    assert actions.mark_read_for(actor=patient, topic_id=topic.pk) == 1
    assert actions.mark_read_for(actor=patient, topic_id=topic.pk) == 0
    assert actions.mark_read_for(actor=patient, conversation_id=conversation.pk) == 1
    assert actions.mark_read_for(actor=patient) == 0
    read = dict(Notification.objects.values_list("pk", "read_at"))
    assert read == {
        about_topic.pk: frozen_now,
        about_other.pk: None,
        about_chat.pk: frozen_now,
        someone_else.pk: None,
    }
    assert Notification.objects.get(pk=about_topic.pk).email_due_at is None


# --- watch levels -------------------------------------------------------------------------------


def test_set_watch_level_stores_and_updates_one_row(community, topic, patient):
    watch = actions.set_watch_level(actor=patient, level=WatchLevel.WATCHING, community=community)
    assert (watch.user_id, watch.community_id, watch.topic_id, watch.level) == (
        patient.pk,
        community.pk,
        None,
        "watching",
    )
    again = actions.set_watch_level(actor=patient, level=WatchLevel.MUTED, community=community)
    assert again.pk == watch.pk
    topic_watch = actions.set_watch_level(actor=patient, level=WatchLevel.NORMAL, topic=topic)
    assert list(Watch.objects.order_by("pk").values_list("community_id", "topic_id", "level")) == [
        (community.pk, None, "muted"),
        (None, topic.pk, "normal"),
    ]
    assert topic_watch.topic_id == topic.pk


def test_watching_a_community_one_cannot_read_is_refused(
    private_community, private_topic, caregiver
):
    with pytest.raises(PermissionDeniedError):
        actions.set_watch_level(
            actor=caregiver, level=WatchLevel.WATCHING, community=private_community
        )
    with pytest.raises(PermissionDeniedError):
        actions.set_watch_level(actor=caregiver, level=WatchLevel.WATCHING, topic=private_topic)
    assert Watch.objects.count() == 0


def test_watching_a_hidden_topic_is_refused(topic, patient):
    Topic.objects.filter(pk=topic.pk).update(moderation_state=ModerationState.HIDDEN)
    topic.refresh_from_db()
    with pytest.raises(NotFoundError):
        actions.set_watch_level(actor=patient, level=WatchLevel.WATCHING, topic=topic)
    assert Watch.objects.count() == 0


@pytest.mark.parametrize(
    ("level", "target", "field"),
    [
        ("loud", "community", "level"),
        ("watching", "both", "target"),
        ("watching", "none", "target"),
    ],
)
def test_bad_watch_input_names_the_field(community, topic, patient, level, target, field):
    places = {
        "community": {"community": community},
        "both": {"community": community, "topic": topic},
        "none": {},
    }[target]
    with pytest.raises(ValidationFailed) as caught:
        actions.set_watch_level(actor=patient, level=level, **places)
    assert caught.value.field == field
    assert Watch.objects.count() == 0


# --- settings ----------------------------------------------------------------------------------


def test_update_settings_stores_only_differences_from_the_defaults(patient):
    row = actions.update_notification_settings(
        actor=patient,
        channels={"reply": {"email": False, "push": True}, "reaction": {"push": True}},
        email_includes_details=True,
        quiet_hours_start=time(22),
        quiet_hours_end=time(7),
        digest=DigestFrequency.WEEKLY,
        is_email_paused=False,
    )
    row.refresh_from_db()
    assert row.channels == {"reply": {"email": False}, "reaction": {"push": True}}
    assert (
        row.email_includes_details,
        row.push_includes_details,
        row.quiet_hours_start,
        row.quiet_hours_end,
        row.digest,
        row.is_email_paused,
    ) == (True, False, time(22), time(7), "weekly", False)
    # Back to the default: the override goes; untouched choices stay.
    row = actions.update_notification_settings(actor=patient, channels={"reply": {"email": True}})
    row.refresh_from_db()
    assert row.channels == {"reaction": {"push": True}}
    assert (row.quiet_hours_start, row.digest, row.email_includes_details) == (
        time(22),
        "weekly",
        True,
    )
    row = actions.update_notification_settings(
        actor=patient, quiet_hours_start=None, quiet_hours_end=None
    )
    assert (row.quiet_hours_start, row.quiet_hours_end) == (None, None)


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"channels": {"gossip": {"email": True}}}, "channels.gossip", "unknown_kind"),
        ({"channels": {"reply": {"pigeon": True}}}, "channels.reply.pigeon", "unknown_channel"),
        ({"channels": {"reply": {"email": "yes"}}}, "channels.reply.email", "invalid"),
        ({"channels": {"reply": True}}, "channels.reply", "invalid"),
        ({"channels": ["reply"]}, "channels", "invalid"),
        (
            {"channels": {"moderation": {"in_app": False}}},
            "channels.moderation.in_app",
            "required_channel",
        ),
        (
            {"channels": {"moderation": {"email": True}}},
            "channels.moderation.email",
            "unavailable_channel",
        ),
        ({"quiet_hours_start": time(22)}, "quiet_hours_end", "required"),
        ({"quiet_hours_end": time(7)}, "quiet_hours_start", "required"),
        ({"quiet_hours_start": time(7), "quiet_hours_end": time(7)}, "quiet_hours_end", "invalid"),
        (
            {"quiet_hours_start": "22:00", "quiet_hours_end": time(7)},
            "quiet_hours_start",
            "invalid",
        ),
        ({"digest": "hourly"}, "digest", "invalid"),
        ({"email_includes_details": "on"}, "email_includes_details", "invalid"),
    ],
)
def test_bad_settings_name_the_field_and_save_nothing(patient, changes, field, code):
    with pytest.raises(ValidationFailed) as caught:
        actions.update_notification_settings(actor=patient, **{"is_email_paused": True, **changes})
    assert (caught.value.field, caught.value.code) == (field, code)
    assert caught.value.details[0]["field"] == field
    assert NotificationSettings.objects.count() == 0


def test_bad_settings_leave_an_existing_row_as_it_was(patient):
    make_settings(patient, channels={"reply": {"push": False}}, digest="daily")
    with pytest.raises(ValidationFailed) as caught:
        actions.update_notification_settings(
            actor=patient,
            channels={"reply": {"push": True}, "nope": {"email": True}},
            quiet_hours_start=time(22),
            digest="weekly",
        )
    assert [(item["field"], item["code"]) for item in caught.value.details] == [
        ("channels.nope", "unknown_kind"),
        ("quiet_hours_end", "required"),
    ]
    row = NotificationSettings.objects.get(user=patient)
    assert (row.channels, row.digest, row.quiet_hours_start) == (
        {"reply": {"push": False}},
        "daily",
        None,
    )


def test_a_visitor_cannot_change_settings_or_watch(community):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDeniedError):
        actions.update_notification_settings(actor=AnonymousUser(), digest="daily")
    with pytest.raises(PermissionDeniedError):
        actions.set_watch_level(
            actor=AnonymousUser(), level=WatchLevel.WATCHING, community=community
        )
    assert (NotificationSettings.objects.count(), Watch.objects.count()) == (0, 0)


def test_message_lines_go_only_to_members_still_in_the_conversation(
    patient, caregiver, moderator, professional
):
    from carecircle.messaging.models import Conversation, Participant

    conversation = Conversation.objects.create(kind="group", created_by=caregiver)
    for person, state in (
        (patient, Participant.State.ACTIVE),
        (moderator, Participant.State.LEFT),
        (professional, Participant.State.REQUESTED),
    ):
        Participant.objects.create(conversation=conversation, user=person, state=state)
    deliver(
        [patient, moderator, professional],
        kind="message",
        actor=caregiver,
        conversation=conversation,
        group_key=f"conversation:{conversation.pk}",
    )
    assert sorted(
        Notification.objects.values_list("recipient_id", "conversation_id", "community_id")
    ) == sorted([(patient.pk, conversation.pk, None), (professional.pk, conversation.pk, None)])


def test_permission_functions_for_templates(
    community, topic, private_community, private_topic, patient, caregiver
):
    from django.contrib.auth.models import AnonymousUser

    from carecircle.notifications import permissions

    assert permissions.can_watch(patient, community=private_community) is True
    assert permissions.can_watch(patient, topic=private_topic) is True
    assert permissions.can_watch(caregiver, community=private_community) is False
    assert permissions.can_watch(caregiver, topic=private_topic) is False
    assert permissions.can_watch(caregiver, topic=topic) is True
    assert permissions.can_watch(AnonymousUser(), community=community) is False
    assert permissions.can_watch(patient) is False
    line = make_notification(patient, topic=topic)
    assert permissions.can_mark_read(patient, line) is True
    assert permissions.can_mark_read(caregiver, line) is False
    assert permissions.can_mark_read(AnonymousUser(), line) is False
