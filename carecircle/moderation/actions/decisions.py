"""Moderators' decisions on review items: approve, reject, hide, edit, delete, sanction..."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.core.errors import ConflictError, ValidationFailed
from carecircle.core.models import ModerationState
from carecircle.core.realtime import broadcast
from carecircle.moderation import permissions
from carecircle.moderation.actions.common import (
    clean_guideline,
    clean_reason,
    close_item,
    close_other_items,
    content_keys,
    log_action,
    set_message_state,
    set_post_state,
    show_post,
    withdraw_pending_post,
)
from carecircle.moderation.models import ModerationAction, ReviewItem

Verb = ModerationAction.Verb
DECISIONS = (
    "approve",
    "reject",
    "dismiss",
    "hide",
    "unhide",
    "edit",
    "lock",
    "unlock",
    "move",
    "delete",
    "warn",
    "suspend",
    "ban",
    "escalate",
)
# Decisions the member must be told about, with the reason, and may appeal.
REASON_REQUIRED = frozenset({"reject", "hide", "edit", "delete", "warn", "suspend", "ban"})
CONTENT_DECISIONS = frozenset({"approve", "reject", "hide", "unhide", "edit", "delete"})
TOPIC_DECISIONS = frozenset({"lock", "unlock", "move"})
SANCTION_KIND = {"warn": "warning", "suspend": "suspension", "ban": "ban"}


def _no_content() -> ValidationFailed:
    return ValidationFailed(
        _("That decision does not apply to this item."), field="decision", code="not_applicable"
    )


def _delete_message(actor: Any, message: Any) -> None:
    """A moderator's removal, like messaging's: the words go, the place stays."""
    from carecircle.messaging.actions.common import message_payload
    from carecircle.messaging.models import Message

    if message.deleted_at is not None:
        return
    message.body = ""
    message.body_html = ""
    message.deleted_at = timezone.now()
    message.deleted_by = actor
    message.moderation_state = ModerationState.HIDDEN
    Message.objects.filter(pk=message.pk).update(
        body="",
        body_html="",
        deleted_at=message.deleted_at,
        deleted_by=actor,
        moderation_state=ModerationState.HIDDEN,
    )
    payload = message_payload(message)
    broadcast(payload["stream"], {"type": "message.deleted", "message": payload})


def _delete_post(actor: Any, post: Any) -> None:
    from carecircle.discussions.actions import delete_post

    if not post.is_deleted:
        delete_post(actor=actor, post=post)


def _remove_post(actor: Any, post: Any, *, hide: bool) -> bool:
    """Delete (and for a rejection hide) a post; True when it was never published.

    A pending post was never counted, so it is withdrawn without touching the counters that
    discussions' delete_post decrements."""
    if post.moderation_state == ModerationState.PENDING and not post.is_deleted:
        withdraw_pending_post(actor=actor, post=post)
        return True
    if hide:
        set_post_state(post, ModerationState.HIDDEN)
    _delete_post(actor, post)
    return False


def _apply_content(
    actor: Any,
    item: ReviewItem,
    decision: str,
    body: str | None,
    title: str | None,
    reason: str,
    *,
    is_moderator: bool,
) -> dict[str, Any]:
    """Carry out a content decision; returns facts for the audit event."""
    post, message = item.post, item.message
    if post is None and message is None:
        raise _no_content()
    if decision in ("approve", "unhide"):
        if not is_moderator:
            # A professional's "approve" says the medical content is fine; it never publishes a
            # post waiting for approval (that queue is the moderators'), and shows a hidden one
            # only when nothing else keeps it hidden (checked once the item is closed).
            return {}
        if post is not None:
            show_post(post)
        else:
            set_message_state(message, ModerationState.VISIBLE)
    elif decision == "hide":
        if post is not None:
            set_post_state(post, ModerationState.HIDDEN)
        else:
            set_message_state(message, ModerationState.HIDDEN)
    elif decision in ("reject", "delete"):
        if post is not None:
            if _remove_post(actor, post, hide=decision == "reject"):
                return {"was_pending": True}
        else:
            _delete_message(actor, message)
    elif decision == "edit":
        if post is None:
            raise _no_content()
        if not (body or "").strip():
            raise ValidationFailed(_("Please write the corrected text."), field="body")
        from carecircle.discussions.actions import edit_post

        # The moderator's own words: confirmed, so the author's checks do not stop them.
        edit_post(
            actor=actor,
            post=post,
            body=body or "",
            title=title,
            reason=reason[:200],
            confirmed=True,
        )
    return {}


