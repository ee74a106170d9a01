"""Members appealing a decision, and moderators deciding the appeal."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.core.errors import ConflictError, ValidationFailed
from carecircle.core.models import ModerationState
from carecircle.core.ratelimit import check_rate
from carecircle.moderation import permissions
from carecircle.moderation.actions.common import (
    clean_reason,
    close_item,
    log_action,
    queue_item,
    set_message_state,
    set_post_state,
)
from carecircle.moderation.models import Appeal, ModerationAction, ReviewItem, Sanction

Verb = ModerationAction.Verb
APPEAL_MIN, APPEAL_MAX = 10, 2000
APPEAL_RATE = "5/h"


def appeal_action(*, actor: Any, action: ModerationAction, text: str) -> Appeal:
    """Ask for a decision about oneself to be looked at again (once per decision)."""
    permissions.check_can_appeal(actor, action)
    text = (text or "").strip()
    if len(text) < APPEAL_MIN:
        raise ValidationFailed(
            _("Please explain in a sentence or two why the decision should change."),
            field="text",
        )
    if len(text) > APPEAL_MAX:
        raise ValidationFailed(
            _("Please keep your appeal under %(max)d characters.") % {"max": APPEAL_MAX},
            field="text",
        )
    check_rate(scope="appeal", key=str(actor.pk), rate=APPEAL_RATE)
    with transaction.atomic():
        if Appeal.objects.select_for_update().filter(action=action).exists():
            raise ConflictError(
                _("You have already appealed this decision."), code="already_appealed"
            )
        appeal = Appeal.objects.create(action=action, member=actor, text=text)
        queue_item(
            community=action.community,
            queue=ReviewItem.Queue.APPEALS,
            kind=ReviewItem.Kind.APPEAL,
            source=ReviewItem.Source.APPEAL,
            target_key=f"appeal:{appeal.pk}",
            member=actor,
            snapshot=text,
            appeal=appeal,
        )
    return appeal


def _restore_message(actor: Any, item: ReviewItem | None, message: Any) -> None:
    from carecircle.messaging.actions.common import render_body
    from carecircle.messaging.models import Message

    if message.deleted_at is not None and item is not None and item.body_snapshot:
        Message.objects.filter(pk=message.pk).update(
            body=item.body_snapshot,
            body_html=render_body(item.body_snapshot),
            deleted_at=None,
            deleted_by=None,
        )
        message.refresh_from_db()
    set_message_state(message, ModerationState.VISIBLE)


def _reverse(actor: Any, action: ModerationAction) -> None:
    """Undo what `action` did: content back, sanction lifted."""
    item = action.item
    post = item.post if item is not None else None
    message = item.message if item is not None else None
    if action.verb in (Verb.HIDE, Verb.AUTO_HIDE, Verb.REJECT, Verb.DELETE):
        if post is not None:
            if post.is_deleted:
                from carecircle.discussions.actions import restore_post

                restore_post(actor=actor, post=post)
            set_post_state(post, ModerationState.VISIBLE)
        elif message is not None:
            _restore_message(actor, item, message)
    elif action.verb == Verb.EDIT and post is not None:
        revision = post.revisions.order_by("-number").first()
        if revision is not None:
            from carecircle.discussions.actions import edit_post

            edit_post(
                actor=actor,
                post=post,
                body=revision.body,
                title=revision.title or None,
                reason=_("Appeal upheld"),
            )
    now = timezone.now()
    Sanction.objects.filter(action=action, lifted_at__isnull=True).update(
        lifted_at=now, lifted_by=actor
    )
    if action.member is not None:
        from carecircle.moderation.enforcement import forget_sanctions

        forget_sanctions(action.member)


def decide_appeal(*, actor: Any, appeal: Appeal, uphold: bool, decision: str) -> Appeal:
    """Uphold (reverse the decision) or reject an appeal, with an explanation to the member.

    The moderator who took the decision may not judge the appeal, unless a site admin.
    """
    permissions.check_can_decide_appeal(actor, appeal)
    decision = clean_reason(decision, required=True, field="decision")
    with transaction.atomic():
        locked = Appeal.objects.select_for_update().get(pk=appeal.pk)
        if locked.status != Appeal.Status.OPEN:
            raise ConflictError(_("This appeal has already been decided."), code="already_decided")
        action = appeal.action
        if uphold:
            _reverse(actor, action)
        appeal.status = Appeal.Status.UPHELD if uphold else Appeal.Status.REJECTED
        appeal.decided_at = timezone.now()
        appeal.decided_by = actor
        appeal.decision = decision
        appeal.save(update_fields=["status", "decided_at", "decided_by", "decision"])
        item = ReviewItem.objects.filter(appeal=appeal, status=ReviewItem.Status.OPEN).first()
        log_action(
            actor=actor,
            verb=Verb.APPEAL_UPHELD if uphold else Verb.APPEAL_REJECTED,
            community=action.community,
            member=appeal.member,
            item=item,
            target_key=f"appeal:{appeal.pk}",
            reason=decision,
            notify=True,
        )
        if item is not None:
            close_item(item, actor=actor, resolution="upheld" if uphold else "rejected")
    return appeal
