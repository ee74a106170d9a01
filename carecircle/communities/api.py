from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from carecircle.api.api import member_auth
from carecircle.api.schemas import ErrorOut
from carecircle.communities import actions, permissions, queries
from carecircle.communities.models import Community

router = Router(tags=["communities"])


class CommunityOut(Schema):
    slug: str
    name: str
    description: str
    kind: str
    visibility: str
    member_count: int | None
    topic_count: int | None
    post_count: int | None
    last_activity_at: datetime | None
    is_member: bool
    role: str | None
    can_read: bool
    guidelines_version: int
    allow_anonymous_posts: bool


class CommunityIn(Schema):
    name: str
    description: str
    guidelines: str
    kind: str = Community.Kind.CONDITION
    visibility: str = Community.Visibility.PUBLIC
    slug: str = ""


class CommunityPatch(Schema):
    name: str | None = None
    description: str | None = None
    guidelines: str | None = None
    kind: str | None = None
    visibility: str | None = None
    allow_anonymous_posts: bool | None = None


class JoinIn(Schema):
    accept_guidelines: bool


class MembershipOut(Schema):
    community: str
    role: str
    guidelines_version: int
    guidelines_accepted_at: datetime


class GuidelinesOut(Schema):
    version: int
    text: str


def community_out(actor: Any, community: Community) -> CommunityOut:
    membership = permissions.membership_of(actor, community)
    can_read = permissions.can_read_community(actor, community)
    # Counts of a members-only community are content too: hidden from outsiders.
    return CommunityOut(
        slug=community.slug,
        name=community.name,
        description=community.description,
        kind=community.kind,
        visibility=community.visibility,
        member_count=community.member_count if can_read else None,
        topic_count=community.topic_count if can_read else None,
        post_count=community.post_count if can_read else None,
        last_activity_at=community.last_activity_at if can_read else None,
        is_member=membership is not None,
        role=membership.role if membership else None,
        can_read=can_read,
        guidelines_version=community.guidelines_version,
        allow_anonymous_posts=community.allow_anonymous_posts,
    )


@router.get("/communities", response=list[CommunityOut])
def list_communities(request: HttpRequest) -> list[CommunityOut]:
    """Every community the caller may see."""
    return [community_out(request.user, c) for c in queries.list_communities(request.user)]


@router.post(
    "/communities",
    response={201: CommunityOut, 400: ErrorOut, 403: ErrorOut, 409: ErrorOut},
    auth=member_auth,
)
def create_community(request: HttpRequest, payload: CommunityIn) -> Status[CommunityOut]:
    """Create a community (site managers)."""
    community = actions.create_community(actor=request.user, **payload.dict())
    created = queries.get_community(request.user, community.slug)
    return Status(201, community_out(request.user, created))


@router.get("/communities/{slug}", response={200: CommunityOut, 404: ErrorOut})
def get_community(request: HttpRequest, slug: str) -> CommunityOut:
    return community_out(request.user, queries.get_community(request.user, slug))


@router.patch(
    "/communities/{slug}",
    response={200: CommunityOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    auth=member_auth,
)
def update_community(request: HttpRequest, slug: str, payload: CommunityPatch) -> CommunityOut:
    """Edit a community (its managers)."""
    community = queries.get_community(request.user, slug)
    values = {
        field: getattr(community, field)
        for field in ("name", "description", "guidelines", "kind", "visibility")
    }
    values.update(payload.dict(exclude_none=True))
    actions.update_community(actor=request.user, community=community, **values)
    return community_out(request.user, community)


@router.get("/communities/{slug}/guidelines", response={200: GuidelinesOut, 404: ErrorOut})
def get_guidelines(request: HttpRequest, slug: str) -> GuidelinesOut:
    community = queries.get_community(request.user, slug)
    return GuidelinesOut(version=community.guidelines_version, text=community.guidelines)


@router.post(
    "/communities/{slug}/membership",
    response={201: MembershipOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    auth=member_auth,
)
def join(request: HttpRequest, slug: str, payload: JoinIn) -> Status[MembershipOut]:
    """Join, accepting the current guidelines (`accept_guidelines` must be true)."""
    community = queries.get_community(request.user, slug)
    membership = actions.join_community(
        actor=request.user, community=community, accept_guidelines=payload.accept_guidelines
    )
    return Status(
        201,
        MembershipOut(
            community=community.slug,
            role=membership.role,
            guidelines_version=membership.guidelines_version,
            guidelines_accepted_at=membership.guidelines_accepted_at,
        ),
    )


@router.delete(
    "/communities/{slug}/membership",
    response={204: None, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    auth=member_auth,
)
def leave(request: HttpRequest, slug: str) -> Status[None]:
    """Leave a community."""
    community = queries.get_community(request.user, slug)
    actions.leave_community(actor=request.user, community=community)
    return Status(204, None)
