"""Turning moderation rows into the API's shapes (no queries beyond what was prefetched)."""

from __future__ import annotations

from typing import Any

from carecircle.moderation.models import (
    ContextNote,
    MemberNote,
    ModerationAction,
    Report,
    ReviewItem,
    Sanction,
    TrustLevel,
    WatchedWord,
)
from carecircle.moderation.schemas import (
    ActionOut,
    ContextNoteOut,
    ItemReportOut,
    ItemSummaryOut,
    MemberNoteOut,
    NoticeAppealOut,
    NoticeOut,
    ReviewItemOut,
    SanctionOut,
    TargetOut,
    TrustOut,
    WatchedWordOut,
)
from carecircle.moderation.wording import member_headline

EXCERPT_LENGTH = 160


def handle_of(user: Any) -> str | None:
    return None if user is None else user.handle


def slug_of(community: Any) -> str | None:
    return None if community is None else community.slug


def page_meta(page: Any) -> dict[str, int]:
    return {
        "page": page.number,
        "page_size": page.size,
        "total": page.total,
        "pages": page.page_count,
    }


def excerpt(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= EXCERPT_LENGTH else text[: EXCERPT_LENGTH - 1] + "…"


def current_body(item: ReviewItem) -> str | None:
    """The reported words as they are now; None once they are deleted."""
    if item.post_id is not None:
        post = item.post
        return None if post is None or post.is_deleted else post.body
    if item.message_id is not None:
        message = item.message
        return None if message is None or message.deleted_at is not None else message.body
    if item.appeal_id is not None and item.appeal is not None:
        return item.appeal.text
    return ""


def target_out(item: ReviewItem) -> TargetOut:
    post, topic, message = item.post, item.topic, item.message
    if topic is None and post is not None:
        topic = post.topic
    state: str | None = None
    is_deleted = False
    if post is not None:
        state, is_deleted = post.moderation_state, post.is_deleted
    elif topic is not None:
        state, is_deleted = topic.moderation_state, topic.is_deleted
    elif message is not None:
        state, is_deleted = message.moderation_state, message.deleted_at is not None
    body = current_body(item)
    return TargetOut(
        post_id=item.post_id,
        topic_id=topic.pk if topic is not None else item.topic_id,
        message_id=item.message_id,
        member=handle_of(item.member),
        title=topic.title if topic is not None else None,
        # Deleted words still reach moderators through the snapshot taken when queued.
        excerpt=excerpt(body if body is not None else item.body_snapshot),
        moderation_state=state,
        is_deleted=is_deleted,
    )


def report_out(report: Report) -> ItemReportOut:
    return ItemReportOut(
        reason=report.reason,
        reason_label=str(Report.Reason(report.reason).label)
        if report.reason in Report.Reason.values
        else report.reason,
        custom_reason=report.custom_reason.label if report.custom_reason else None,
        note=report.note,
        reporter=handle_of(report.reporter),
        created_at=report.created_at,
    )


def item_fields(item: ReviewItem) -> dict[str, Any]:
    return {
        "id": item.pk,
        "queue": item.queue,
        "kind": item.kind,
        "source": item.source,
        "status": item.status,
        "community": slug_of(item.community),
        "target": target_out(item),
        "reports": [report_out(r) for r in item.reports.all()],
        "report_count": item.report_count,
        "flags": list(item.flags or []),
        "is_urgent": item.is_urgent,
        "is_escalated": item.is_escalated,
        "is_auto_hidden": item.is_auto_hidden,
        "checklist": {str(k): str(v or "") for k, v in (item.checklist or {}).items()},
        "appeal_id": item.appeal_id,
        "created_at": item.created_at,
        "resolution": item.resolution,
        "resolved_at": item.resolved_at,
    }


def item_out(item: ReviewItem) -> ReviewItemOut:
    return ReviewItemOut(**item_fields(item))


def item_summary_out(item: ReviewItem) -> ItemSummaryOut:
    return ItemSummaryOut(
        id=item.pk,
        queue=item.queue,
        kind=item.kind,
        status=item.status,
        community=slug_of(item.community),
        created_at=item.created_at,
    )


def verb_label(verb: str) -> str:
    if verb in ModerationAction.Verb.values:
        return str(ModerationAction.Verb(verb).label)
    return verb


def action_out(action: ModerationAction) -> ActionOut:
    return ActionOut(
        id=action.pk,
        verb=action.verb,
        verb_label=verb_label(action.verb),
        community=slug_of(action.community),
        actor=handle_of(action.actor),
        member=handle_of(action.member),
        item_id=action.item_id,
        target_key=action.target_key,
        reason=action.reason,
        guideline=action.guideline,
        is_appealable=action.is_appealable,
        created_at=action.created_at,
    )


def sanction_out(sanction: Sanction) -> SanctionOut:
    return SanctionOut(
        id=sanction.pk,
        member=sanction.member.handle,
        kind=sanction.kind,
        community=slug_of(sanction.community),
        reason=sanction.reason,
        starts_at=sanction.starts_at,
        ends_at=sanction.ends_at,
        lifted_at=sanction.lifted_at,
        is_active=sanction.is_active_at(),
    )


def member_note_out(note: MemberNote) -> MemberNoteOut:
    return MemberNoteOut(
        id=note.pk,
        member=note.member.handle,
        community=slug_of(note.community),
        author=handle_of(note.author),
        body=note.body,
        created_at=note.created_at,
    )


def context_note_out(note: ContextNote) -> ContextNoteOut:
    return ContextNoteOut(
        id=note.pk,
        post_id=note.post_id,
        author=handle_of(note.author),
        author_is_professional=bool(note.author and note.author.is_professional),
        body=note.body,
        resource_url=note.resource_url,
        resource_title=note.resource_title,
        created_at=note.created_at,
    )


def watched_word_out(word: WatchedWord) -> WatchedWordOut:
    return WatchedWordOut(
        id=word.pk,
        community=slug_of(word.community),
        pattern=word.pattern,
        is_regex=word.is_regex,
        action=word.action,
        replacement=word.replacement,
        message=word.message,
        created_at=word.created_at,
    )


def trust_out(level: int, trust: Any) -> TrustOut:
    """`level` is the one that counts (queries.trust_level_of); `trust` the member's
    MemberTrust row, None when they have none yet."""
    return TrustOut(
        level=level,
        label=str(TrustLevel(level).label),
        computed_level=trust.level if trust is not None else TrustLevel.NEW,
        manual_level=trust.manual_level if trust is not None else None,
    )


def notice_out(action: ModerationAction, *, can_appeal: bool) -> NoticeOut:
    appeal = getattr(action, "appeal", None) if _has_appeal(action) else None
    return NoticeOut(
        id=action.pk,
        verb=action.verb,
        verb_label=verb_label(action.verb),
        headline=member_headline(action),
        community=slug_of(action.community),
        reason=action.reason,
        guideline=action.guideline,
        created_at=action.created_at,
        can_appeal=can_appeal,
        appeal=None
        if appeal is None
        else NoticeAppealOut(
            id=appeal.pk,
            status=appeal.status,
            decision=appeal.decision,
            created_at=appeal.created_at,
            decided_at=appeal.decided_at,
        ),
    )


def _has_appeal(action: ModerationAction) -> bool:
    # The reverse one-to-one raises when there is none (and was not prefetched as None).
    try:
        return action.appeal is not None
    except ModerationAction.appeal.RelatedObjectDoesNotExist:  # type: ignore[attr-defined]
        return False
