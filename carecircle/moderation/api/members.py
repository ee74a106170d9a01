"""A member as moderators see them: sanctions, private notes, trust level, pre-moderation."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from carecircle.accounts.queries import get_member
from carecircle.api.api import member_auth
from carecircle.moderation import actions, permissions, queries
from carecircle.moderation.api import lookups
from carecircle.moderation.api.items import community_or_site
from carecircle.moderation.api.outputs import (
    action_out,
    member_note_out,
    sanction_out,
    trust_out,
)
from carecircle.moderation.models import Sanction
from carecircle.moderation.schemas import (
    MemberModerationOut,
    MemberNoteIn,
    MemberNoteOut,
    ModerationErrorOut,
    PremoderationIn,
    PremoderationOut,
    SanctionIn,
    SanctionOut,
    TrustLevelIn,
    TrustOut,
)

router: Router = Router()

E = ModerationErrorOut


@router.get(
    "/moderation/members/{handle}",
    response={200: MemberModerationOut, 401: E, 403: E, 404: E},
    auth=member_auth,
)
def get_member_moderation(
    request: HttpRequest, handle: str, community: str = ""
) -> MemberModerationOut:
    """A member's sanctions, moderators' notes, recent decisions and trust level, in one
    community (`community=slug`, its moderators) or site-wide (site staff)."""
    actor = request.user
    member = get_member(handle)
    where = community_or_site(actor, community)
    permissions.check_can_see_member_notes(actor, member, where)
    return member_moderation_out(actor, member, where)


def member_moderation_out(actor: Any, member: Any, where: Any) -> MemberModerationOut:
    data = queries.member_moderation(actor, member, where)
    return MemberModerationOut(
        handle=member.handle,
        display_name=member.display_name,
        community=None if where is None else where.slug,
        trust=trust_out(data["trust_level"], data.get("trust")),
        is_premoderated=any(
            s.kind == Sanction.Kind.PRE_MODERATION for s in data.get("active_sanctions", [])
        ),
        sanctions=[sanction_out(s) for s in data.get("sanctions", [])],
        notes=[member_note_out(n) for n in data.get("notes", [])],
        actions=[action_out(a) for a in data.get("actions", [])],
    )


@router.post(
    "/moderation/members/{handle}/sanctions",
    response={201: SanctionOut, 400: E, 401: E, 403: E, 404: E},
    auth=member_auth,
)
def create_sanction(request: HttpRequest, handle: str, payload: SanctionIn) -> Status[SanctionOut]:
    """Warn, pre-moderate, suspend (`days`, 1–365) or ban a member, in one community or
    (no `community`, site staff) everywhere. It takes effect at once, on every open session."""
    actor = request.user
    member = get_member(handle)
    sanction = actions.sanction_member(
        actor=actor,
        member=member,
        community=community_or_site(actor, payload.community or ""),
        kind=payload.kind,
        reason=payload.reason,
        guideline=payload.guideline,
        days=payload.days,
    )
    return Status(201, sanction_out(sanction))


@router.delete(
    "/moderation/sanctions/{sanction_id}",
    response={204: None, 401: E, 403: E, 404: E, 409: E},
    auth=member_auth,
)
def lift_sanction(request: HttpRequest, sanction_id: int, reason: str = "") -> Status[None]:
    """Lift a sanction early (it stays in the member's history as lifted)."""
    sanction = lookups.sanction_for(request.user, sanction_id)
    actions.lift_sanction(actor=request.user, sanction=sanction, reason=reason)
    return Status(204, None)


@router.post(
    "/moderation/members/{handle}/notes",
    response={201: MemberNoteOut, 400: E, 401: E, 403: E, 404: E},
    auth=member_auth,
)
def create_member_note(
    request: HttpRequest, handle: str, payload: MemberNoteIn
) -> Status[MemberNoteOut]:
    """A private note about a member, seen by the community's moderators only."""
    actor = request.user
    member = get_member(handle)
    note = actions.add_member_note(
        actor=actor,
        member=member,
        community=community_or_site(actor, payload.community or ""),
        body=payload.body,
    )
    return Status(201, member_note_out(note))


@router.post(
    "/moderation/members/{handle}/trust-level",
    response={200: TrustOut, 400: E, 401: E, 403: E, 404: E},
    auth=member_auth,
)
def set_trust_level(request: HttpRequest, handle: str, payload: TrustLevelIn) -> TrustOut:
    """Set a member's trust level by hand (0–4), or clear it (`null`) to use the computed one."""
    member = get_member(handle)
    trust = actions.set_trust_level(
        actor=request.user, member=member, level=payload.level, reason=payload.reason
    )
    queries.forget_trust_level(member)
    return trust_out(queries.trust_level_of(member), trust)


@router.post(
    "/moderation/members/{handle}/premoderation",
    response={200: PremoderationOut, 400: E, 401: E, 403: E, 404: E},
    auth=member_auth,
)
def set_premoderation(
    request: HttpRequest, handle: str, payload: PremoderationIn
) -> PremoderationOut:
    """Hold a member's new topics and replies for approval (`is_on`), or stop doing so."""
    actor = request.user
    member = get_member(handle)
    sanction = actions.set_premoderation(
        actor=actor,
        member=member,
        community=community_or_site(actor, payload.community or ""),
        is_on=payload.is_on,
        reason=payload.reason,
    )
    return PremoderationOut(
        is_on=payload.is_on, sanction=None if sanction is None else sanction_out(sanction)
    )