def _content_keys_hidden_elsewhere(item: ReviewItem) -> bool:
    """Whether something besides `item` still keeps its content hidden: another open item
    that hid it (automatically after reports, by a professional, or a post waiting for
    approval), or a moderator's hide that nobody reversed."""
    from django.db.models import Q

    from carecircle.moderation.models import Appeal

    keys = content_keys(item)
    open_items = ReviewItem.objects.filter(
        target_key__in=keys, status=ReviewItem.Status.OPEN
    ).exclude(pk=item.pk)
    if open_items.filter(
        Q(is_auto_hidden=True) | Q(queue=ReviewItem.Queue.APPROVAL) | Q(actions__verb=Verb.HIDE)
    ).exists():
        return True
    # A moderator's hide closes its item; a professional's keeps it open (handled above).
    last_hide = (
        ModerationAction.objects.filter(
            target_key__in=keys,
            verb=Verb.HIDE,
            item__status=ReviewItem.Status.RESOLVED,
            item__resolution="hide",
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    if last_hide is None:
        return False
    if Appeal.objects.filter(action=last_hide, status=Appeal.Status.UPHELD).exists():
        return False
    shown_since = ModerationAction.objects.filter(
        target_key__in=keys,
        verb__in=(Verb.UNHIDE, Verb.APPROVE),
        created_at__gte=last_hide.created_at,
        pk__gt=last_hide.pk,
    ).exists()
    return not shown_since


def _show_if_nothing_hides(item: ReviewItem) -> None:
    """After reports are dismissed (or a professional finds the content sound), content that
    was hidden only pending this review comes back; a post hidden by a moderator, still
    waiting for approval, or deleted stays as it is."""
    from carecircle.discussions.models import Post
    from carecircle.messaging.models import Message

    if item.post_id is not None:
        post = Post.objects.select_related("topic").get(pk=item.post_id)
        if post.moderation_state != ModerationState.HIDDEN or post.is_deleted:
            return
        if not _content_keys_hidden_elsewhere(item):
            show_post(post)
    elif item.message_id is not None:
        message = Message.objects.get(pk=item.message_id)
        if message.moderation_state != ModerationState.HIDDEN or message.deleted_at is not None:
            return
        if not _content_keys_hidden_elsewhere(item):
            set_message_state(message, ModerationState.VISIBLE)


def _queues_closed_by(decision: str, item: ReviewItem, is_moderator: bool) -> set[str]:
    """Which queues' items about the same content one decision settles.

    By default only the item's own queue. A moderator who hides, edits, deletes or rejects the
    content settles the reports and the medical-accuracy review too; deleting or rejecting it
    (or a moderator approving it) also settles its approval. Safeguarding follow-ups never close
    as a side effect (see common.NEVER_CLOSED_AS_SIDE_EFFECT)."""
    queues = {item.queue}
    if not is_moderator:
        return queues
    if decision in ("hide", "edit", "delete", "reject"):
        queues |= {ReviewItem.Queue.GENERAL, ReviewItem.Queue.PROFESSIONAL}
    if decision in ("delete", "reject", "approve"):
        queues.add(ReviewItem.Queue.APPROVAL)
    return queues


def _apply_topic(actor: Any, item: ReviewItem, decision: str, destination: Any) -> None:
    from carecircle.discussions.actions import move_topic, set_topic_locked

    topic = item.topic or (item.post.topic if item.post is not None else None)
    if topic is None:
        raise _no_content()
    if decision in ("lock", "unlock"):
        set_topic_locked(actor=actor, topic=topic, is_locked=decision == "lock")
    else:
        if destination is None:
            raise ValidationFailed(_("Please choose where to move the topic."), field="destination")
        move_topic(actor=actor, topic=topic, destination=destination)


def resolve_item(
    *,
    actor: Any,
    item: ReviewItem,
    decision: str,
    reason: str = "",
    guideline: str = "",
    body: str | None = None,
    title: str | None = None,
    destination: Any = None,
    days: int | None = None,
) -> ModerationAction:
    """Take one decision on an open item; logs it, tells the author, closes the item (escalate
    and a professional's hide keep it open for the moderators)."""
    if decision not in DECISIONS:
        raise ValidationFailed(_("Please choose a decision."), field="decision")
    permissions.check_can_act_on_item(actor, item, decision)
    if item.kind == ReviewItem.Kind.APPEAL:
        return _resolve_appeal_item(actor, item, decision, reason)
    reason = clean_reason(reason, required=decision in REASON_REQUIRED)
    guideline = clean_guideline(guideline)
    with transaction.atomic():
        locked = ReviewItem.objects.select_for_update().get(pk=item.pk)
        if locked.status != ReviewItem.Status.OPEN:
            raise ConflictError(
                _("Another moderator has already dealt with this item."), code="already_resolved"
            )
        is_moderator = permissions.can_moderate(actor, item.community)
        community = item.community
        if decision in SANCTION_KIND:
            from carecircle.moderation.actions.sanctions import sanction_member

            if item.member is None:
                raise _no_content()
            sanction = sanction_member(
                actor=actor,
                member=item.member,
                community=community,
                kind=SANCTION_KIND[decision],
                reason=reason,
                guideline=guideline,
                days=days,
                item=item,
            )
            action = sanction.action
            assert action is not None
        else:
            audit: dict[str, Any] = {}
            if decision in CONTENT_DECISIONS:
                audit = _apply_content(
                    actor, item, decision, body, title, reason, is_moderator=is_moderator
                )
            elif decision in TOPIC_DECISIONS:
                _apply_topic(actor, item, decision, destination)
            action = log_action(
                actor=actor,
                verb=decision,
                community=community,
                member=item.member,
                item=item,
                reason=reason,
                guideline=guideline,
                is_appealable=decision in REASON_REQUIRED,
                notify=decision in REASON_REQUIRED or decision == "unhide",
                audit=audit,
            )
        keeps_open = decision == "escalate" or (decision == "hide" and not is_moderator)
        if decision == "escalate":
            ReviewItem.objects.filter(pk=item.pk).update(is_escalated=True)
            item.is_escalated = True
        if not keeps_open:
            close_item(item, actor=actor, resolution=decision)
            close_other_items(
                item,
                actor=actor,
                resolution=decision,
                queues=_queues_closed_by(decision, item, is_moderator),
            )
            if decision == "dismiss" or (decision == "approve" and not is_moderator):
                # Reports found unfounded: content hidden only pending this review comes back.
                _show_if_nothing_hides(item)
    return action


def _resolve_appeal_item(
    actor: Any, item: ReviewItem, decision: str, reason: str
) -> ModerationAction:
    """An appeal item: approve reverses the decision, reject (or dismiss) keeps it."""
    from carecircle.moderation.actions.appeals import decide_appeal

    if item.appeal is None or decision not in ("approve", "reject", "dismiss"):
        raise _no_content()
    decide_appeal(actor=actor, appeal=item.appeal, uphold=decision == "approve", decision=reason)
    return ModerationAction.objects.filter(item=item).order_by("-pk").first()  # type: ignore[return-value]
