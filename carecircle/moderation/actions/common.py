"""What every moderation action shares: queueing an item, writing the log, telling the author,
and hiding or showing content with the same live updates the discussions actions send."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from carecircle.communities.models import Community
from carecircle.core.audit import record_event
from carecircle.core.errors import ValidationFailed
from carecircle.core.models import ModerationState
from carecircle.core.realtime import broadcast
from carecircle.moderation.models import ModerationAction, ReviewItem
from carecircle.search.indexing import index_topic_later

REASON_MAX = 2000
GUIDELINE_MAX = 300


def clean_reason(reason: str | None, *, required: bool, field: str = "reason") -> str:
    """A staff-written reason, trimmed; ValidationFailed when required and missing."""
    text = (reason or "").strip()
    if required and len(text) < 3:
        raise ValidationFailed(
            _("Please write the reason; the member sees it."), field=field, code="reason_required"
        )
    if len(text) > REASON_MAX:
        raise ValidationFailed(
            _("Please keep the reason under %(max)d characters.") % {"max": REASON_MAX},
            field=field,
        )
    return text


def clean_guideline(guideline: str | None) -> str:
    return (guideline or "").strip()[:GUIDELINE_MAX]


def queue_item(
    *,
    community: Community | None,
    queue: str,
    kind: str,
    source: str,
    target_key: str,
    member: Any = None,
    snapshot: str = "",
    flags: list[dict] | None = None,
    is_urgent: bool = False,
    post: Any = None,
    topic: Any = None,
    message: Any = None,
    appeal: Any = None,
) -> ReviewItem:
    """The open item of `queue` for `target_key`, created or with these flags added."""
    existing = (
        ReviewItem.objects.select_for_update()
        .filter(queue=queue, target_key=target_key, status=ReviewItem.Status.OPEN)
        .first()
    )
    if existing is None:
        try:
            with transaction.atomic():
                return ReviewItem.objects.create(
                    community=community,
                    queue=queue,
                    kind=kind,
                    source=source,
                    target_key=target_key,
                    member=member,
                    body_snapshot=snapshot,
                    flags=list(flags or []),
                    is_urgent=is_urgent,
                    post=post,
                    topic=topic,
                    message=message,
                    appeal=appeal,
                )
        except IntegrityError:
            # Another request opened it a moment ago: add to that one instead.
            existing = ReviewItem.objects.select_for_update().get(
                queue=queue, target_key=target_key, status=ReviewItem.Status.OPEN
            )
    changed = ["updated_at"]
    if flags:
        existing.flags = [*existing.flags, *flags]
        changed.append("flags")
    if is_urgent and not existing.is_urgent:
        existing.is_urgent = True
        changed.append("is_urgent")
    existing.save(update_fields=changed)
    return existing


def log_action(
    *,
    actor: Any,
    verb: str,
    community: Community | None,
    member: Any = None,
    item: ReviewItem | None = None,
    target_key: str = "",
    reason: str = "",
    guideline: str = "",
    is_appealable: bool = False,
    notify: bool = False,
    audit: dict[str, Any] | None = None,
) -> ModerationAction:
    """Write one row of the moderation log and its audit event; tell the member if asked.

    Telling is an email (the notice, with the reason) and a line in their notifications; the
    author of anonymous writing gets only the line, through their alias, never by name.

    `audit` adds facts (ids and flags only) to the audit event, e.g. that rejected content was
    never published, which undoing the decision later needs."""
    action = ModerationAction.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        community=community,
        member=member,
        item=item,
        verb=verb,
        target_key=target_key or (item.target_key if item is not None else ""),
        reason=reason,
        guideline=guideline,
        is_appealable=is_appealable,
    )
    # Ids and the staff-written reason only: never the member's own words.
    record_event(
        actor=actor,
        verb=f"moderation.{verb}",
        target=action,
        subject=member,
        community=community.pk if community is not None else None,
        item=item.pk if item is not None else None,
        target_key=action.target_key,
        reason=reason[:500],
        **(audit or {}),
    )
    if notify and member is not None:
        transaction.on_commit(lambda: enqueue_notice(action.pk))
    if notify:
        from carecircle.notifications import events

        events.moderation_decided(action)
    return action


def enqueue_notice(action_id: int) -> None:
    from carecircle.moderation.tasks import send_moderation_notice_task

    send_moderation_notice_task.enqueue(action_id)


def close_item(item: ReviewItem, *, actor: Any, resolution: str) -> None:
    from django.utils import timezone

    item.status = ReviewItem.Status.RESOLVED
    item.resolved_at = timezone.now()
    item.resolved_by = actor if getattr(actor, "is_authenticated", False) else None
    item.resolution = resolution
    item.save(update_fields=["status", "resolved_at", "resolved_by", "resolution", "updated_at"])


def content_keys(item: ReviewItem) -> list[str]:
    """Every target key naming the same content as `item`: a topic and its first post are one
    piece of writing, reported either way."""
    keys = [item.target_key]
    if item.kind in (ReviewItem.Kind.POST, ReviewItem.Kind.TOPIC):
        post = item.post
        if post is not None and post.position == 1:
            keys += [f"post:{post.pk}", f"topic:{post.topic_id}"]
        elif item.kind == ReviewItem.Kind.TOPIC and item.topic_id is not None:
            keys.append(f"topic:{item.topic_id}")
    return sorted(set(keys))


# Queues a decision on one item never closes as a side effect: a safeguarding follow-up stays
# open until a moderator completes it, and an appeal is its own decision.
NEVER_CLOSED_AS_SIDE_EFFECT = (ReviewItem.Queue.SAFEGUARDING, ReviewItem.Queue.APPEALS)


def close_other_items(item: ReviewItem, *, actor: Any, resolution: str, queues: Any = None) -> None:
    """Close the other open items about the same content in `queues` (by default only the
    decided item's own queue: dismissing spam reports says nothing about a medical claim)."""
    from django.utils import timezone

    if item.kind in (ReviewItem.Kind.MEMBER, ReviewItem.Kind.APPEAL):
        return
    wanted = {item.queue} if queues is None else set(queues)
    wanted -= set(NEVER_CLOSED_AS_SIDE_EFFECT)
    if not wanted:
        return
    ReviewItem.objects.filter(
        target_key__in=content_keys(item), status=ReviewItem.Status.OPEN, queue__in=wanted
    ).exclude(pk=item.pk).update(
        status=ReviewItem.Status.RESOLVED,
        resolved_at=timezone.now(),
        resolved_by=actor if getattr(actor, "is_authenticated", False) else None,
        resolution=resolution,
    )


# --- showing and hiding content ------------------------------------------------------------


def _bump(topic_id: int) -> None:
    from carecircle.discussions.models import Topic

    Topic.objects.filter(pk=topic_id).update(content_version=F("content_version") + 1)


def set_post_state(post: Any, state: str) -> None:
    """Set a post's moderation state (and its topic's, for a first post) and tell live readers:
    hidden reads as removed, visible again as edited (pending posts were never shown)."""
    from carecircle.discussions.models import Post, Topic

    previous = post.moderation_state
    if previous == state:
        return
    post.moderation_state = state
    Post.objects.filter(pk=post.pk).update(moderation_state=state)
    if post.position == 1:
        Topic.objects.filter(pk=post.topic_id).update(moderation_state=state)
        post.topic.moderation_state = state
    _bump(post.topic_id)
    index_topic_later(post.topic_id)
    if state == ModerationState.HIDDEN:
        event = {"type": "post.removed", "post_id": post.pk}
    elif previous == ModerationState.PENDING:
        event = {"type": "reply.new", "post_id": post.pk, "position": post.position}
    else:
        event = {"type": "post.edited", "post_id": post.pk}
    broadcast(f"topic:{post.topic_id}", event)


def withdraw_pending_post(*, actor: Any, post: Any) -> None:
    """Refuse a post that was never published: hidden and deleted, with no counter touched
    (publishing is what counts a post, so nothing was counted) and nothing told to readers,
    who never saw it."""
    from django.utils import timezone

    from carecircle.discussions.models import Post, Topic

    now = timezone.now()
    Post.objects.filter(pk=post.pk).update(
        moderation_state=ModerationState.HIDDEN,
        is_deleted=True,
        deleted_at=now,
        deleted_by=actor,
        updated_at=now,
    )
    post.moderation_state, post.is_deleted = ModerationState.HIDDEN, True
    post.deleted_at, post.deleted_by = now, actor
    if post.position == 1:
        Topic.objects.filter(pk=post.topic_id).update(
            moderation_state=ModerationState.HIDDEN, is_deleted=True, updated_at=now
        )
    _bump(post.topic_id)
    index_topic_later(post.topic_id)


def resubmit_withdrawn_post(*, post: Any) -> Any:
    """Undo `withdraw_pending_post` and publish the post, which counts it for the first time."""
    from carecircle.discussions.actions import publish_post
    from carecircle.discussions.models import Post, Topic

    Post.objects.filter(pk=post.pk).update(
        moderation_state=ModerationState.PENDING, is_deleted=False, deleted_at=None, deleted_by=None
    )
    if post.position == 1:
        Topic.objects.filter(pk=post.topic_id).update(
            moderation_state=ModerationState.PENDING, is_deleted=False
        )
    post.refresh_from_db()
    return publish_post(post)


def show_post(post: Any) -> None:
    """Make a pending or hidden post visible through discussions, which counts a post the first
    time it is published and tells live readers."""
    from carecircle.discussions.actions import publish_post

    publish_post(post)
    post.refresh_from_db()


def set_message_state(message: Any, state: str) -> None:
    """Hide a message from everyone but its author and moderators (or show it again)."""
    from carecircle.messaging.actions.common import message_payload
    from carecircle.messaging.models import Message

    if message.moderation_state == state:
        return
    was_pending = message.moderation_state == ModerationState.PENDING
    message.moderation_state = state
    Message.objects.filter(pk=message.pk).update(moderation_state=state)
    payload = message_payload(message)
    if state == ModerationState.HIDDEN:
        # Clients already remove a deleted message; hidden words must leave open screens too.
        payload = {**payload, "html": "", "is_deleted": True, "deleted_by_moderator": True}
        broadcast(payload["stream"], {"type": "message.deleted", "message": payload})
    else:
        broadcast(payload["stream"], {"type": "message.edited", "message": payload})
    if was_pending and state == ModerationState.VISIBLE:
        # A held message was never announced: the others hear of it once it is approved.
        from carecircle.notifications import events

        events.message_sent(message)
