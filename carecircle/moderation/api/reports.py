"""Members' side of moderation: reporting, their notices and appeals, context notes, helplines."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from carecircle.api.api import member_auth
from carecircle.core.errors import NotFoundError
from carecircle.core.pagination import PageRequest, paginate
from carecircle.discussions import queries as discussion_queries
from carecircle.moderation import actions, permissions, queries
from carecircle.moderation.api import lookups
from carecircle.moderation.api.outputs import context_note_out, notice_out, page_meta
from carecircle.moderation.schemas import (
    AppealIn,
    ContextNoteIn,
    ContextNoteOut,
    CrisisResourceOut,
    ModerationErrorOut,
    NoticeOut,
    NoticePage,
    ReportIn,
    ReportOut,
)

router: Router = Router()

E = ModerationErrorOut


@router.post(
    "/reports",
    response={201: ReportOut, 400: E, 401: E, 403: E, 404: E, 409: E, 429: E},
    auth=member_auth,
)
def create_report(request: HttpRequest, payload: ReportIn) -> Status[ReportOut]:
    """Report a post, topic, message or member you can see to the moderators.

    Something you cannot read answers 404 like something that does not exist; reporting the
    same thing twice while it waits for review answers 409 `already_reported`.
    """
    report = actions.report_content(
        actor=request.user,
        kind=payload.kind,
        target_id=payload.target_id,
        reason=payload.reason,
        note=payload.note,
        custom_reason_id=payload.custom_reason_id,
    )
    return Status(
        201,
        ReportOut(
            id=report.pk,
            kind=payload.kind,
            target_id=payload.target_id,
            reason=report.reason,
            note=report.note,
            created_at=report.created_at,
        ),
    )


@router.get("/me/moderation-notices", response={200: NoticePage, 401: E}, auth=member_auth)
def list_my_notices(request: HttpRequest, page: int = 1, page_size: int = 20) -> NoticePage:
    """Moderators' decisions about you, newest first, with the reason and any appeal."""
    result = paginate(
        queries.member_notices(request.user), PageRequest.from_params(page, page_size)
    )
    return NoticePage(
        items=[
            notice_out(action, can_appeal=permissions.can_appeal(request.user, action))
            for action in result.items
        ],
        **page_meta(result),
    )


@router.post(
    "/me/moderation-notices/{action_id}/appeal",
    response={201: NoticeOut, 400: E, 401: E, 403: E, 404: E, 409: E},
    auth=member_auth,
)
def appeal_notice(request: HttpRequest, action_id: int, payload: AppealIn) -> Status[NoticeOut]:
    """Ask for a decision about you to be looked at again (once per decision)."""
    action = queries.member_notices(request.user).filter(pk=action_id).first()
    if action is None:
        raise NotFoundError("Not found.")
    actions.appeal_action(actor=request.user, action=action, text=payload.text)
    action = queries.member_notices(request.user).get(pk=action_id)
    return Status(201, notice_out(action, can_appeal=False))


@router.get("/posts/{post_id}/context-notes", response={200: list[ContextNoteOut], 404: E})
def list_context_notes(request: HttpRequest, post_id: int) -> list[ContextNoteOut]:
    """Professional context shown under a post you can read, oldest first."""
    post = discussion_queries.get_post(request.user, post_id)
    return [context_note_out(n) for n in queries.context_notes_for([post.pk]).get(post.pk, [])]


@router.post(
    "/posts/{post_id}/context-notes",
    response={201: ContextNoteOut, 400: E, 401: E, 403: E, 404: E},
    auth=member_auth,
)
def create_context_note(
    request: HttpRequest, post_id: int, payload: ContextNoteIn
) -> Status[ContextNoteOut]:
    """Add context under a post (verified professionals of the community, and moderators)."""
    post = discussion_queries.get_post(request.user, post_id)
    item = queries.review_item_for(request.user, payload.item_id) if payload.item_id else None
    note = actions.add_context_note(
        actor=request.user,
        post=post,
        body=payload.body,
        resource_url=payload.resource_url,
        resource_title=payload.resource_title,
        item=item,
    )
    return Status(201, context_note_out(note))


@router.delete(
    "/context-notes/{note_id}", response={204: None, 401: E, 403: E, 404: E}, auth=member_auth
)
def delete_context_note(request: HttpRequest, note_id: int) -> Status[None]:
    """Remove a context note (its author, or the community's moderators)."""
    note = lookups.context_note_for(request.user, note_id)
    actions.remove_context_note(actor=request.user, note=note)
    return Status(204, None)


@router.get("/crisis-resources", response={200: list[CrisisResourceOut]})
def list_crisis_resources(request: HttpRequest, country: str = "") -> list[CrisisResourceOut]:
    """Helplines and emergency numbers for a country (two letters), emergency ones first."""
    return [
        CrisisResourceOut(
            id=r.pk,
            country=r.country,
            name=r.name,
            phone=r.phone,
            url=r.url,
            description=r.description,
            is_emergency=r.is_emergency,
        )
        for r in queries.crisis_resources(country.strip().upper()[:2])
    ]
