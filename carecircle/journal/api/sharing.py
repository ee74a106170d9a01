"""Journal JSON API: sharing parts of one's journal, revoking, and reading what was shared.

Same rules as the pages: a share the caller may not read is 404, never 403; responses are
`Cache-Control: private, no-store` (journal/middleware.py).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from carecircle.api.api import member_auth
from carecircle.api.schemas import ErrorOut
from carecircle.core.errors import ValidationFailed
from carecircle.journal import sharing
from carecircle.journal.actions import sharing as actions
from carecircle.journal.models import JournalShare
from carecircle.journal.queries import data_of

router = Router(tags=["journal"])


class ShareMemberOut(Schema):
    handle: str
    display_name: str


class ShareOut(Schema):
    id: int
    owner: ShareMemberOut
    audience: str  # "caregiver", "member" or "community"
    # The caregiver (audience "caregiver") or the member (audience "member"); else null.
    member: ShareMemberOut | None
    caregiver_link: int | None
    community: str | None  # the community's slug (audience "community")
    parts: list[str]
    since: date | None
    title: str
    created_at: datetime
    revoked_at: datetime | None
    # False once the audience can no longer open it (a caregiver link that ended).
    is_reachable: bool


class ShareIn(Schema):
    audience: str
    parts: list[str]
    caregiver_link: int | None = None  # id of one of your active caregiver links
    member: str | None = None  # handle
    community: str | None = None  # slug
    since: date | None = None
    title: str = ""


class SharedEntryOut(Schema):
    kind: str
    recorded_at: datetime
    data: dict[str, Any]
    goal: str | None = None  # the goal's title, for a goal check-in


class SharedGoalOut(Schema):
    status: str
    closed_at: datetime | None
    data: dict[str, Any]


class SharedContentOut(Schema):
    share: ShareOut
    period: str
    starts_at: datetime | None  # the earliest moment shown (the share's since, or the period)
    entries: list[SharedEntryOut]
    is_truncated: bool
    medications: list[dict[str, Any]] | None  # null when medicines are not shared
    goals: list[SharedGoalOut] | None  # null when goals are not shared


def _person(user: Any) -> ShareMemberOut | None:
    if user is None:
        return None
    return ShareMemberOut(handle=user.handle, display_name=user.display_name)


def share_out(share: JournalShare) -> ShareOut:
    recipient = share.member
    if share.audience == JournalShare.Audience.CAREGIVER and share.caregiver_link is not None:
        recipient = share.caregiver_link.carer
    owner = _person(share.owner)
    assert owner is not None
    return ShareOut(
        id=share.pk,
        owner=owner,
        audience=share.audience,
        member=_person(recipient),
        caregiver_link=share.caregiver_link_id,
        community=share.community.slug if share.community is not None else None,
        parts=sharing.ordered_parts(share.parts),
        since=share.since,
        title=share.title,
        created_at=share.created_at,
        revoked_at=share.revoked_at,
        is_reachable=sharing.is_share_reachable(share),
    )


@router.get("/journal/shares", response={200: list[ShareOut], 401: ErrorOut}, auth=member_auth)
def list_shares(request: HttpRequest) -> list[ShareOut]:
    """Your shares, active and revoked, newest first."""
    return [share_out(share) for share in sharing.shares_for_owner(request.user)]


@router.post(
    "/journal/shares",
    response={201: ShareOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 429: ErrorOut},
    auth=member_auth,
)
def create_share(request: HttpRequest, payload: ShareIn) -> Status[ShareOut]:
    """Share `parts` (symptoms, medications, measurements, mood, diary, goals) with one
    audience: `caregiver_link` (an id), `member` (a handle) or `community` (a slug)."""
    share = actions.share_journal(
        actor=request.user,
        audience=payload.audience,
        parts=payload.parts,
        caregiver_link=payload.caregiver_link,
        member=payload.member,
        community=payload.community,
        since=payload.since,
        title=payload.title,
    )
    return Status(201, share_out(sharing.get_own_share(request.user, share.pk)))


@router.delete(
    "/journal/shares/{share_id}",
    response={200: ShareOut, 401: ErrorOut, 404: ErrorOut, 429: ErrorOut},
    auth=member_auth,
)
def revoke_share(request: HttpRequest, share_id: int) -> ShareOut:
    """Revoke one of your shares at once (revoking it again changes nothing)."""
    share = sharing.get_own_share(request.user, share_id)
    actions.revoke_share(actor=request.user, share=share)
    return share_out(share)


@router.get(
    "/journal/shared-with-me", response={200: list[ShareOut], 401: ErrorOut}, auth=member_auth
)
def shared_with_me(request: HttpRequest) -> list[ShareOut]:
    """Other members' shares you may read now, by owner."""
    return [share_out(share) for share in sharing.shares_visible_to(request.user)]


@router.get(
    "/journal/shared/{share_id}",
    response={200: SharedContentOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    auth=member_auth,
)
def shared_content(request: HttpRequest, share_id: int, period: str = "month") -> SharedContentOut:
    """What a share shows for `period` (week, month, year or all): only its parts, only
    entries on or after its `since`, at most 500 entries (newest first)."""
    share = sharing.get_visible_share(request.user, share_id)
    if sharing.clean_period(period) is None:
        raise ValidationFailed(
            _("Choose week, month, year or all."), code="bad_period", field="period"
        )
    content = sharing.shared_content(share, period=period)
    entries = [
        SharedEntryOut(
            kind=entry.kind,
            recorded_at=entry.recorded_at,
            data=data_of(entry),
            goal=data_of(entry.goal).get("title") if entry.goal is not None else None,
        )
        for kind_entries in content.entries.values()
        for entry in kind_entries
    ]
    entries.sort(key=lambda entry: entry.recorded_at, reverse=True)
    return SharedContentOut(
        share=share_out(share),
        period=period,
        starts_at=content.starts_at,
        entries=entries,
        is_truncated=content.is_truncated,
        medications=[data_of(m) for m in content.medications]
        if content.has("medications")
        else None,
        goals=[
            SharedGoalOut(status=goal.status, closed_at=goal.closed_at, data=data_of(goal))
            for goal in content.goals
        ]
        if content.has("goals")
        else None,
    )
