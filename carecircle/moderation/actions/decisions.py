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
    log_action,
    set_message_state,
    set_post_state,
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


def _apply_content(
    actor: Any, item: ReviewItem, decision: str, body: str | None, title: str | None, reason: str
) -> None:
    post, message = item.post, item.message
    if post is None and message is None:
        raise _no_content()
    if decision in ("approve", "unhide"):
        if post is not None:
            set_post_state(post, ModerationState.VISIBLE)
        else:
            set_message_state(message, ModerationState.VISIBLE)
    elif decision == "hide":
        if post is not None:
            set_post_state(post, ModerationState.HIDDEN)
        else:
            set_message_state(message, ModerationState.HIDDEN)
    elif decision in ("reject", "delete"):
        if post is not None:
            if decision == "reject":
                set_post_state(post, ModerationState.HIDDEN)
            _delete_post(actor, post)
        else:
            _delete_message(actor, message)
    elif decision == "edit":
        if post is None:
            raise _no_content()
        if not (body or "").strip():
            raise ValidationFailed(_("Please write the corrected text."), field="body")
        from carecircle.discussions.actions import edit_post

        edit_post(actor=actor, post=post, body=body or "", title=title, reason=reason[:200])


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
            if decision in CONTENT_DECISIONS:
                _apply_content(actor, item, decision, body, title, reason)
            elif decision in TOPIC_DECISIONS:
                _apply_topic(actor, item, decision, destination)
            elif decision == "dismiss" and item.is_auto_hidden and item.post is not None:
                # Reports found unfounded: what they hid automatically comes back.
                set_post_state(item.post, ModerationState.VISIBLE)
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
            )
        keeps_open = decision == "escalate" or (decision == "hide" and not is_moderator)
        if decision == "escalate":
            ReviewItem.objects.filter(pk=item.pk).update(is_escalated=True)
            item.is_escalated = True
        if not keeps_open:
            close_item(item, actor=actor, resolution=decision)
            close_other_items(item, actor=actor, resolution=decision)
    return action


def _resolve_appeal_item(
    actor: Any, item: ReviewItem, decision: str, reason: str
) -> ModerationAction:
    """An appeal item: approve reverses the decision, reject (or dismiss) keeps it."""
    from carecircle.moderation.actions.appeals import decide_appeal

    if item.appeal is None or decision not in ("approve", "reject", "dismiss"):
        raise _no_content()
    decide_appeal(
        actor=actor, appeal=item.appeal, uphold=decision == "approve", decision=reason
    )
    return ModerationAction.objects.filter(item=item).order_by("-pk").first()  # type: ignore[return-value]
