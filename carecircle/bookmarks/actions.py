"""Every write to bookmarks: add, change the note or reminder, remove, and send reminders.

Bookmarks are private and change nothing anyone else sees, so they record no audit events;
writes are rate-limited because each one is a row and the page toggle is one click.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.bookmarks import permissions
from carecircle.bookmarks.models import Bookmark
from carecircle.core.errors import ConflictError, ValidationFailed
from carecircle.core.ratelimit import check_rate
from carecircle.discussions.models import Post, Topic

logger = logging.getLogger(__name__)

#: The longest private note, in characters.
NOTE_MAX_LENGTH = 2000
#: How far ahead a reminder may be set; a later date is almost always a typing slip.
REMINDER_MAX_AHEAD = timedelta(days=5 * 365)
#: Adding, changing and removing bookmarks, per member.
WRITE_RATE = "60/m"
#: Reminders handled per run of the task; the rest wait five minutes for the next run.
REMINDER_BATCH = 500


def _check_rate(actor: Any) -> None:
    check_rate(scope="bookmark_write", key=str(actor.pk), rate=WRITE_RATE)


def clean_note(note: str | None) -> str:
    """The note without surrounding blank space; ValidationFailed when it is too long."""
    cleaned = (note or "").strip()
    if len(cleaned) > NOTE_MAX_LENGTH:
        raise ValidationFailed(
            _("Keep the note to %(limit)d characters or fewer (it has %(count)d).")
            % {"limit": NOTE_MAX_LENGTH, "count": len(cleaned)},
            code="note_too_long",
            field="note",
        )
    return cleaned


def clean_remind_at(remind_at: datetime | None, *, now: datetime | None = None) -> datetime | None:
    """A reminder time in the future (at most five years ahead), or None for no reminder."""
    if remind_at is None:
        return None
    if timezone.is_naive(remind_at):
        # Interfaces convert the member's local time; a naive value here is a programming slip.
        raise ValidationFailed(
            _("Give the reminder time with its time zone."), code="invalid", field="remind_at"
        )
    now = now or timezone.now()
    if remind_at <= now:
        raise ValidationFailed(
            _("Choose a reminder time in the future."), code="reminder_in_past", field="remind_at"
        )
    if remind_at > now + REMINDER_MAX_AHEAD:
        raise ValidationFailed(
            _("Choose a reminder time within the next five years."),
            code="reminder_too_far",
            field="remind_at",
        )
    return remind_at


def add_bookmark(
    *,
    actor: Any,
    topic: Topic | None = None,
    post: Post | None = None,
    note: str = "",
    remind_at: datetime | None = None,
) -> Bookmark:
    """Bookmark a topic or a post the actor may read; ConflictError if it is bookmarked already.

    Exactly one of `topic` and `post`. NotFoundError when the actor may not read it.
    """
    if (topic is None) == (post is None):
        raise ValidationFailed(
            _("Choose a topic or a post to bookmark."), code="invalid", field="target"
        )
    if topic is not None:
        permissions.check_can_bookmark_topic(actor, topic)
    else:
        assert post is not None
        permissions.check_can_bookmark_post(actor, post)
    cleaned_note = clean_note(note)
    cleaned_remind_at = clean_remind_at(remind_at)
    _check_rate(actor)
    target = {"topic": topic} if topic is not None else {"post": post}
    if Bookmark.objects.filter(user=actor, **target).exists():
        raise _already_bookmarked()
    try:
        with transaction.atomic():
            return Bookmark.objects.create(
                user=actor, note=cleaned_note, remind_at=cleaned_remind_at, **target
            )
    except IntegrityError as error:
        # Two clicks at once: the unique constraint kept one row.
        raise _already_bookmarked() from error


def _already_bookmarked() -> ConflictError:
    return ConflictError(
        _("You have already bookmarked this. Change its note or reminder instead."),
        code="already_bookmarked",
    )


def set_bookmarked(
    *, actor: Any, topic: Topic | None = None, post: Post | None = None, is_bookmarked: bool
) -> Bookmark | None:
    """Make the actor's bookmark of this topic or post exist (or not); returns it or None.

    The page's button sends the state it wants, not "toggle", so a double click or a resent
    form ends where the member meant.
    """
    target = {"topic": topic} if topic is not None else {"post": post}
    if is_bookmarked:
        existing = Bookmark.objects.filter(user=actor, **target).first()
        if existing is not None and permissions.can_change_bookmark(actor, existing):
            return existing
        try:
            return add_bookmark(actor=actor, topic=topic, post=post)
        except ConflictError:
            return Bookmark.objects.filter(user=actor, **target).first()
    permissions.check_signed_in(actor)
    existing = Bookmark.objects.filter(user=actor, **target).first()
    if existing is not None:
        delete_bookmark(actor=actor, bookmark=existing)
    return None


_UNCHANGED: Any = object()


def edit_bookmark(
    *,
    actor: Any,
    bookmark: Bookmark,
    note: str | None = _UNCHANGED,
    remind_at: datetime | None = _UNCHANGED,
) -> Bookmark:
    """Change the note and/or the reminder (None removes it) of the actor's own bookmark.

    A new reminder time arms the reminder again, even if an earlier one was already sent.
    """
    permissions.check_can_change_bookmark(actor, bookmark)
    fields = ["updated_at"]
    if note is not _UNCHANGED:
        bookmark.note = clean_note(note)
        fields.append("note")
    if remind_at is not _UNCHANGED:
        cleaned = clean_remind_at(remind_at)
        if cleaned != bookmark.remind_at:
            bookmark.remind_at = cleaned
            bookmark.reminded_at = None
            fields += ["remind_at", "reminded_at"]
    _check_rate(actor)
    bookmark.save(update_fields=fields)
    return bookmark


def delete_bookmark(*, actor: Any, bookmark: Bookmark) -> None:
    """Remove the actor's own bookmark (also when its target can no longer be read)."""
    permissions.check_can_change_bookmark(actor, bookmark)
    _check_rate(actor)
    Bookmark.objects.filter(pk=bookmark.pk, user=actor).delete()


