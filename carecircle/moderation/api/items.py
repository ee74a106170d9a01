"""Review queues, one item with its context, decisions, the safeguarding checklist, the log,
and appeal decisions.

An item someone may not review answers 404, like one that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from carecircle.api.api import member_auth
from carecircle.communities import queries as community_queries
from carecircle.communities.models import Community
from carecircle.core.errors import NotFoundError, ValidationFailed
from carecircle.core.pagination import PageRequest, paginate
from carecircle.moderation import actions, queries
from carecircle.moderation.api import lookups
from carecircle.moderation.api.outputs import (
    action_out,
    context_note_out,
    current_body,
    item_fields,
    item_out,
    item_summary_out,
    member_note_out,
    notice_out,
    page_meta,
    sanction_out,
)
from carecircle.moderation.models import ReviewItem
from carecircle.moderation.schemas import (
    ActionPage,
    AppealDecisionIn,
    ChecklistIn,
    ChecklistStepOut,
    DecisionIn,
    DecisionOut,
    ItemContextOut,
    ModerationErrorOut,
    NoticeOut,
    ReviewItemDetailOut,
    ReviewItemOut,
    ReviewItemPage,
)

router: Router = Router()

E = ModerationErrorOut


def community_or_site(actor: Any, slug: str) -> Community | None:
    """The community named by `slug`, or None (the site-wide queue and log) when empty."""
    slug = (slug or "").strip()
    return community_queries.get_community(actor, slug) if slug else None


@router.get(
    "/moderation/items",
    response={200: ReviewItemPage, 400: E, 401: E, 403: E, 404: E},
    auth=member_auth,
)
def list_review_items(
    request: HttpRequest,
    community: str = "",
    queue: str = "",
    status: str = "open",
    page: int = 1,
    page_size: int = 20,
) -> ReviewItemPage:
    """A review queue: one community's (`community=slug`) or the site-wide one (site staff).

    `queue` narrows to general, professional, safeguarding, approval or appeals; `status` is
    open (default) or resolved. Urgent items come first, then oldest first.
    """
    if queue and queue not in ReviewItem.Queue.values:
        raise ValidationFailed("Unknown queue.", field="queue")
    if status not in ReviewItem.Status.values:
        raise ValidationFailed("Unknown status.", field="status")
    items = queries.review_items(
        request.user,
        community=community_or_site(request.user, community),
        queue=queue or None,
        status=status,
    )
    result = paginate(items, PageRequest.from_params(page, page_size))
    return ReviewItemPage(items=[item_out(i) for i in result.items], **page_meta(result))


def item_detail_out(actor: Any, item: ReviewItem) -> ReviewItemDetailOut:
    context = queries.item_context(actor, item)
    notes = queries.context_notes_for([item.post_id]).get(item.post_id, []) if item.post_id else []
    steps = [
        ChecklistStepOut(step=code, label=str(label), done_at=str(item.checklist.get(code) or ""))
        for code, label in actions.SAFEGUARDING_STEPS
    ]
    return ReviewItemDetailOut(
        **item_fields(item),
        body_snapshot=item.body_snapshot,
        body=current_body(item),
        checklist_steps=steps if item.queue == ReviewItem.Queue.SAFEGUARDING else [],
        context_notes=[context_note_out(n) for n in notes],
        context=ItemContextOut(
            author_history=_plain(context.get("author_history") or {}),
            sanctions=[sanction_out(s) for s in context.get("sanctions", [])],
            notes=[member_note_out(n) for n in context.get("notes", [])],
            other_items=[item_summary_out(i) for i in context.get("other_items", [])],
            actions=[action_out(a) for a in context.get("actions", [])],
        ),
    )


def _plain(value: Any) -> Any:
    """Numbers, text, dates and nested dicts/lists as they are; anything else as text."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


@router.get(
    "/moderation/items/{item_id}",
    response={200: ReviewItemDetailOut, 401: E, 404: E},
    auth=member_auth,
)
def get_review_item(request: HttpRequest, item_id: int) -> ReviewItemDetailOut:
    """One item with its reports, the words now and when queued, and the author's history."""
    return item_detail_out(request.user, queries.review_item_for(request.user, item_id))


@router.post(
    "/moderation/items/{item_id}/decisions",
    response={200: DecisionOut, 400: E, 401: E, 403: E, 404: E, 409: E},
    auth=member_auth,
)
def decide_review_item(request: HttpRequest, item_id: int, payload: DecisionIn) -> DecisionOut:
    """Decide an item: approve, reject, dismiss, hide, unhide, edit, lock, unlock, move,
    delete, warn, suspend, ban or escalate.

    `reason` is required for reject, hide, edit, delete, warn, suspend and ban (the member is
    told it); `days` (1–365) for suspend; `destination` (a community slug) for move; `body`
    (and `title` for a topic) for edit.
    """
    actor = request.user
    item = queries.review_item_for(actor, item_id)
    destination = (
        community_queries.get_community(actor, payload.destination) if payload.destination else None
    )
    action = actions.resolve_item(
        actor=actor,
        item=item,
        decision=payload.decision,
        reason=payload.reason,
        guideline=payload.guideline,
        body=payload.body,
        title=payload.title,
        destination=destination,
        days=payload.days,
    )
    return DecisionOut(action=action_out(action), item=item_out(_reloaded(actor, item)))


def _reloaded(actor: Any, item: ReviewItem) -> ReviewItem:
    # After a decision the actor may no longer review the item (say, after moving a topic
    # out of their community): show it as it stands without checking again.
    try:
        return queries.review_item_for(actor, item.pk)
    except NotFoundError:
        item.refresh_from_db()
        return item


@router.post(
    "/moderation/items/{item_id}/checklist",
    response={200: ReviewItemOut, 400: E, 401: E, 403: E, 404: E},
    auth=member_auth,
)
def update_checklist(request: HttpRequest, item_id: int, payload: ChecklistIn) -> ReviewItemOut:
    """Tick (or untick) one step of a safeguarding item's follow-up checklist."""
    item = queries.review_item_for(request.user, item_id)
    actions.update_safeguarding_checklist(
        actor=request.user, item=item, step=payload.step, is_done=payload.is_done
    )
    return item_out(_reloaded(request.user, item))


@router.get(
    "/moderation/log",
    response={200: ActionPage, 401: E, 403: E, 404: E},
    auth=member_auth,
)
def moderation_log(
    request: HttpRequest, community: str = "", page: int = 1, page_size: int = 20
) -> ActionPage:
    """Every moderation decision in a community (`community=slug`) or site-wide, newest first."""
    from carecircle.moderation.permissions import check_can_read_moderation_log

    where = community_or_site(request.user, community)
    check_can_read_moderation_log(request.user, where)
    result = paginate(
        queries.moderation_log(request.user, community=where),
        PageRequest.from_params(page, page_size),
    )
    return ActionPage(items=[action_out(a) for a in result.items], **page_meta(result))


@router.post(
    "/moderation/appeals/{appeal_id}/decision",
    response={200: NoticeOut, 400: E, 401: E, 403: E, 404: E, 409: E},
    auth=member_auth,
)
def decide_appeal(request: HttpRequest, appeal_id: int, payload: AppealDecisionIn) -> NoticeOut:
    """Decide an appeal: `uphold` reverses the decision; `decision` is told to the member."""
    appeal = lookups.appeal_for(request.user, appeal_id)
    appeal = actions.decide_appeal(
        actor=request.user, appeal=appeal, uphold=payload.uphold, decision=payload.decision
    )
    return notice_out(appeal.action, can_appeal=False)
