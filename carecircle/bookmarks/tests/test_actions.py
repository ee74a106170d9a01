"""Adding, changing and removing bookmarks: the rules, and that a refusal changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from carecircle.bookmarks import actions
from carecircle.bookmarks.models import Bookmark
from carecircle.bookmarks.tests.helpers import bookmark_of
from carecircle.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ValidationFailed,
)
from carecircle.core.models import ModerationState
from carecircle.discussions.models import Post

pytestmark = pytest.mark.django_db


def test_add_topic_bookmark_with_note_and_reminder(patient, topic):
    remind_at = timezone.now() + timedelta(days=2)

    bookmark = actions.add_bookmark(
        actor=patient, topic=topic, note="  Ask my nurse about this  ", remind_at=remind_at
    )

    stored = Bookmark.objects.get()
    assert stored.pk == bookmark.pk
    assert (stored.user_id, stored.topic_id, stored.post_id) == (patient.pk, topic.pk, None)
    assert stored.note == "Ask my nurse about this"
    assert stored.remind_at == remind_at
    assert stored.reminded_at is None


def test_add_post_bookmark(caregiver, reply):
    bookmark = actions.add_bookmark(actor=caregiver, post=reply)

    assert (bookmark.topic_id, bookmark.post_id, bookmark.note) == (None, reply.pk, "")
    assert Bookmark.objects.count() == 1


def test_note_is_stored_encrypted(patient, topic):
    from django.db import connection

    actions.add_bookmark(actor=patient, topic=topic, note="My A1c was 8.1")

    with connection.cursor() as cursor:
        cursor.execute("SELECT note FROM bookmarks_bookmark")
        (raw,) = cursor.fetchone()
    assert "8.1" not in raw
    assert Bookmark.objects.get().note == "My A1c was 8.1"


def test_second_bookmark_of_the_same_target_is_a_conflict(patient, topic):
    bookmark_of(patient, topic=topic, note="first")

    with pytest.raises(ConflictError) as raised:
        actions.add_bookmark(actor=patient, topic=topic, note="second")

    assert raised.value.code == "already_bookmarked"
    assert list(Bookmark.objects.values_list("note", flat=True)) == ["first"]


def test_topic_and_post_bookmarks_of_the_same_thread_are_separate(patient, topic, reply):
    actions.add_bookmark(actor=patient, topic=topic)
    actions.add_bookmark(actor=patient, post=reply)

    assert Bookmark.objects.filter(user=patient).count() == 2


def test_neither_or_both_targets_refused(patient, topic, reply):
    with pytest.raises(ValidationFailed):
        actions.add_bookmark(actor=patient)
    with pytest.raises(ValidationFailed):
        actions.add_bookmark(actor=patient, topic=topic, post=reply)
    assert Bookmark.objects.count() == 0


# --- who may bookmark what ------------------------------------------------------------------


def test_visitor_may_not_bookmark(topic):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDeniedError) as raised:
        actions.add_bookmark(actor=AnonymousUser(), topic=topic)
    assert raised.value.code == "not_authenticated"
    assert Bookmark.objects.count() == 0


def test_outsider_may_not_bookmark_a_members_only_topic(outsider, private_topic, private_reply):
    with pytest.raises(NotFoundError):
        actions.add_bookmark(actor=outsider, topic=private_topic)
    with pytest.raises(NotFoundError):
        actions.add_bookmark(actor=outsider, post=private_reply)
    assert Bookmark.objects.count() == 0


def test_outsider_may_bookmark_a_public_topic(outsider, topic):
    actions.add_bookmark(actor=outsider, topic=topic)

    assert Bookmark.objects.filter(user=outsider, topic=topic).count() == 1


@pytest.mark.parametrize(
    "change",
    [
        {"is_deleted": True},
        {"moderation_state": ModerationState.HIDDEN},
        {"moderation_state": ModerationState.PENDING},
    ],
    ids=["deleted", "hidden", "pending"],
)
def test_post_whose_words_the_member_may_not_read_cannot_be_bookmarked(patient, reply, change):
    Post.objects.filter(pk=reply.pk).update(**change)
    reply.refresh_from_db()

    with pytest.raises(NotFoundError):
        actions.add_bookmark(actor=patient, post=reply)
    assert Bookmark.objects.count() == 0


def test_author_may_bookmark_own_pending_post(caregiver, reply):
    Post.objects.filter(pk=reply.pk).update(moderation_state=ModerationState.PENDING)
    reply.refresh_from_db()

    actions.add_bookmark(actor=caregiver, post=reply)

    assert Bookmark.objects.filter(user=caregiver, post=reply).count() == 1


def test_deleted_topic_cannot_be_bookmarked_even_by_a_moderator(moderator, topic):
    topic.is_deleted = True
    topic.save(update_fields=["is_deleted"])

    with pytest.raises(NotFoundError):
        actions.add_bookmark(actor=moderator, topic=topic)
    assert Bookmark.objects.count() == 0


# --- note and reminder ----------------------------------------------------------------------


def test_note_over_2000_characters_refused(patient, topic):
    actions.add_bookmark(actor=patient, topic=topic, note="x" * 2000)
    bookmark = Bookmark.objects.get()

    with pytest.raises(ValidationFailed) as raised:
        actions.edit_bookmark(actor=patient, bookmark=bookmark, note="y" * 2001)

    assert (raised.value.code, raised.value.field) == ("note_too_long", "note")
    assert Bookmark.objects.get().note == "x" * 2000


@pytest.mark.parametrize(
    ("offset", "code"),
    [
        (timedelta(minutes=-1), "reminder_in_past"),
        (timedelta(0), "reminder_in_past"),
        (timedelta(days=5 * 365 + 1), "reminder_too_far"),
    ],
)
def test_reminder_must_be_in_the_next_five_years(patient, topic, offset, code):
    now = timezone.now()
    with pytest.raises(ValidationFailed) as raised:
        actions.clean_remind_at(now + offset, now=now)
    assert (raised.value.code, raised.value.field) == (code, "remind_at")

    with pytest.raises(ValidationFailed):
        actions.add_bookmark(actor=patient, topic=topic, remind_at=timezone.now() + offset)
    assert Bookmark.objects.count() == 0


def test_reminder_without_a_time_zone_refused(patient, topic):
    with pytest.raises(ValidationFailed) as raised:
        actions.add_bookmark(
            actor=patient, topic=topic, remind_at=timezone.now().replace(tzinfo=None)
        )
    assert raised.value.field == "remind_at"
    assert Bookmark.objects.count() == 0


def test_new_reminder_time_arms_the_reminder_again(patient, topic):
    sent_at = timezone.now() - timedelta(hours=1)
    bookmark = bookmark_of(
        patient, topic=topic, remind_at=sent_at - timedelta(minutes=5), reminded_at=sent_at
    )
    later = timezone.now() + timedelta(days=1)

    actions.edit_bookmark(actor=patient, bookmark=bookmark, remind_at=later)

    stored = Bookmark.objects.get()
    assert (stored.remind_at, stored.reminded_at) == (later, None)


def test_changing_only_the_note_keeps_the_reminder(patient, topic):
    remind_at = timezone.now() + timedelta(days=1)
    bookmark = bookmark_of(patient, topic=topic, remind_at=remind_at, note="old")

    actions.edit_bookmark(actor=patient, bookmark=bookmark, note="new")

    stored = Bookmark.objects.get()
    assert (stored.note, stored.remind_at) == ("new", remind_at)


def test_reminder_removed_with_none(patient, topic):
    bookmark = bookmark_of(patient, topic=topic, remind_at=timezone.now() + timedelta(days=1))

    actions.edit_bookmark(actor=patient, bookmark=bookmark, remind_at=None)

    assert Bookmark.objects.get().remind_at is None


def test_someone_elses_bookmark_cannot_be_changed_or_removed(patient, caregiver, topic):
    bookmark = bookmark_of(patient, topic=topic, note="mine")

    with pytest.raises(NotFoundError):
        actions.edit_bookmark(actor=caregiver, bookmark=bookmark, note="theirs")
    with pytest.raises(NotFoundError):
        actions.delete_bookmark(actor=caregiver, bookmark=bookmark)

    assert list(Bookmark.objects.values_list("user_id", "note")) == [(patient.pk, "mine")]


def test_bookmark_of_an_unreadable_target_can_still_be_removed(patient, private_topic):
    bookmark = bookmark_of(patient, topic=private_topic)
    patient.memberships.all().delete()

    actions.delete_bookmark(actor=patient, bookmark=bookmark)

    assert Bookmark.objects.count() == 0


# --- the page toggle ------------------------------------------------------------------------


def test_set_bookmarked_is_idempotent(patient, topic):
    first = actions.set_bookmarked(actor=patient, topic=topic, is_bookmarked=True)
    second = actions.set_bookmarked(actor=patient, topic=topic, is_bookmarked=True)
    assert first is not None and second is not None and first.pk == second.pk
    assert Bookmark.objects.count() == 1

    assert actions.set_bookmarked(actor=patient, topic=topic, is_bookmarked=False) is None
    assert actions.set_bookmarked(actor=patient, topic=topic, is_bookmarked=False) is None
    assert Bookmark.objects.count() == 0


def test_writes_are_rate_limited(patient, community, settings):
    from carecircle.core.factories import make_topic

    topics = [make_topic(community, patient, title=f"Topic {n}") for n in range(61)]
    for topic in topics[:60]:
        actions.add_bookmark(actor=patient, topic=topic)

    with pytest.raises(RateLimitedError):
        actions.add_bookmark(actor=patient, topic=topics[60])
    assert Bookmark.objects.count() == 60