# --- reminders -----------------------------------------------------------------------------


def send_due_reminders(*, now: datetime | None = None) -> int:
    """Notify members of reminders that are due; returns how many notifications were sent.

    Idempotent: each reminder is claimed by setting `reminded_at` with a conditional update,
    so two runs at once (or a retried task) notify once. A reminder whose topic or post the
    member may no longer read is marked done without a notification: the bell would name it.
    """
    now = now or timezone.now()
    due = list(
        Bookmark.objects.filter(remind_at__lte=now, reminded_at__isnull=True)
        .select_related(
            "user",
            "topic__community",
            "topic__author_alias",
            "post__alias",
            "post__topic__community",
            "post__topic__author_alias",
        )
        .order_by("remind_at", "pk")[:REMINDER_BATCH]
    )
    sent = 0
    for bookmark in due:
        try:
            sent += _send_reminder(bookmark, now)
        except Exception:  # noqa: BLE001 - one broken reminder must not stop the others
            logger.exception("Bookmark reminder %s failed", bookmark.pk)
    return sent


def _send_reminder(bookmark: Bookmark, now: datetime) -> int:
    from carecircle.notifications.actions import notify

    member = bookmark.user
    with transaction.atomic():
        claimed = Bookmark.objects.filter(
            pk=bookmark.pk, reminded_at__isnull=True, remind_at=bookmark.remind_at
        ).update(reminded_at=now)
        if not claimed:
            return 0
        if not member.is_active or getattr(member, "memorialised_at", None) is not None:
            return 0
        if not permissions.can_read_target(member, bookmark):
            return 0
        if bookmark.post is not None:
            topic = bookmark.post.topic
            url = bookmark.post.get_absolute_url()
        else:
            assert bookmark.topic is not None
            topic = bookmark.topic
            url = topic.get_absolute_url()
        notify(
            recipient_ids=[member.pk],
            kind="bookmark_reminder",
            url=url,
            community_id=topic.community_id,
            topic_id=topic.pk,
            post_id=bookmark.post_id,
            data={"bookmark_id": bookmark.pk, "is_post": bookmark.post_id is not None},
        )
    return 1
