"""Members appealing a decision, and moderators deciding the appeal."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.core.errors import ConflictError, ValidationFailed
from carecircle.core.models import ModerationState
from carecircle.core.ratelimit import check_rate
from carecircle.core.realtime import broadcast
from carecircle.moderation import permissions
from carecircle.moderation.actions.common import (
    clean_reason,
    close_item,
    log_action,
    queue_item,
    resubmit_withdrawn_post,
    set_message_state,
    show_post,
)
from carecircle.moderation.models import Appeal, ModerationAction, ReviewItem, Sanction
from carecircle.search.indexing import index_topic_later

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


def _was_never_published(action: ModerationAction) -> bool:
    """Whether `action` rejected or deleted a post still waiting for approval (its audit event
    says so), which undoing must count as a first publication."""
    from carecircle.core.models import AuditEvent

    return AuditEvent.objects.filter(
        verb=f"moderation.{action.verb}",
        target_type=ModerationAction._meta.label_lower,
        target_id=str(action.pk),
        data__was_pending=True,
    ).exists()


def _restore_before_edit(actor: Any, action: ModerationAction, post: Any) -> None:
    """Put back the author's text as it was just before the moderator's edit.

    Written directly, without the posting gate: these are the author's own words, which were
    published before, and the moderator's text must not be what "restoring" brings back."""
    from django.db.models import F, Max

    from carecircle.core.markdown import render_markdown
    from carecircle.discussions.models import Post, PostRevision, Topic

    # The edit saved the text it replaced as a revision by the moderator, at the decision.
    revision = (
        post.revisions.filter(editor_id=action.actor_id, created_at__lte=action.created_at)
        .order_by("-number")
        .first()
    )
    if revision is None:
        return
    topic = post.topic
    with transaction.atomic():
        number = (post.revisions.aggregate(highest=Max("number"))["highest"] or 0) + 1
        PostRevision.objects.create(
            post=post,
            editor=actor,
            number=number,
            body=post.body,
            title=topic.title if post.position == 1 else "",
            reason=_("Appeal upheld")[:200],
        )
        now = timezone.now()
        Post.objects.filter(pk=post.pk).update(
            body=revision.body,
            body_html=render_markdown(revision.body),
            edited_at=now,
            edit_count=F("edit_count") + 1,
            updated_at=now,
        )
        if post.position == 1 and revision.title:
            Topic.objects.filter(pk=topic.pk).update(title=revision.title, updated_at=now)
        Topic.objects.filter(pk=topic.pk).update(content_version=F("content_version") + 1)
        index_topic_later(topic.pk)
        broadcast(f"topic:{topic.pk}", {"type": "post.edited", "post_id": post.pk})
    post.refresh_from_db()


def _reverse(actor: Any, action: ModerationAction) -> None:
    """Undo what `action` did: content back, sanction lifted."""
    item = action.item
    post = item.post if item is not None else None
    message = item.message if item is not None else None
    if action.verb in (Verb.HIDE, Verb.AUTO_HIDE, Verb.REJECT, Verb.DELETE):
        if post is not None:
            if post.is_deleted and _was_never_published(action):
                resubmit_withdrawn_post(post=post)
            else:
                if post.is_deleted:
                    from carecircle.discussions.actions import restore_post

                    restore_post(actor=actor, post=post)
                show_post(post)
        elif message is not None:
            _restore_message(actor, item, message)
    elif action.verb == Verb.EDIT and post is not None:
        _restore_before_edit(actor, action, post)
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
