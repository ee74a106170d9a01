"""The reminder job: due reminders reach the bell once, and only while the target is readable."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from carecircle.bookmarks.actions import send_due_reminders
from carecircle.bookmarks.models import Bookmark
from carecircle.bookmarks.tasks import send_bookmark_reminders_task
from carecircle.bookmarks.tests.helpers import bookmark_of
from carecircle.core.models import ModerationState
from carecircle.core.schedule import REGISTRY
from carecircle.discussions.models import Post
from carecircle.notifications.kinds import KINDS
from carecircle.notifications.models import Notification, Watch, WatchLevel
from carecircle.notifications.presenters import describe

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run the job and the deliveries it schedules after its commits; returns what it sent."""

    def go(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return send_due_reminders(**kwargs)

    return go


def _due():
    return timezone.now() - timedelta(minutes=1)


def test_kind_and_job_are_registered():
    kind = KINDS["bookmark_reminder"]
    assert (kind.in_app, kind.email, kind.push) == (True, False, False)
    job = REGISTRY["bookmarks.send_reminders"]
    assert job.every == timedelta(minutes=5)
    assert job.resolve() is send_bookmark_reminders_task


def test_due_topic_reminder_notifies_once(run, patient, topic):
    bookmark = bookmark_of(patient, topic=topic, remind_at=_due())

    assert run() == 1
    assert run() == 0

    notification = Notification.objects.get()
    assert (notification.recipient_id, notification.kind) == (patient.pk, "bookmark_reminder")
    assert (notification.topic_id, notification.post_id) == (topic.pk, None)
    assert notification.url == topic.get_absolute_url()
    assert notification.email_due_at is None
    assert describe(notification) == "Reminder: “Tired after metformin”, which you bookmarked"
    assert Bookmark.objects.get(pk=bookmark.pk).reminded_at is not None


def test_due_post_reminder_links_to_the_post(run, caregiver, reply):
    bookmark_of(caregiver, post=reply, remind_at=_due())

    assert run() == 1

    notification = Notification.objects.get()
    assert (notification.post_id, notification.url) == (reply.pk, f"/p/{reply.pk}/")
    assert describe(notification) == (
        "Reminder: the post you bookmarked in “Tired after metformin”"
    )


def test_future_and_already_sent_reminders_wait(run, patient, topic, reply):
    bookmark_of(patient, topic=topic, remind_at=timezone.now() + timedelta(minutes=10))
    sent = timezone.now() - timedelta(hours=1)
    bookmark_of(patient, post=reply, remind_at=sent, reminded_at=sent)
    bookmark_of(patient, post=Post.objects.get(topic=topic, position=1))  # no reminder

    assert run() == 0
    assert Notification.objects.count() == 0


def test_the_task_sends_them_too(patient, topic, django_capture_on_commit_callbacks):
    bookmark_of(patient, topic=topic, remind_at=_due())

    with django_capture_on_commit_callbacks(execute=True):
        result = send_bookmark_reminders_task.enqueue()

    assert result.return_value == 1
    assert Notification.objects.filter(kind="bookmark_reminder").count() == 1


def test_no_reminder_once_the_member_left_a_members_only_community(run, patient, private_topic):
    bookmark = bookmark_of(patient, topic=private_topic, remind_at=_due())
    patient.memberships.filter(community=private_topic.community).delete()

    assert run() == 0

    assert Notification.objects.count() == 0
    # Marked done: the job does not look at it again every five minutes.
    assert Bookmark.objects.get(pk=bookmark.pk).reminded_at is not None


@pytest.mark.parametrize(
    "change",
    [{"is_deleted": True}, {"moderation_state": ModerationState.HIDDEN}],
    ids=["deleted", "hidden"],
)
def test_no_reminder_for_a_post_no_longer_readable(run, patient, reply, change):
    bookmark_of(patient, post=reply, remind_at=_due())
    Post.objects.filter(pk=reply.pk).update(**change)

    assert run() == 0
    assert Notification.objects.count() == 0


def test_no_reminder_for_a_deactivated_member(run, patient, topic):
    bookmark_of(patient, topic=topic, remind_at=_due())
    patient.is_active = False
    patient.save(update_fields=["is_active"])

    assert run() == 0
    assert Notification.objects.count() == 0


def test_a_muted_topic_does_not_swallow_a_reminder(run, patient, topic):
    Watch.objects.create(user=patient, topic=topic, level=WatchLevel.MUTED)
    bookmark_of(patient, topic=topic, remind_at=_due())

    assert run() == 1
    assert Notification.objects.filter(recipient=patient).count() == 1


def test_a_concurrent_run_that_claimed_first_wins(
    patient, topic, django_capture_on_commit_callbacks
):
    from carecircle.bookmarks.actions import _send_reminder

    stale = bookmark_of(patient, topic=topic, remind_at=_due())
    # Another worker claimed it between this run's read and its claim.
    Bookmark.objects.filter(pk=stale.pk).update(reminded_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        assert _send_reminder(stale, timezone.now()) == 0
    assert Notification.objects.count() == 0
