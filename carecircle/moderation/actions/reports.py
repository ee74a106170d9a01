"""Members reporting posts, topics, messages and other members."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from carecircle.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)
from carecircle.core.models import ModerationState
from carecircle.core.ratelimit import check_rate
from carecircle.moderation import queries
from carecircle.moderation.actions.common import log_action, queue_item, set_post_state
from carecircle.moderation.models import ModerationAction, Report, ReportReason, ReviewItem

NOTE_MAX = 1000
REPORT_RATE = "20/h"


def _not_found() -> NotFoundError:
    return NotFoundError(_("That was not found. It may have been removed."))


def _load_target(kind: str, target_id: int) -> Any:
    from carecircle.accounts.models import User
    from carecircle.discussions.models import Post, Topic
    from carecircle.messaging.models import Message

    if kind == "post":
        return (
            Post.objects.select_related("topic__community", "alias", "author")
            .filter(pk=target_id)
            .first()
        )
    if kind == "topic":
        return Topic.objects.select_related("community").filter(pk=target_id).first()
    if kind == "message":
        return (
            Message.objects.select_related("room__community", "author").filter(pk=target_id).first()
        )
    if kind == "member":
        return User.objects.filter(pk=target_id).first()
    return None


def _describe(kind: str, target: Any) -> dict[str, Any]:
    """Where the report goes: community, key, content links, the member, the words now."""
    from carecircle.discussions.models import Post

    if kind == "post":
        return {
            "community": target.topic.community,
            "target_key": f"post:{target.pk}",
            "fields": {"post": target, "topic": target.topic},
            "member": target.author,  # empty for anonymous posts
            "snapshot": target.body,
        }
    if kind == "topic":
        first = Post.objects.filter(topic=target, position=1).select_related("author").first()
        return {
            "community": target.community,
            "target_key": f"topic:{target.pk}",
            "fields": {"topic": target, "post": first},
            "member": target.author,
            "snapshot": f"{target.title}\n\n{first.body if first else ''}",
        }
    if kind == "message":
        return {
            # Private conversations go to site staff; room messages to the room's community.
            "community": target.room.community if target.room_id else None,
            "target_key": f"message:{target.pk}",
            "fields": {"message": target},
            "member": target.author,
            "snapshot": target.body,
        }
    return {
        "community": None,
        "target_key": f"member:{target.pk}",
        "fields": {},
        "member": target,
        "snapshot": "",
    }


def _queue_for(reason: str) -> tuple[str, bool]:
    if reason == Report.Reason.MEDICALLY_INACCURATE:
        return ReviewItem.Queue.PROFESSIONAL, False
    if reason == Report.Reason.CRISIS:
        return ReviewItem.Queue.SAFEGUARDING, True
    return ReviewItem.Queue.GENERAL, False


def report_content(
    *,
    actor: Any,
    kind: str,
    target_id: int,
    reason: str,
    note: str = "",
    custom_reason_id: int | None = None,
) -> Report:
    """Report something the actor can read (not their own) to its moderators.

    Two reports by one member of the same open item are one too many ("already_reported").
    Enough reports by trusted members hide a post until a moderator looks.
    """
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDeniedError(_("Please sign in to report."), code="not_authenticated")
    if kind not in ("post", "topic", "message", "member"):
        raise _not_found()
    target = _load_target(kind, target_id)
    if target is None or not queries.can_read_target(actor, kind, target):
        raise _not_found()
    if queries.is_own_target(actor, kind, target):
        raise PermissionDeniedError(_("You cannot report your own writing."), code="own_content")
    if reason not in Report.Reason.values:
        raise ValidationFailed(_("Please choose a reason."), field="reason")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationFailed(
            _("Please keep the note under %(max)d characters.") % {"max": NOTE_MAX}, field="note"
        )
    if reason == Report.Reason.OTHER and not note:
        raise ValidationFailed(
            _("Please tell the moderators what is wrong."), field="note", code="note_required"
        )
    where = _describe(kind, target)
    custom = None
    if reason == Report.Reason.CUSTOM:
        custom = (
            ReportReason.objects.filter(
                pk=custom_reason_id, community=where["community"], is_active=True
            ).first()
            if where["community"] is not None and custom_reason_id
            else None
        )
        if custom is None:
            raise ValidationFailed(_("Please choose one of the reasons."), field="reason")
    queue, is_urgent = _queue_for(reason)
    check_rate(scope="report", key=str(actor.pk), rate=REPORT_RATE)
    trust = queries.trust_level_of(actor)
    with transaction.atomic():
        item = queue_item(
            community=where["community"],
            queue=queue,
            kind=kind,
            source=ReviewItem.Source.REPORT,
            target_key=where["target_key"],
            member=where["member"],
            snapshot=where["snapshot"],
            is_urgent=is_urgent,
            **where["fields"],
        )
        if Report.objects.filter(item=item, reporter=actor).exists():
            raise ConflictError(
                _("You have already reported this. The moderators will look at it."),
                code="already_reported",
            )
        try:
            with transaction.atomic():
                report = Report.objects.create(
                    item=item,
                    reporter=actor,
                    reason=reason,
                    custom_reason=custom,
                    note=note,
                    reporter_trust_level=trust,
                )
        except IntegrityError:
            raise ConflictError(
                _("You have already reported this. The moderators will look at it."),
                code="already_reported",
            ) from None
        ReviewItem.objects.filter(pk=item.pk).update(report_count=F("report_count") + 1)
        if kind in ("post", "topic") and where["fields"].get("post") is not None:
            _auto_hide_if_due(item, where["fields"]["post"])
    return report


def _auto_hide_if_due(item: ReviewItem, post: Any) -> None:
    """Hide a post reported by enough trusted members until a moderator reviews it."""
    policy = queries.settings_for(item.community)  # type: ignore[arg-type]
    if not policy.auto_hide_reports or post.moderation_state != ModerationState.VISIBLE:
        return
    trusted = (
        Report.objects.filter(
            item__status=ReviewItem.Status.OPEN,
            item__target_key__in=[f"post:{post.pk}", f"topic:{post.topic_id}"]
            if post.position == 1
            else [f"post:{post.pk}"],
            reporter_trust_level__gte=policy.auto_hide_trust_level,
            # An erased reporter is nobody in particular: it cannot count as a distinct one.
            reporter__isnull=False,
        )
        .values("reporter")
        .distinct()
        .count()
    )
    if trusted < policy.auto_hide_reports:
        return
    set_post_state(post, ModerationState.HIDDEN)
    ReviewItem.objects.filter(pk=item.pk).update(is_auto_hidden=True)
    item.is_auto_hidden = True
    log_action(
        actor=None,
        verb=ModerationAction.Verb.AUTO_HIDE,
        community=item.community,
        member=item.member,
        item=item,
        reason=_("Hidden after several reports, until a moderator reviews it."),
        notify=True,
    )
